import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKeychainStore } from '../../../src/main/keys/keychain-store.ts';
import { getOrCreateDeviceSecret } from '../../../src/main/keys/key-store.ts';
import { openDeviceKeys, resolveBackendChoice } from '../../../src/main/keys/open-device-keys.ts';
import { memoryKeytar } from '../../support/memory-keytar.ts';

const NO_TPM = 'device:/nonexistent/tpmrm0';
let root: string;
let dataDir: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'fv-open-'));
  dataDir = join(root, 'data');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('openDeviceKeys (keychain backend, in-memory keytar)', () => {
  it('first run creates everything; a reopen gives the same identity and subkeys', async () => {
    const kt = memoryKeytar();
    const opts = { dataDir, machineId: 'm-1', tcti: NO_TPM, loadKeytar: async () => kt };
    const a = await openDeviceKeys(opts);
    expect(a.backend).toBe('keychain');
    const vaultA = hex(await a.deriveKey('vault'));
    await a.close();
    const b = await openDeviceKeys(opts);
    expect(b.identity.publicKey).toEqual(a.identity.publicKey);
    expect(hex(await b.deriveKey('vault'))).toBe(vaultA);
    expect(hex(await b.deriveKey('template'))).not.toBe(vaultA);
    expect(hex(await b.deriveKey('licence-cache'))).not.toBe(vaultA);
    await b.close();
  });

  it('another machine id → KEY_BINDING_MISMATCH', async () => {
    const kt = memoryKeytar();
    await (
      await openDeviceKeys({ dataDir, machineId: 'm-1', backend: 'keychain', loadKeytar: async () => kt })
    ).close();
    await expect(
      openDeviceKeys({ dataDir, machineId: 'm-2', backend: 'keychain', loadKeytar: async () => kt }),
    ).rejects.toMatchObject({ code: 'KEY_BINDING_MISMATCH' });
  });

  it('a missing secret over existing data → KEY_NOT_FOUND, and no new secret is written', async () => {
    const kt = memoryKeytar();
    await (
      await openDeviceKeys({ dataDir, machineId: 'm-1', backend: 'keychain', loadKeytar: async () => kt })
    ).close();
    kt.entries.clear();
    await expect(
      openDeviceKeys({ dataDir, machineId: 'm-1', backend: 'keychain', loadKeytar: async () => kt }),
    ).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
    expect(kt.entries.size).toBe(0);
  });

  it('after close() keys are gone: KEY_STORE_LOCKED', async () => {
    const kt = memoryKeytar();
    const keys = await openDeviceKeys({
      dataDir,
      machineId: 'm-1',
      backend: 'keychain',
      loadKeytar: async () => kt,
    });
    await keys.close();
    await expect(keys.deriveKey('vault')).rejects.toMatchObject({ code: 'KEY_STORE_LOCKED' });
    await expect(keys.identity.sharedSecret(keys.identity.publicKey)).rejects.toMatchObject({
      code: 'KEY_STORE_LOCKED',
    });
  });

  it('maps keychain failures to typed errors with a user action', async () => {
    const kt = memoryKeytar();
    kt.failWith = 'Cannot create an item in a locked collection';
    const locked = await openDeviceKeys({
      dataDir,
      machineId: 'm',
      backend: 'keychain',
      loadKeytar: async () => kt,
    }).catch((e: unknown) => e);
    expect(locked).toMatchObject({ code: 'KEY_STORE_LOCKED' });
    expect(String((locked as Error).message)).toMatch(/unlock your login keyring/i); // cast: matched above
    kt.failWith = 'Cannot autolaunch D-Bus without X11 $DISPLAY';
    await expect(
      openDeviceKeys({ dataDir, machineId: 'm', backend: 'keychain', loadKeytar: async () => kt }),
    ).rejects.toMatchObject({ code: 'KEY_BACKEND_UNAVAILABLE' });
  });

  it('no backend at all → KEY_BACKEND_UNAVAILABLE with a UI message, nothing written', async () => {
    const kt = memoryKeytar();
    kt.failWith = 'Cannot autolaunch D-Bus without X11 $DISPLAY';
    const err = await openDeviceKeys({
      dataDir,
      machineId: 'm',
      tcti: NO_TPM,
      loadKeytar: async () => kt,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'KEY_BACKEND_UNAVAILABLE' });
    expect((err as Error).message).toMatch(/tss|keyring/); // cast: asserted to be an error above
    expect(await readdir(root)).toEqual([]);
  });

  it('validates options and the backend override', async () => {
    await expect(openDeviceKeys({ dataDir: 'relative/dir' })).rejects.toThrow(TypeError);
    // @ts-expect-error runtime validation
    await expect(openDeviceKeys({ dataDir, backend: 'plaintext' })).rejects.toThrow(TypeError);
    await expect(openDeviceKeys({ dataDir, tcti: '-o /etc/passwd' })).rejects.toThrow(TypeError);
    const prev = process.env.FACEVAULT_KEYSTORE;
    try {
      process.env.FACEVAULT_KEYSTORE = 'keychain';
      expect(resolveBackendChoice()).toBe('keychain');
      expect(resolveBackendChoice('tpm')).toBe('tpm');
      process.env.FACEVAULT_KEYSTORE = 'file';
      expect(() => resolveBackendChoice()).toThrow(TypeError);
    } finally {
      if (prev === undefined) delete process.env.FACEVAULT_KEYSTORE;
      else process.env.FACEVAULT_KEYSTORE = prev;
    }
  });

  it('deriveKey refuses the internal identity-wrapping label', async () => {
    const kt = memoryKeytar();
    const keys = await openDeviceKeys({
      dataDir,
      machineId: 'm',
      backend: 'keychain',
      loadKeytar: async () => kt,
    });
    // @ts-expect-error runtime validation of an untyped caller
    await expect(keys.deriveKey('device-identity')).rejects.toThrow(TypeError);
    await keys.close();
  });
});

describe('getOrCreateDeviceSecret', () => {
  it('creates once, then loads the same 32 bytes; create() never replaces', async () => {
    const kt = memoryKeytar();
    const store = createKeychainStore({ loadKeytar: async () => kt });
    const a = await getOrCreateDeviceSecret(store);
    const b = await getOrCreateDeviceSecret(store);
    expect(a).toHaveLength(32);
    expect(b).toEqual(a);
    await expect(store.create()).rejects.toMatchObject({ code: 'KEY_STORE_IO' });
  });
  it('a malformed stored value is rejected, never returned', async () => {
    const kt = memoryKeytar();
    const store = createKeychainStore({ loadKeytar: async () => kt });
    await kt.setPassword('FaceVault', 'device-secret-v1', 'fv1:' + Buffer.alloc(16).toString('base64'));
    await expect(getOrCreateDeviceSecret(store)).rejects.toMatchObject({ code: 'KEY_STORE_IO' });
  });
});
