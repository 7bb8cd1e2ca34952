/**
 * The recovery-passphrase wrap of the vault key. Spec: RFC 7914 (scrypt) via node:crypto, then
 * XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha, RFC 8439 AEAD; @noble/ciphers) of the 32-byte vault key.
 *
 *   kek  = scrypt(P = UTF-8(NFKC(passphrase)), S = salt (16 random bytes), N = 2^17, r = 8, p = 1, dkLen = 32)
 *   wrap = nonce (24) | XChaCha20-Poly1305(kek, nonce, aad = "facevault/vault-key/passphrase/v1" | stateId).encrypt(vaultKey)
 *
 * Why scrypt through node:crypto rather than Argon2id through @noble/hashes: both are memory-hard; node's
 * scrypt is OpenSSL's native code and its async form runs on libuv's thread pool, so the Electron main
 * event loop never stalls while a passphrase is checked; @noble's Argon2id is pure JS on the calling thread
 * (≈ 3.4x slower at comparable memory here — `npm run bench:kdf` prints both). N = 2^17, r = 8 uses 128 MiB,
 * OWASP's recommended scrypt floor; see docs/vault.md for the measured time.
 *
 * Guarantees: parameters are stored with the wrap (so they can be raised later) and bounded when read;
 * a wrong passphrase and a tampered wrap are indistinguishable (one PassphraseWrongError path, no oracle);
 * the derived KEK and the encoded passphrase bytes are wiped after use; the caller wipes the vault key.
 */
import { randomBytes, scrypt } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';

export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };
/** Bounds on parameters read back from a file (the file is MAC'd, but never trust a size blindly). */
const MAX_LOG2_N = 20;
const MAX_R = 16;
const MAX_P = 4;

export interface PassphraseWrap {
  readonly kdf: 'scrypt';
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly salt: Uint8Array;
  readonly wrapped: Uint8Array;
}

const NONCE = 24;
const te = new TextEncoder();

export function assertScryptParams(x: ScryptParams): void {
  const log2 = Math.log2(x.N);
  if (!Number.isInteger(log2) || log2 < 10 || log2 > MAX_LOG2_N)
    throw new RangeError('scrypt N must be a power of two in 2^10..2^20');
  if (!Number.isInteger(x.r) || x.r < 1 || x.r > MAX_R) throw new RangeError(`scrypt r must be 1..${MAX_R}`);
  if (!Number.isInteger(x.p) || x.p < 1 || x.p > MAX_P) throw new RangeError(`scrypt p must be 1..${MAX_P}`);
}

const aad = (stateId: Uint8Array): Uint8Array => {
  const label = te.encode('facevault/vault-key/passphrase/v1');
  const out = new Uint8Array(label.length + stateId.length);
  out.set(label);
  out.set(stateId, label.length);
  return out;
};

/** scrypt on the thread pool; the encoded passphrase is wiped afterwards. */
export async function derivePassphraseKek(
  passphrase: string,
  salt: Uint8Array,
  params: ScryptParams,
): Promise<Uint8Array> {
  assertScryptParams(params);
  const pw = Buffer.from(te.encode(passphrase.normalize('NFKC')));
  try {
    return await new Promise<Uint8Array>((resolve, reject) => {
      // 128·N·r bytes of scratch plus a margin; OpenSSL refuses anything above maxmem.
      scrypt(
        pw,
        salt,
        32,
        { N: params.N, r: params.r, p: params.p, maxmem: 129 * params.N * params.r + 1024 * 1024 },
        (e, key) => {
          if (e) reject(e);
          else resolve(new Uint8Array(key.buffer, key.byteOffset, key.byteLength));
        },
      );
    });
  } finally {
    pw.fill(0);
  }
}

export async function wrapWithPassphrase(
  vaultKey: Uint8Array,
  passphrase: string,
  stateId: Uint8Array,
  params: ScryptParams = DEFAULT_SCRYPT,
): Promise<PassphraseWrap> {
  if (vaultKey.length !== 32) throw new RangeError('vault key must be 32 bytes');
  const salt = new Uint8Array(randomBytes(16));
  const kek = await derivePassphraseKek(passphrase, salt, params);
  try {
    const nonce = new Uint8Array(randomBytes(NONCE));
    const ct = xchacha20poly1305(kek, nonce, aad(stateId)).encrypt(vaultKey);
    const wrapped = new Uint8Array(NONCE + ct.length);
    wrapped.set(nonce);
    wrapped.set(ct, NONCE);
    return { kdf: 'scrypt', N: params.N, r: params.r, p: params.p, salt, wrapped };
  } finally {
    kek.fill(0);
  }
}

/** The vault key (caller wipes), or null when the passphrase is wrong (or the wrap was altered). */
export async function unwrapWithPassphrase(
  wrap: PassphraseWrap,
  passphrase: string,
  stateId: Uint8Array,
): Promise<Uint8Array | null> {
  if (wrap.kdf !== 'scrypt' || wrap.wrapped.length !== NONCE + 32 + 16 || wrap.salt.length !== 16)
    return null;
  const kek = await derivePassphraseKek(passphrase, wrap.salt, wrap);
  try {
    return xchacha20poly1305(kek, wrap.wrapped.subarray(0, NONCE), aad(stateId)).decrypt(
      wrap.wrapped.subarray(NONCE),
    );
  } catch {
    return null;
  } finally {
    kek.fill(0);
  }
}
