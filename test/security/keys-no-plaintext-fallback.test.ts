/** Attack: break the secure backends so the app falls back to storing keys in plain files. */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openDeviceKeys } from '../../src/main/keys/open-device-keys.ts';
import { KEY_MESSAGES } from '../../src/main/keys/key-errors.ts';
import { memoryKeytar } from '../support/memory-keytar.ts';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'fv-sec-fallback-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

it('attack: no TPM and no Secret Service → KEY_BACKEND_UNAVAILABLE and nothing written to disk', async () => {
  const kt = memoryKeytar();
  kt.failWith = 'Cannot autolaunch D-Bus without X11 $DISPLAY';
  await expect(
    openDeviceKeys({
      dataDir: join(root, 'data'),
      machineId: 'm',
      tcti: 'device:/nonexistent/tpmrm0',
      loadKeytar: async () => kt,
    }),
  ).rejects.toMatchObject({ code: 'KEY_BACKEND_UNAVAILABLE', message: KEY_MESSAGES.noBackend });
  expect(await readdir(root)).toEqual([]);
});

it('attack: keytar native module missing → KEY_BACKEND_UNAVAILABLE, not a file fallback', async () => {
  await expect(
    openDeviceKeys({
      dataDir: join(root, 'data'),
      machineId: 'm',
      backend: 'keychain',
      loadKeytar: async () => {
        throw new Error('Cannot find module keytar.node');
      },
    }),
  ).rejects.toMatchObject({ code: 'KEY_BACKEND_UNAVAILABLE', message: KEY_MESSAGES.keychainModuleMissing });
  expect(await readdir(root)).toEqual([]);
});

it('attack: a malformed keychain value (e.g. a planted short key) is never used', async () => {
  const kt = memoryKeytar();
  await kt.setPassword(
    'FaceVault',
    'device-secret-v1',
    'fv1:' + Buffer.alloc(32).toString('base64').slice(0, 20),
  );
  await expect(
    openDeviceKeys({
      dataDir: join(root, 'data'),
      machineId: 'm',
      backend: 'keychain',
      loadKeytar: async () => kt,
    }),
  ).rejects.toMatchObject({ code: 'KEY_STORE_IO' });
});
