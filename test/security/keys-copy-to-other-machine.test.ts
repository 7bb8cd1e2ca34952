/** Attack: copy the app data dir and the keychain entry (or sealed blob) to another machine. */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openDeviceKeys } from '../../src/main/keys/open-device-keys.ts';
import { memoryKeytar } from '../support/memory-keytar.ts';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'fv-sec-copy-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

it('attack: copying data dir + keychain entry to another machine yields KEY_BINDING_MISMATCH, no keys', async () => {
  const victim = memoryKeytar();
  const keys = await openDeviceKeys({
    dataDir: join(root, 'victim'),
    machineId: 'victim-id',
    backend: 'keychain',
    loadKeytar: async () => victim,
  });
  await keys.close();
  const attacker = memoryKeytar(new Map(victim.entries)); // the keychain item, exfiltrated
  await cp(join(root, 'victim'), join(root, 'attacker'), { recursive: true });
  await expect(
    openDeviceKeys({
      dataDir: join(root, 'attacker'),
      machineId: 'attacker-id',
      backend: 'keychain',
      loadKeytar: async () => attacker,
    }),
  ).rejects.toMatchObject({ code: 'KEY_BINDING_MISMATCH' });
});

it('attack: copying only the data dir (no keychain entry) yields KEY_NOT_FOUND and writes no new secret', async () => {
  const victim = memoryKeytar();
  await (
    await openDeviceKeys({
      dataDir: join(root, 'victim'),
      machineId: 'v',
      backend: 'keychain',
      loadKeytar: async () => victim,
    })
  ).close();
  await cp(join(root, 'victim'), join(root, 'attacker'), { recursive: true });
  const attacker = memoryKeytar();
  await expect(
    openDeviceKeys({
      dataDir: join(root, 'attacker'),
      machineId: 'v',
      backend: 'keychain',
      loadKeytar: async () => attacker,
    }),
  ).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
  expect(attacker.entries.size).toBe(0);
});
