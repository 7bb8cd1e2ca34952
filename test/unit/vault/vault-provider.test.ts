/**
 * The vault provider: keys from the key service, the stable VaultService facade (locked before the vault
 * exists, listeners subscribed early still hear later locks), and removal of the pre-vault files.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKeyService } from '../../../src/main/keys/key-service.ts';
import type { DeviceKeys } from '../../../src/main/keys/open-device-keys.ts';
import {
  AUTH_STATE_FILE,
  createVaultProvider,
  type VaultProvider,
} from '../../../src/main/vault/vault-provider.ts';
import { OWNER_PASSPHRASE, TEST_SCRYPT } from '../../support/vault-fixtures.ts';

let dir: string;
let vaults: VaultProvider;
const keys = (): DeviceKeys => ({
  backend: 'keychain',
  identity: {} as DeviceKeys['identity'], // not used by the vault
  deriveKey: async () => new Uint8Array(randomBytes(32)),
  close: async () => {},
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fv-provider-'));
  const k = keys();
  vaults = createVaultProvider({ keys: createKeyService({ open: async () => k }), dir, scrypt: TEST_SCRYPT });
});
afterEach(async () => {
  vaults.close();
  await rm(dir, { recursive: true, force: true });
});

describe('vault provider', () => {
  it('the service is locked before the vault exists, and early listeners hear later locks', async () => {
    const reasons: string[] = [];
    vaults.service.onLock((r) => reasons.push(r));
    expect(vaults.service.isUnlocked()).toBe(false);
    await expect(vaults.service.withVaultKey(() => 1)).rejects.toMatchObject({ code: 'VAULT_LOCKED' });
    const v = await vaults.get();
    await v.setup(OWNER_PASSPHRASE);
    expect(vaults.service.isUnlocked()).toBe(true);
    expect(await vaults.service.withVaultKey((k) => k.length)).toBe(32);
    vaults.service.lock('suspend');
    expect(reasons).toEqual(['suspend']);
    expect((await vaults.service.status()).rollbackProtection).toBe('none');
  });

  it('a key store that cannot be opened is its own typed error', async () => {
    const locked = Object.assign(new Error('locked'), { code: 'KEY_STORE_LOCKED' });
    const p = createVaultProvider({ keys: createKeyService({ open: () => Promise.reject(locked) }), dir });
    await expect(p.get()).rejects.toBe(locked);
  });

  it('removes the pre-vault template and counter files, keeps its own state', async () => {
    await writeFile(join(dir, 'template-owner.fvt'), new Uint8Array(64).fill(7));
    await writeFile(join(dir, 'attempts-owner.json'), '{"state":"{}","mac":"00"}');
    await (await vaults.get()).setup(OWNER_PASSPHRASE);
    expect(await readdir(dir)).toEqual([AUTH_STATE_FILE]);
  });
});
