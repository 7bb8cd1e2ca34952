import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startIdleLock } from '../../../src/main/vault/idle-lock.ts';
import { newDevice, OWNER_PASSPHRASE, startApp, type Running } from '../../support/vault-fixtures.ts';

let dir: string;
let app: Running;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fv-idle-'));
  app = startApp(newDevice(dir, null));
  await app.vault.setup(OWNER_PASSPHRASE);
});
afterEach(async () => {
  app.close();
  await rm(dir, { recursive: true, force: true });
});

describe('idle lock', () => {
  it('locks once the OS idle time reaches the setting, and never with 0', async () => {
    let idle = 0;
    const reasons: string[] = [];
    app.vault.onLock((r) => reasons.push(r));
    const lock = startIdleLock({ idleSeconds: () => idle, vault: () => app.vault, everyMs: 60_000 });
    await app.vault.setSettings({ idleLockMinutes: 2 });
    idle = 119;
    expect(await lock.check()).toBe(false);
    idle = 120;
    expect(await lock.check()).toBe(true);
    expect(app.vault.isUnlocked()).toBe(false);
    expect(reasons).toEqual(['idle']);
    await app.vault.unlockWithPassphrase(OWNER_PASSPHRASE);
    await app.vault.setSettings({ idleLockMinutes: 0 });
    idle = 1e6;
    expect(await lock.check()).toBe(false);
    expect(app.vault.isUnlocked()).toBe(true);
    lock.stop();
  });
});
