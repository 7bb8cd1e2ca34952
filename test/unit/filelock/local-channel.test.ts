/**
 * The CLI socket's own rules: private folder (created 0700, an over-open one of ours tightened), socket 0600,
 * a stale socket replaced but a live instance never displaced, malformed / oversized / missing requests
 * answered with LOCAL_CHANNEL_PROTOCOL and the connection closed.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createFileLockService } from '../../../src/main/filelock/file-lock-service.ts';
import { startLocalChannel } from '../../../src/main/filelock/local-channel/local-channel-server.ts';
import { defaultSocketPath } from '../../../src/main/filelock/local-channel/socket-path.ts';
import { MAX_LINE_BYTES } from '../../../src/main/filelock/local-channel/protocol.ts';
import { createTestVault } from '../../support/filelock-vault.ts';

const root = mkdtempSync(join(tmpdir(), 'fv-chan-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function service() {
  const s = createFileLockService({ dataDir: join(root, `data-${Math.random()}`), vault: createTestVault() });
  await s.start();
  return s;
}

function exchange(path: string, payload: string): Promise<string> {
  return new Promise((res) => {
    const s = connect(path);
    let out = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => (out += d));
    s.on('connect', () => s.write(payload));
    s.on('close', () => res(out));
    s.on('error', () => res(out));
  });
}

describe('local channel', () => {
  it('creates a 0700 folder and a 0600 socket; tightens an over-open folder of ours', async () => {
    const dir = join(root, 'open');
    mkdirSync(dir, { mode: 0o777 });
    chmodSync(dir, 0o777);
    const ch = await startLocalChannel({ socketPath: join(dir, 'cli.sock'), files: await service() });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'cli.sock')).mode & 0o777).toBe(0o600);
    await ch.close();
  });

  it('replaces a stale socket, refuses to displace a live instance or a non-socket file', async () => {
    const dir = join(root, 'stale');
    mkdirSync(dir, { mode: 0o700 });
    const sock = join(dir, 'cli.sock');
    // A socket file left by a crashed instance: it listened, then was SIGKILLed (no cleanup ran).
    spawnSync(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(sock)}, () => process.kill(process.pid, 'SIGKILL'))`,
    ]);
    expect(statSync(sock).isSocket()).toBe(true);
    writeFileSync(join(dir, 'placeholder'), '');
    const first = await startLocalChannel({ socketPath: sock, files: await service() });
    await expect(startLocalChannel({ socketPath: sock, files: await service() })).rejects.toMatchObject({
      code: 'LOCAL_CHANNEL_UNAVAILABLE',
    });
    await first.close();
    await expect(
      startLocalChannel({ socketPath: join(dir, 'placeholder'), files: await service() }),
    ).rejects.toMatchObject({ code: 'LOCAL_CHANNEL_DENIED' });
  });

  it('bad requests get LOCAL_CHANNEL_PROTOCOL; ping answers', async () => {
    const dir = join(root, 'proto');
    const sock = join(dir, 'cli.sock');
    const ch = await startLocalChannel({ socketPath: sock, files: await service() });
    expect(await exchange(sock, 'not json\n')).toContain('LOCAL_CHANNEL_PROTOCOL');
    expect(await exchange(sock, `${JSON.stringify({ v: 1, op: 'format-disk' })}\n`)).toContain(
      'LOCAL_CHANNEL_PROTOCOL',
    );
    expect(
      await exchange(
        sock,
        `${JSON.stringify({ v: 1, op: 'lock', path: '/x', auth: { method: 'face' }, extra: 1 })}\n`,
      ),
    ).toContain('LOCAL_CHANNEL_PROTOCOL');
    expect(await exchange(sock, 'x'.repeat(MAX_LINE_BYTES + 10))).toContain('request line too long');
    expect(await exchange(sock, `${JSON.stringify({ v: 1, op: 'ping' })}\n`)).toContain('"op":"ping"');
    await ch.close();
  });

  it('socket path: FACEVAULT_SOCKET, then $XDG_RUNTIME_DIR/facevault, then <userData>/run', () => {
    expect(defaultSocketPath('/u', { FACEVAULT_SOCKET: '/s.sock' }, 'linux')).toBe('/s.sock');
    expect(defaultSocketPath('/u', { XDG_RUNTIME_DIR: '/run/user/1000' }, 'linux')).toBe(
      '/run/user/1000/facevault/cli.sock',
    );
    expect(defaultSocketPath('/u', { XDG_RUNTIME_DIR: 'relative' }, 'linux')).toBe('/u/run/cli.sock');
    expect(defaultSocketPath('/u', {}, 'darwin')).toBe('/u/run/cli.sock');
  });
});
