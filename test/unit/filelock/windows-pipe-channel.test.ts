/**
 * The Windows transport of the CLI channel, in the parts that run on Linux (docs/filelock-format.md
 * "CLI channel — Windows"): the per-user pipe name, the token proof both ways (channel-proof.ts), the
 * token file, and the server and client halves of the handshake — exercised over a Unix socket, since the
 * handshake does not depend on the transport. A real named pipe (its default DACL, EADDRINUSE on a
 * squatted name) needs Windows and did not run here.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { request } from '../../../src/cli/local-client.ts';
import { createFileLockService } from '../../../src/main/filelock/file-lock-service.ts';
import {
  checkClientProof,
  checkServerProof,
  clientProof,
  newNonce,
  serverProof,
} from '../../../src/main/filelock/local-channel/channel-proof.ts';
import { startLocalChannel } from '../../../src/main/filelock/local-channel/local-channel-server.ts';
import {
  channelTokenPath,
  defaultSocketPath,
  isNamedPipe,
  windowsPipeName,
} from '../../../src/main/filelock/local-channel/socket-path.ts';
import {
  createChannelToken,
  readChannelToken,
} from '../../../src/main/storage/filelock/channel-token-file.ts';
import { createTestVault } from '../../support/filelock-vault.ts';

const root = mkdtempSync(join(tmpdir(), 'fv-pipe-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function service() {
  const s = createFileLockService({ dataDir: join(root, `data-${Math.random()}`), vault: createTestVault() });
  await s.start();
  return s;
}

describe('the per-user pipe name', () => {
  it('is \\\\.\\pipe\\facevault-cli-<32 hex>, the same for a user whatever the case, different per user', () => {
    const a = windowsPipeName('Alice', 'CORP');
    expect(a).toMatch(/^\\\\\.\\pipe\\facevault-cli-[0-9a-f]{32}$/);
    expect(isNamedPipe(a)).toBe(true);
    expect(windowsPipeName('alice', 'corp')).toBe(a);
    expect(windowsPipeName('bob', 'CORP')).not.toBe(a);
    expect(windowsPipeName('Alice', 'OTHERPC')).not.toBe(a);
    // Names with characters a pipe name could not carry still give a clean name.
    expect(windowsPipeName('a\\b/c:d', '')).toMatch(/^\\\\\.\\pipe\\facevault-cli-[0-9a-f]{32}$/);
  });

  it('is what the app and the CLI compute on Windows; the token sits in userData\\run', () => {
    const p = defaultSocketPath('C:\\Users\\a\\AppData\\Roaming\\facevault', { USERDOMAIN: 'CORP' }, 'win32');
    expect(isNamedPipe(p)).toBe(true);
    expect(isNamedPipe(defaultSocketPath('/home/a/.config/facevault', {}, 'linux'))).toBe(false);
    expect(channelTokenPath('/u')).toBe(join('/u', 'run', 'cli.token'));
  });
});

describe('the token proof', () => {
  const token = new Uint8Array(32).fill(7);
  const other = new Uint8Array(32).fill(8);
  it('verifies with the token, not with another, not reflected, not for another nonce', () => {
    const n = newNonce();
    expect(checkServerProof(token, n, serverProof(token, n))).toBe(true);
    expect(checkClientProof(token, n, clientProof(token, n))).toBe(true);
    expect(checkServerProof(token, n, serverProof(other, n))).toBe(false);
    expect(checkClientProof(token, n, serverProof(token, n))).toBe(false); // a reflected server proof
    expect(checkServerProof(token, newNonce(), serverProof(token, n))).toBe(false); // a replay
    for (const bad of [undefined, '', 'zz', 'a'.repeat(63), 42])
      expect(checkServerProof(token, n, bad)).toBe(false);
  });

  it('the token file is 32 fresh bytes, 0600, replaced at each start; a short one reads as none', async () => {
    const p = join(root, 'ud', 'run', 'cli.token');
    const a = await createChannelToken(p);
    expect(statSync(p).mode & 0o777).toBe(0o600);
    expect(statSync(join(root, 'ud', 'run')).mode & 0o777).toBe(0o700);
    expect(await readChannelToken(p)).toEqual(a);
    const b = await createChannelToken(p);
    expect(Buffer.from(b).equals(Buffer.from(a))).toBe(false);
    expect(new Uint8Array(readFileSync(p))).toEqual(b);
    expect(await readChannelToken(join(root, 'nope'))).toBeNull();
  });
});

describe('a token-checked channel (the handshake the named pipe uses, here over a Unix socket)', () => {
  const token = new Uint8Array(32).fill(3);
  it('the right token gets an answer; no token or a wrong one is refused', async () => {
    const socketPath = join(root, 'tok', 'cli.sock');
    const ch = await startLocalChannel({ socketPath, files: await service(), token });
    expect(await request(socketPath, { v: 1, op: 'ping' }, () => {}, { token })).toMatchObject({
      ok: true,
      value: { op: 'ping' },
    });
    expect(await request(socketPath, { v: 1, op: 'ping' }, () => {})).toMatchObject({
      ok: false,
      error: { code: 'LOCAL_CHANNEL_DENIED' },
    });
    await expect(
      request(socketPath, { v: 1, op: 'ping' }, () => {}, { token: new Uint8Array(32).fill(4) }),
    ).rejects.toMatchObject({ code: 'LOCAL_CHANNEL_DENIED' });
    await ch.close();
  });

  it('a program squatting the name cannot prove the token: the CLI sends it nothing else', async () => {
    const dir = mkdtempSync(join(root, 'squat-'));
    const socketPath = join(dir, 'cli.sock');
    const seen: string[] = [];
    const impostor = createServer((s) => {
      s.setEncoding('utf8');
      s.on('data', (d: string) => {
        seen.push(d);
        s.write(`${JSON.stringify({ t: 'hello', nonce: newNonce(), proof: newNonce() })}\n`);
      });
    });
    await new Promise<void>((res) => impostor.listen(socketPath, res));
    await expect(
      request(
        socketPath,
        { v: 1, op: 'unlock', path: '/x.fvlock', auth: { method: 'passphrase', passphrase: 'secret words' } },
        () => {},
        { token },
      ),
    ).rejects.toMatchObject({ code: 'LOCAL_CHANNEL_DENIED' });
    await new Promise<void>((res) => impostor.close(() => res()));
    expect(seen.join('')).toContain('"op":"hello"');
    expect(seen.join('')).not.toContain('secret words');
    expect(seen.join('')).not.toContain('x.fvlock');
  });

  it('a named-pipe channel without a token is refused before it listens', async () => {
    await expect(
      startLocalChannel({ socketPath: windowsPipeName('a', 'b'), files: await service() }),
    ).rejects.toMatchObject({ code: 'LOCAL_CHANNEL_DENIED' });
  });
});
