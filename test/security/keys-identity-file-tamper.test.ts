/** Attacks on the wrapped device identity file in the data dir. */
import { x25519 } from '@noble/curves/ed25519.js';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { IDENTITY_FILE } from '../../src/main/keys/device-identity.ts';
import { openDeviceKeys, type OpenDeviceKeysOptions } from '../../src/main/keys/open-device-keys.ts';
import { memoryKeytar, type MemoryKeytar } from '../support/memory-keytar.ts';

let root: string;
let kt: MemoryKeytar;
let opts: OpenDeviceKeysOptions;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'fv-sec-ident-'));
  kt = memoryKeytar();
  opts = { dataDir: join(root, 'data'), machineId: 'm', backend: 'keychain', loadKeytar: async () => kt };
  await (await openDeviceKeys(opts)).close();
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});
const path = (): string => join(root, 'data', IDENTITY_FILE);

it('attack: substitute an attacker public key (to receive licences meant for this device) → rejected', async () => {
  const f = await readFile(path());
  f.set(x25519.getPublicKey(x25519.utils.randomSecretKey()), 5);
  await writeFile(path(), f);
  await expect(openDeviceKeys(opts)).rejects.toMatchObject({ code: 'KEY_STORE_IO' });
});

it('attack: downgrade / unknown format version byte → rejected', async () => {
  const f = await readFile(path());
  f[4] = 0;
  await writeFile(path(), f);
  await expect(openDeviceKeys(opts)).rejects.toMatchObject({ code: 'KEY_STORE_IO' });
  f[4] = 2;
  await writeFile(path(), f);
  await expect(openDeviceKeys(opts)).rejects.toMatchObject({
    code: 'KEY_STORE_IO',
    message: /newer FaceVault/,
  });
});

it('attack: plant an identity file made under another device secret → KEY_BINDING_MISMATCH', async () => {
  const other = memoryKeytar();
  const otherOpts = { ...opts, dataDir: join(root, 'other'), loadKeytar: async () => other };
  await (await openDeviceKeys(otherOpts)).close();
  await writeFile(path(), await readFile(join(root, 'other', IDENTITY_FILE)));
  await expect(openDeviceKeys(opts)).rejects.toMatchObject({ code: 'KEY_BINDING_MISMATCH' });
});

it('attack: truncate or extend the identity file → rejected', async () => {
  const f = await readFile(path());
  await writeFile(path(), f.subarray(0, f.length - 1));
  await expect(openDeviceKeys(opts)).rejects.toMatchObject({ code: 'KEY_STORE_IO' });
  await writeFile(path(), Buffer.concat([f, Buffer.alloc(1)]));
  await expect(openDeviceKeys(opts)).rejects.toMatchObject({ code: 'KEY_STORE_IO' });
});
