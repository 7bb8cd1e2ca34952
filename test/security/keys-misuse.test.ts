/** Attacks through the API surface of the device keys. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDeviceKeys, type DeviceKeys } from '../../src/main/keys/open-device-keys.ts';
import { memoryKeytar } from '../support/memory-keytar.ts';

let root: string;
let keys: DeviceKeys;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fv-sec-misuse-'));
  const kt = memoryKeytar();
  keys = await openDeviceKeys({
    dataDir: join(root, 'data'),
    machineId: 'm',
    backend: 'keychain',
    loadKeytar: async () => kt,
  });
});
afterAll(async () => {
  await keys.close();
  await rm(root, { recursive: true, force: true });
});

it('attack: ask deriveKey for the identity-wrapping key → refused', async () => {
  // @ts-expect-error untyped caller (CLI/IPC) passing an internal label
  await expect(keys.deriveKey('device-identity')).rejects.toThrow(TypeError);
  // @ts-expect-error arbitrary label
  await expect(keys.deriveKey('../kek')).rejects.toThrow(TypeError);
});

it('attack: low-order / all-zero peer public key (forces a known shared secret) → rejected', async () => {
  await expect(keys.identity.sharedSecret(new Uint8Array(32))).rejects.toThrow(/low-order/);
  const one = new Uint8Array(32);
  one[0] = 1;
  await expect(keys.identity.sharedSecret(one)).rejects.toThrow(/low-order/);
});

it('attack: mutate the returned public key to redirect later use → copy only', async () => {
  const pk = keys.identity.publicKey;
  pk.fill(0);
  expect(keys.identity.publicKey.some((b) => b !== 0)).toBe(true);
});

it('attack: argument injection through the TCTI option → rejected before any spawn', async () => {
  await expect(openDeviceKeys({ dataDir: join(root, 'd2'), tcti: '--help' })).rejects.toThrow(TypeError);
  await expect(
    openDeviceKeys({ dataDir: join(root, 'd2'), tcti: 'device:/dev/tpmrm0 -o x' }),
  ).rejects.toThrow(TypeError);
});

it('attack: use the keys after close() → KEY_STORE_LOCKED', async () => {
  const kt = memoryKeytar();
  const k = await openDeviceKeys({
    dataDir: join(root, 'd3'),
    machineId: 'm',
    backend: 'keychain',
    loadKeytar: async () => kt,
  });
  await k.close();
  await expect(k.deriveKey('vault')).rejects.toMatchObject({ code: 'KEY_STORE_LOCKED' });
});
