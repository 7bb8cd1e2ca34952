/**
 * The vault key never crosses IPC: every vault:* and settings:* reply, through the real router and channel
 * specs, is checked for the key's bytes (hex, base64, as a number list) and for any field outside the
 * contract's VaultStatus / AppSettings. Malformed passphrase payloads are refused at the door.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFaceFlow } from '../../src/main/auth/face-flow.ts';
import { createFrameSink } from '../../src/main/camera/frame-sink.ts';
import { channelSpecs } from '../../src/main/ipc/channels.ts';
import { createIpcRouter, type IpcRouter } from '../../src/main/ipc/router.ts';
import type { Result } from '../../src/shared/result.ts';
import { newDevice, OWNER_PASSPHRASE, startApp, type Running } from '../support/vault-fixtures.ts';
import { createDesktopUnlock } from '../../src/main/desktop/desktop-unlock.ts';
import { unavailableSession } from '../../src/main/desktop/desktop-session.ts';

const APP = 'app://facevault';
const sender = { url: `${APP}/index.html`, isMainFrame: true, id: 1 };
const STATUS_KEYS = [
  'enrolled',
  'lockedOut',
  'ownerProofUntil',
  'passphraseRetryAt',
  'remainingAttempts',
  'rollbackProtection',
  'setUp',
  'unlocked',
  'unlockedUntil',
];
const SETTINGS_KEYS = ['desktopUnlock', 'idleLockMinutes', 'pinnedCamera', 'strictness'];
let dir: string;
let app: Running;
let router: IpcRouter;
let t = 0;
const replies: Result<unknown>[] = [];

const call = async (channel: string, ...args: unknown[]): Promise<Result<unknown>> => {
  t += 10_000;
  const r = await router.dispatch(channel, sender, args);
  replies.push(r);
  return r;
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fv-ipc-vault-'));
  app = startApp(newDevice(dir, null));
  const flow = createFaceFlow({
    userId: 'owner',
    pipeline: () => null,
    auth: { ready: async () => app.face, current: () => app.face, close: () => {} },
    vault: async () => app.vault,
  });
  router = createIpcRouter({
    trustedOrigins: [APP],
    now: () => t,
    specs: channelSpecs({
      status: () => ({}) as never,
      frames: createFrameSink(),
      flow,
      vault: async () => app.vault,
      desktop: createDesktopUnlock({
        session: unavailableSession('none'),
        attempt: async () => ({ kind: 'idle' }),
        cancel: () => {},
        livenessProblem: () => null,
        enrolled: async () => false,
      }),
    }),
  });
});
afterEach(async () => {
  app.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the vault key never crosses IPC', () => {
  it('no vault or settings reply carries the key or any field outside the contract', async () => {
    await call('vault:get-status');
    await call('vault:setup', OWNER_PASSPHRASE);
    const key = await app.vault.withVaultKey((k) => Uint8Array.from(k));
    await call('vault:get-status');
    await call('vault:prove-owner', OWNER_PASSPHRASE);
    await call('settings:get');
    await call('settings:set', { strictness: 'strict', idleLockMinutes: 3 });
    await call('vault:change-passphrase', OWNER_PASSPHRASE, 'seven brass kettles hum under tuesday rain');
    await call('vault:lock');
    await call('vault:unlock-passphrase', 'seven brass kettles hum under tuesday rain');
    expect(app.vault.isUnlocked()).toBe(true);
    const oks = replies.filter((r) => r.ok);
    expect(oks.length).toBe(replies.length);
    const text = JSON.stringify(replies);
    expect(text).not.toContain(Buffer.from(key).toString('hex'));
    expect(text).not.toContain(Buffer.from(key).toString('base64').slice(0, 20));
    expect(text).not.toContain(Array.from(key.subarray(0, 8)).join(','));
    for (const r of oks) {
      const keys = Object.keys(r.ok ? (r.value as object) : {}).sort();
      expect([STATUS_KEYS, SETTINGS_KEYS]).toContainEqual(keys);
    }
  });

  it('refuses malformed or oversized passphrases and unknown settings at the door', async () => {
    expect(await call('vault:setup', 42)).toMatchObject({
      ok: false,
      error: { code: 'IPC_INVALID_PAYLOAD' },
    });
    expect(await call('vault:setup', '')).toMatchObject({
      ok: false,
      error: { code: 'IPC_INVALID_PAYLOAD' },
    });
    expect(await call('vault:setup', 'x'.repeat(5000))).toMatchObject({
      ok: false,
      error: { code: 'IPC_PAYLOAD_TOO_LARGE' },
    });
    expect(await call('vault:setup', OWNER_PASSPHRASE, 'extra')).toMatchObject({
      ok: false,
      error: { code: 'IPC_INVALID_PAYLOAD' },
    });
    expect(await call('vault:setup', 'aaaaaaaaaaaaaaaaaaaa')).toMatchObject({
      ok: false,
      error: { code: 'PASSPHRASE_WEAK' },
    });
    await call('vault:setup', OWNER_PASSPHRASE);
    expect(await call('settings:set', { strictness: 'lax' })).toMatchObject({
      ok: false,
      error: { code: 'IPC_INVALID_PAYLOAD' },
    });
    expect(await call('settings:set', { pinnedCamera: 'evil' })).toMatchObject({
      ok: false,
      error: { code: 'IPC_INVALID_PAYLOAD' },
    });
    expect(await call('settings:set', {})).toMatchObject({
      ok: false,
      error: { code: 'IPC_INVALID_PAYLOAD' },
    });
    expect(await call('settings:set', { idleLockMinutes: -1 })).toMatchObject({
      ok: false,
      error: { code: 'IPC_INVALID_PAYLOAD' },
    });
  });

  it('owner-gated settings over IPC need a fresh owner proof', async () => {
    await call('vault:setup', OWNER_PASSPHRASE);
    await call('vault:lock');
    expect(await call('settings:set', { desktopUnlock: true })).toMatchObject({
      ok: false,
      error: { code: 'OWNER_PROOF_REQUIRED' },
    });
    await call('vault:prove-owner', OWNER_PASSPHRASE);
    expect(await call('settings:set', { desktopUnlock: true })).toMatchObject({ ok: true });
  });
});
