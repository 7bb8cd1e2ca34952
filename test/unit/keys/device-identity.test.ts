import { x25519 } from '@noble/curves/ed25519.js';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  IDENTITY_FILE,
  IDENTITY_FILE_BYTES,
  openDeviceIdentity,
  type DeviceIdentity,
} from '../../../src/main/keys/device-identity.ts';
import { KeyBindingError, KeyStoreIoError } from '../../../src/main/keys/key-errors.ts';

let root: string;
let dataDir: string;
const keyA = new Uint8Array(32).fill(1);
const keyB = new Uint8Array(32).fill(2);
const source = (k: Uint8Array) => async (): Promise<Uint8Array> => k.slice();

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'fv-ident-'));
  dataDir = join(root, 'data');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function open(k: Uint8Array): Promise<DeviceIdentity> {
  const id = await openDeviceIdentity({ dataDir, getWrapKey: source(k) });
  if (id === null) throw new Error('expected an identity');
  return id;
}

describe('device identity', () => {
  it('creates a key pair on first run and reopens the same one', async () => {
    const a = await open(keyA);
    const b = await open(keyA);
    expect(a.publicKey).toHaveLength(32);
    expect(b.publicKey).toEqual(a.publicKey);
  });

  it('computes the X25519 shared secret a peer computes', async () => {
    const id = await open(keyA);
    const peer = x25519.keygen();
    const ours = await id.sharedSecret(peer.publicKey);
    expect(ours).toEqual(x25519.getSharedSecret(peer.secretKey, id.publicKey));
  });

  it('stores only the wrapped private key, in a 0600 file inside a 0700 dir', async () => {
    await open(keyA);
    const st = await stat(join(dataDir, IDENTITY_FILE));
    expect(st.mode & 0o777).toBe(0o600);
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    const file = await readFile(join(dataDir, IDENTITY_FILE));
    expect(file).toHaveLength(IDENTITY_FILE_BYTES);
    expect(file.subarray(0, 4).toString()).toBe('FVDI');
  });

  it('another wrapping key (other machine id / device secret) → KEY_BINDING_MISMATCH', async () => {
    await open(keyA);
    const err = await openDeviceIdentity({ dataDir, getWrapKey: source(keyB) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyBindingError);
    expect(err).toMatchObject({ code: 'KEY_BINDING_MISMATCH' });
  });

  it.each([
    ['magic', 0],
    ['version', 4],
    ['public key', 10],
    ['nonce', 60],
    ['ciphertext', 90],
    ['tag', IDENTITY_FILE_BYTES - 1],
  ])('a corrupted %s byte → KEY_STORE_IO', async (_name, offset) => {
    await open(keyA);
    const p = join(dataDir, IDENTITY_FILE);
    const f = await readFile(p);
    f[offset] = (f[offset] ?? 0) ^ 0x01;
    await writeFile(p, f);
    const err = await openDeviceIdentity({ dataDir, getWrapKey: source(keyA) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyStoreIoError);
    expect(err).toMatchObject({ code: 'KEY_STORE_IO' });
  });

  it('a truncated or empty file → KEY_STORE_IO', async () => {
    await open(keyA);
    const p = join(dataDir, IDENTITY_FILE);
    const f = await readFile(p);
    await writeFile(p, f.subarray(0, 100));
    await expect(openDeviceIdentity({ dataDir, getWrapKey: source(keyA) })).rejects.toBeInstanceOf(
      KeyStoreIoError,
    );
    await writeFile(p, new Uint8Array(0));
    await expect(openDeviceIdentity({ dataDir, getWrapKey: source(keyA) })).rejects.toBeInstanceOf(
      KeyStoreIoError,
    );
  });

  it('wipes the wrapping key it was handed', async () => {
    const handed: Uint8Array[] = [];
    const id = await openDeviceIdentity({
      dataDir,
      getWrapKey: async () => {
        const k = keyA.slice();
        handed.push(k);
        return k;
      },
    });
    await id?.sharedSecret(x25519.keygen().publicKey);
    expect(handed.length).toBeGreaterThanOrEqual(3);
    for (const k of handed) expect(k.every((b) => b === 0)).toBe(true);
  });

  it('validates the peer key', async () => {
    const id = await open(keyA);
    await expect(id.sharedSecret(new Uint8Array(31))).rejects.toThrow(TypeError);
    await expect(id.sharedSecret(new Uint8Array(32))).rejects.toThrow(/low-order/);
  });

  it('returns null instead of creating when asked not to', async () => {
    expect(await openDeviceIdentity({ dataDir, getWrapKey: source(keyA), create: false })).toBeNull();
  });
});
