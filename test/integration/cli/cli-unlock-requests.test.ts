/**
 * The command line's request for the vault at the IPC level: the CLI's own client (src/cli/local-client.ts)
 * talks to the real same-user socket of a real main-services instance; the window's side is the router
 * (files:cli-requests, files:deny-cli-request) exactly as the preload calls it. A request lists the path and
 * the asking process (pid from SO_PEERCRED, its name from /proc), never unlocks anything itself, and ends
 * when the vault is unlocked, when it is denied, when it expires, or when the CLI goes away.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../../src/cli/local-client.ts';
import { createMainServices, type MainServices } from '../../../src/main/create-main-services.ts';
import { MAX_PENDING } from '../../../src/main/filelock/cli-requests.ts';
import {
  startLocalChannel,
  type LocalChannel,
} from '../../../src/main/filelock/local-channel/local-channel-server.ts';
import type { CliRequestsView } from '../../../src/shared/ipc-contract.ts';
import { createTestVault, type TestVault } from '../../support/filelock-vault.ts';

const root = mkdtempSync(join(tmpdir(), 'fv-clireq-'));
const work = join(root, 'work');
const socketPath = join(root, 'run', 'cli.sock');
const sender = { url: 'app://facevault/index.html', isMainFrame: true, id: 1 };
let services: MainServices;
let channel: LocalChannel;
let vault: TestVault;
let container: string;

const call = (c: string, ...args: unknown[]) => services.router.dispatch(c, sender, args);
const pendingNow = async (): Promise<CliRequestsView['requests']> => {
  const r = (await call('files:cli-requests')) as { ok: boolean; value: CliRequestsView };
  expect(r.ok).toBe(true);
  return r.value.requests;
};
const unlockViaCli = (path: string) =>
  request(socketPath, { v: 1, op: 'unlock', path, auth: { method: 'face' } }, () => {});

beforeAll(async () => {
  mkdirSync(work, { recursive: true });
  vault = createTestVault({ unlocked: true });
  services = createMainServices({
    appVersion: 'test',
    trustedOrigins: ['app://facevault'],
    files: { dataDir: join(root, 'data'), vault, chunkSize: 64 * 1024 },
  });
  // As the app wires it: a CLI request while locked goes to the window's list (create-main-services.ts).
  vault.requestFaceUnlock = (ask, t, signal) => services.cliRequests.ask(ask, t, signal);
  channel = await startLocalChannel({
    socketPath,
    files: await services.files(),
    vault,
    faceTimeoutMs: 30_000,
  });
  const p = join(work, 'tax-return.pdf');
  writeFileSync(p, randomBytes(50_000));
  container = (await (await services.files()).lockNow(p)).containerPath;
});
afterAll(async () => {
  await channel.close();
  rmSync(root, { recursive: true, force: true });
});

describe('a CLI unlock while the vault is locked is shown to the window and answered there', () => {
  it('lists the path and the asking process; Deny fails the command with LOCAL_CHANNEL_DENIED', async () => {
    vault.lock();
    const cli = unlockViaCli(container);
    await expect.poll(pendingNow).toHaveLength(1);
    const [r] = await pendingNow();
    expect(r).toMatchObject({ op: 'unlock', path: container, pid: process.pid });
    expect(r!.processName).toMatch(/node|vitest/);
    expect(r!.expiresAt).toBeGreaterThan(Date.now());
    expect(await call('files:deny-cli-request', r!.id)).toMatchObject({ ok: true, value: { requests: [] } });
    expect(await cli).toMatchObject({ ok: false, error: { code: 'LOCAL_CHANNEL_DENIED' } });
    expect(vault.isUnlocked()).toBe(false);
  });

  it('the request never unlocks by itself: the command goes on only once the vault is unlocked', async () => {
    const cli = unlockViaCli(container);
    await expect.poll(pendingNow).toHaveLength(1);
    let settled = false;
    void cli.finally(() => (settled = true));
    // Still waiting while the vault stays locked (two of the channel's poll periods and then some).
    await expect.poll(pendingNow).toHaveLength(1);
    expect(settled).toBe(false);
    vault.unlock(); // the lock screen's face match or passphrase
    expect(await cli).toMatchObject({ ok: true, value: { op: 'unlock' } });
    expect(await pendingNow()).toEqual([]);
  });

  it('a CLI that goes away takes its request with it', async () => {
    vault.lock();
    const sock = connect(socketPath);
    await new Promise<void>((res) => sock.on('connect', () => res()));
    sock.write(`${JSON.stringify({ v: 1, op: 'unlock', path: container, auth: { method: 'face' } })}\n`);
    await expect.poll(pendingNow).toHaveLength(1);
    sock.destroy();
    await expect.poll(pendingNow).toEqual([]);
  });

  it('is bounded, and the window can only deny ids it was shown (schema)', async () => {
    const clis = Array.from({ length: MAX_PENDING + 1 }, () => unlockViaCli(container));
    const extra = await Promise.race([
      ...clis.map((c) => c.then((r) => r)),
      new Promise<null>((res) => setTimeout(() => res(null), 20_000)),
    ]);
    expect(extra).toMatchObject({ ok: false, error: { code: 'LOCAL_CHANNEL_DENIED' } });
    await expect.poll(pendingNow).toHaveLength(MAX_PENDING);
    expect(await call('files:deny-cli-request', '../x')).toMatchObject({
      ok: false,
      error: { code: 'IPC_INVALID_PAYLOAD' },
    });
    for (const r of await pendingNow()) await call('files:deny-cli-request', r.id);
    const results = await Promise.all(clis);
    expect(results.every((r) => !r.ok && r.error.code === 'LOCAL_CHANNEL_DENIED')).toBe(true);
  });
});
