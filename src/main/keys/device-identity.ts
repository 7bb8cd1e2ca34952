/**
 * The device identity: an X25519 key pair (RFC 7748) created on first run. Licences wrap model keys to its
 * public half. The private half is stored only wrapped with XChaCha20-Poly1305 (RFC 8439 ChaCha20-Poly1305
 * with the extended-nonce construction of draft-irtf-cfrg-xchacha) under the 'device-identity' subkey of the
 * device KEK (machine-binding.ts).
 *
 * File `device-identity.v1` in the data dir (125 bytes, mode 0600, created atomically, never replaced):
 *   0  "FVDI"  4 | version = 1  1 | publicKey 32 | kcv 16 | nonce 24 | ciphertext 32 + tag 16
 *   AAD = bytes 0..37 (magic, version, public key): the format version and the public key are bound in.
 *   kcv = HMAC-SHA256(wrapKey, "facevault/device-identity/kcv/v1" || magic || version)[0..16]: a key check
 *         value that tells "wrong key" (binding) from "damaged file" and makes the wrapping key-committing.
 * Guarantees: a file opened with another machine id or another device secret → KeyBindingError
 * (KEY_BINDING_MISMATCH) — never garbage key material; a damaged/truncated/altered file → KeyStoreIoError;
 * the unwrapped private key must reproduce the stored public key; the private key exists unwrapped only
 * inside `sharedSecret()` and is wiped in a finally block, as is the wrapping key.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { equalBytes, randomBytes } from '@noble/ciphers/utils.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { join } from 'node:path';
import { assertDataDir, createKeyFileExclusive, ensureKeyDir, readKeyFile } from './key-file-io.ts';
import { KEY_MESSAGES, KeyBindingError, KeyStoreIoError } from './key-errors.ts';

export interface DeviceIdentity {
  readonly publicKey: Uint8Array; // 32 bytes
  /** X25519(devicePrivate, peerPublic); the private key is unwrapped only for this call and wiped after. */
  sharedSecret(peerPublicKey: Uint8Array): Promise<Uint8Array>;
}

export const IDENTITY_FILE = 'device-identity.v1';
export const IDENTITY_FILE_BYTES = 125;

const te = new TextEncoder();
const MAGIC = te.encode('FVDI');
const VERSION = 1;
const KCV_INFO = te.encode('facevault/device-identity/kcv/v1');
const HEADER_BYTES = 5; // magic + version
const OFF_PUB = HEADER_BYTES;
const OFF_KCV = OFF_PUB + 32; // 37 = end of AAD
const OFF_NONCE = OFF_KCV + 16;
const OFF_CT = OFF_NONCE + 24;

/** Supplies the 'device-identity' subkey; the identity wipes it after each use. */
export type WrapKeySource = () => Promise<Uint8Array>;

function assertKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== 32) throw new TypeError('wrapping key must be 32 bytes');
}

function kcv(wrapKey: Uint8Array, header: Uint8Array): Uint8Array {
  const msg = new Uint8Array(KCV_INFO.length + header.length);
  msg.set(KCV_INFO);
  msg.set(header, KCV_INFO.length);
  const mac = hmac(sha256, wrapKey, msg);
  try {
    return mac.slice(0, 16);
  } finally {
    mac.fill(0);
  }
}

/** Builds the file bytes for a fresh key pair (exported for tests). The private key is wiped. */
export function wrapIdentity(privateKey: Uint8Array, wrapKey: Uint8Array): Uint8Array {
  assertKey(wrapKey);
  if (!(privateKey instanceof Uint8Array) || privateKey.length !== 32)
    throw new TypeError('private key must be 32 bytes');
  const publicKey = x25519.getPublicKey(privateKey);
  const out = new Uint8Array(IDENTITY_FILE_BYTES);
  out.set(MAGIC, 0);
  out[4] = VERSION;
  out.set(publicKey, OFF_PUB);
  const aad = out.subarray(0, OFF_KCV);
  out.set(kcv(wrapKey, out.subarray(0, HEADER_BYTES)), OFF_KCV);
  const nonce = randomBytes(24);
  out.set(nonce, OFF_NONCE);
  const ct = xchacha20poly1305(wrapKey, nonce, aad).encrypt(privateKey);
  out.set(ct, OFF_CT);
  return out;
}

interface ParsedIdentity {
  readonly file: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** Structural validation of the file (no key needed). */
export function parseIdentityFile(file: Uint8Array): ParsedIdentity {
  if (!(file instanceof Uint8Array) || file.length < 5)
    throw new KeyStoreIoError(KEY_MESSAGES.identityDamaged);
  for (let i = 0; i < MAGIC.length; i++) {
    if (file[i] !== MAGIC[i]) throw new KeyStoreIoError(KEY_MESSAGES.identityDamaged);
  }
  if (file[4] !== VERSION) {
    throw new KeyStoreIoError(
      (file[4] ?? 0) > VERSION ? KEY_MESSAGES.identityUnsupported : KEY_MESSAGES.identityDamaged,
    );
  }
  if (file.length !== IDENTITY_FILE_BYTES) throw new KeyStoreIoError(KEY_MESSAGES.identityDamaged);
  return { file: file.slice(), publicKey: file.slice(OFF_PUB, OFF_KCV) };
}

/**
 * Unwraps the private key. Wrong machine / device secret → KeyBindingError; damaged → KeyStoreIoError.
 * The caller wipes the result.
 */
export function unwrapIdentity(parsed: ParsedIdentity, wrapKey: Uint8Array): Uint8Array {
  assertKey(wrapKey);
  const { file } = parsed;
  const aad = file.subarray(0, OFF_KCV);
  const expected = kcv(wrapKey, file.subarray(0, HEADER_BYTES));
  if (!equalBytes(expected, file.subarray(OFF_KCV, OFF_NONCE))) {
    throw new KeyBindingError(KEY_MESSAGES.identityBinding);
  }
  let priv: Uint8Array;
  try {
    priv = xchacha20poly1305(wrapKey, file.subarray(OFF_NONCE, OFF_CT), aad).decrypt(file.subarray(OFF_CT));
  } catch (cause) {
    throw new KeyStoreIoError(KEY_MESSAGES.identityDamaged, { cause });
  }
  if (priv.length !== 32) {
    priv.fill(0);
    throw new KeyStoreIoError(KEY_MESSAGES.identityDamaged);
  }
  return priv;
}

function makeIdentity(parsed: ParsedIdentity, getWrapKey: WrapKeySource): DeviceIdentity {
  return {
    get publicKey(): Uint8Array {
      return parsed.publicKey.slice();
    },
    async sharedSecret(peerPublicKey: Uint8Array): Promise<Uint8Array> {
      if (!(peerPublicKey instanceof Uint8Array) || peerPublicKey.length !== 32) {
        throw new TypeError('peer public key must be 32 bytes');
      }
      const peer = peerPublicKey.slice();
      let wrapKey: Uint8Array | undefined;
      let priv: Uint8Array | undefined;
      try {
        wrapKey = await getWrapKey();
        priv = unwrapIdentity(parsed, wrapKey);
        try {
          return x25519.getSharedSecret(priv, peer); // rejects low-order points (all-zero output)
        } catch (cause) {
          throw new TypeError('peer public key is invalid (low-order point)', { cause });
        }
      } finally {
        wrapKey?.fill(0);
        priv?.fill(0);
        peer.fill(0);
      }
    },
  };
}

/**
 * Opens the device identity in `dataDir`, creating it on first run. `getWrapKey` returns a fresh copy of
 * the 'device-identity' subkey each time (it is wiped after every use).
 */
export async function openDeviceIdentity(opts: {
  readonly dataDir: string;
  readonly getWrapKey: WrapKeySource;
  /** When false, a missing file is KEY_NOT_FOUND-worthy for the caller: returns null instead of creating. */
  readonly create?: boolean;
}): Promise<DeviceIdentity | null> {
  assertDataDir(opts.dataDir);
  if (typeof opts.getWrapKey !== 'function') throw new TypeError('getWrapKey must be a function');
  const path = join(opts.dataDir, IDENTITY_FILE);
  let file = await readKeyFile(path, 4096, KEY_MESSAGES.identityDamaged);
  if (file === null) {
    if (opts.create === false) return null;
    await ensureKeyDir(opts.dataDir);
    const priv = x25519.utils.randomSecretKey();
    let wrapKey: Uint8Array | undefined;
    try {
      wrapKey = await opts.getWrapKey();
      const fresh = wrapIdentity(priv, wrapKey);
      // Another process may have won the race: then open what it wrote.
      file = (await createKeyFileExclusive(path, fresh))
        ? fresh
        : await readKeyFile(path, 4096, KEY_MESSAGES.identityDamaged);
    } finally {
      priv.fill(0);
      wrapKey?.fill(0);
    }
    if (file === null) throw new KeyStoreIoError(KEY_MESSAGES.fileIo);
  }
  const parsed = parseIdentityFile(file);
  // Verify now (binding + integrity + key pair consistency) so a bad file fails at open, not later.
  let wrapKey: Uint8Array | undefined;
  let priv: Uint8Array | undefined;
  let derivedPub: Uint8Array | undefined;
  try {
    wrapKey = await opts.getWrapKey();
    priv = unwrapIdentity(parsed, wrapKey);
    derivedPub = x25519.getPublicKey(priv);
    if (!equalBytes(derivedPub, parsed.publicKey)) throw new KeyStoreIoError(KEY_MESSAGES.identityDamaged);
  } finally {
    wrapKey?.fill(0);
    priv?.fill(0);
  }
  return makeIdentity(parsed, opts.getWrapKey);
}
