/**
 * Shared by the model bundles (src/main/model/bundle/, docs/bundle-format.md) and the locked-file
 * containers (src/main/filelock/, docs/filelock-format.md): each passes its own associated data and its
 * own typed error for a failed tag (`onAuthFailure`), so the construction is written and tested once.
 *
 * Chunked XChaCha20-Poly1305 in the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár,
 * "Online Authenticated-Encryption and its Nonce-Reuse Misuse-Resistance", CRYPTO 2015, §7 nonce-based
 * OAE2 "STREAM"), with XChaCha20-Poly1305 as specified in draft-irtf-cfrg-xchacha-03 §2.
 *
 * Chunk i of n (0-based) is sealed with
 *   nonce_i = nonceBase XOR (0^16 ‖ BE32(i) ‖ 0x00 0x00 0x00 ‖ f),   f = 1 iff i = n-1 (final chunk)
 *   AD      = SHA-256(header bytes)
 * so a chunk only opens at its own position, with its own final flag, inside the bundle whose header
 * (including the random nonce base) it was sealed for: truncation (no final chunk), extension after the
 * final chunk, reordering, and swapping chunks between bundles (even under the same key) all fail the tag.
 * Only bytes 16..23 of the nonce vary per chunk, so the HChaCha20 subkey (which depends on bytes 0..15)
 * is the same for every chunk of a bundle: the `node` backend computes it once and runs OpenSSL's
 * ChaCha20-Poly1305 (RFC 8439) with nonce 0^4 ‖ nonce_i[16..24) — exactly the XChaCha20-Poly1305
 * construction of the draft (§2.3), byte-identical to the @noble/ciphers backend (unit-tested).
 *
 * Guarantees: `openChunk` writes plaintext only after the tag verified (noble: verify-then-decrypt;
 * node: output goes to a scratch buffer that is wiped on failure). Subkeys are wiped after use.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { hchacha, xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { copyBytes } from '../model/bytes.ts';

export type AeadBackend = 'noble' | 'node';

/** Poly1305 tag length (RFC 8439 §2.5). */
export const TAG_BYTES = 16;
/** XChaCha20 nonce length; STREAM keeps it as the per-stream nonce base (draft-irtf-cfrg-xchacha-03 §2.3). */
export const NONCE_BASE_BYTES = 24;

/** Builds the error thrown when chunk `index` fails authentication (each format has its own type and code). */
export type AuthFailure = (index: number, cause: unknown) => Error;

/** The per-chunk nonce (24 bytes) for chunk `index`, final flag `final`. */
export function chunkNonce(nonceBase: Uint8Array, index: number, final: boolean): Uint8Array {
  if (nonceBase.length !== NONCE_BASE_BYTES) throw new RangeError('nonce base must be 24 bytes');
  if (!Number.isInteger(index) || index < 0 || index > 0xffffffff)
    throw new RangeError('chunk index out of range');
  const n = copyBytes(nonceBase);
  n[16] = (n[16] ?? 0) ^ ((index >>> 24) & 0xff);
  n[17] = (n[17] ?? 0) ^ ((index >>> 16) & 0xff);
  n[18] = (n[18] ?? 0) ^ ((index >>> 8) & 0xff);
  n[19] = (n[19] ?? 0) ^ (index & 0xff);
  n[23] = (n[23] ?? 0) ^ (final ? 1 : 0);
  return n;
}

const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]); // "expand 32-byte k"

function toWords(b: Uint8Array): Uint32Array {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const w = new Uint32Array(b.length / 4);
  for (let i = 0; i < w.length; i++) w[i] = dv.getUint32(i * 4, true);
  return w;
}

/** HChaCha20(key, nonce16) → 32-byte subkey (draft-irtf-cfrg-xchacha-03 §2.2), endian-independent. */
export function hchacha20(key: Uint8Array, nonce16: Uint8Array): Uint8Array {
  if (key.length !== 32 || nonce16.length !== 16) throw new RangeError('hchacha20: key 32 B, nonce 16 B');
  const k = toWords(key);
  const i = toWords(nonce16);
  const out = new Uint32Array(8);
  try {
    hchacha(SIGMA, k, i, out);
    const sub = new Uint8Array(32);
    const dv = new DataView(sub.buffer);
    for (let j = 0; j < 8; j++) dv.setUint32(j * 4, out[j] ?? 0, true);
    return sub;
  } finally {
    k.fill(0);
    out.fill(0);
  }
}

/**
 * A keyed STREAM context for one stream (a bundle body, a locked-file container). Holds the (sub)key until `dispose()`; callers use it in a
 * try/finally. `seal`/`open` take the chunk's plaintext / ciphertext‖tag.
 */
export class StreamAead {
  readonly #backend: AeadBackend;
  readonly #key: Uint8Array;
  readonly #nonceBase: Uint8Array;
  readonly #ad: Uint8Array;
  readonly #authFailure: AuthFailure;

  constructor(
    key: Uint8Array,
    nonceBase: Uint8Array,
    associatedData: Uint8Array,
    backend: AeadBackend,
    onAuthFailure: AuthFailure,
  ) {
    if (key.length !== 32) throw new RangeError('stream key must be 32 bytes');
    if (nonceBase.length !== NONCE_BASE_BYTES) throw new RangeError('nonce base must be 24 bytes');
    this.#backend = backend;
    this.#nonceBase = copyBytes(nonceBase);
    this.#ad = copyBytes(associatedData);
    this.#authFailure = onAuthFailure;
    // node backend: the HChaCha20 subkey is shared by every chunk (only nonce bytes 16..23 vary).
    this.#key = backend === 'node' ? hchacha20(key, nonceBase.subarray(0, 16)) : copyBytes(key);
  }

  dispose(): void {
    this.#key.fill(0);
  }

  /** Encrypts chunk `index`; returns ciphertext ‖ 16-byte tag (written into `out` when given). */
  seal(index: number, final: boolean, plaintext: Uint8Array, out?: Uint8Array): Uint8Array {
    const nonce = chunkNonce(this.#nonceBase, index, final);
    const dst = out ?? new Uint8Array(plaintext.length + TAG_BYTES);
    if (dst.length !== plaintext.length + TAG_BYTES) throw new RangeError('seal output length');
    if (this.#backend === 'noble') {
      xchacha20poly1305(this.#key, nonce, this.#ad).encrypt(plaintext, dst);
      return dst;
    }
    const c = createCipheriv('chacha20-poly1305', this.#key, innerNonce(nonce), { authTagLength: TAG_BYTES });
    c.setAAD(this.#ad, { plaintextLength: plaintext.length });
    const a = c.update(plaintext);
    const b = c.final();
    dst.set(a, 0);
    dst.set(b, a.length);
    dst.set(c.getAuthTag(), plaintext.length);
    return dst;
  }

  /**
   * Encrypts chunk `index` and returns the ciphertext and the 16-byte tag as the backend produced them
   * (no copy into a caller's buffer: the file-lock pipeline writes them with one writev, and its cipher
   * threads hand the ciphertext's own ArrayBuffer back by transfer). Same bytes as `seal`.
   */
  sealDetached(
    index: number,
    final: boolean,
    plaintext: Uint8Array,
  ): { readonly ciphertext: Uint8Array; readonly tag: Uint8Array } {
    const nonce = chunkNonce(this.#nonceBase, index, final);
    if (this.#backend === 'noble') {
      const both = xchacha20poly1305(this.#key, nonce, this.#ad).encrypt(plaintext);
      return { ciphertext: both.subarray(0, plaintext.length), tag: both.subarray(plaintext.length) };
    }
    const c = createCipheriv('chacha20-poly1305', this.#key, innerNonce(nonce), { authTagLength: TAG_BYTES });
    c.setAAD(this.#ad, { plaintextLength: plaintext.length });
    const a = c.update(plaintext);
    const b = c.final(); // a stream cipher: always empty; kept for the API's contract
    const ciphertext = b.length === 0 ? a : Buffer.concat([a, b]);
    return { ciphertext, tag: c.getAuthTag() };
  }

  /**
   * Verifies and decrypts chunk `index` (ciphertext ‖ tag) into a fresh buffer that the caller owns (and
   * wipes). Throws the `onAuthFailure` error when the tag does not verify; nothing is returned then and the
   * backend's output is wiped.
   */
  openDetached(index: number, final: boolean, sealed: Uint8Array): Uint8Array {
    if (sealed.length < TAG_BYTES) throw new RangeError('open input length');
    const nonce = chunkNonce(this.#nonceBase, index, final);
    if (this.#backend === 'noble') {
      try {
        return xchacha20poly1305(this.#key, nonce, this.#ad).decrypt(sealed);
      } catch (e) {
        throw this.#authFailure(index, e);
      }
    }
    return this.#nodeOpen(index, nonce, sealed);
  }

  /**
   * The node backend's decryption of one chunk into a fresh buffer. OpenSSL decrypts before the tag check in
   * final(), so the buffer is wiped and the `onAuthFailure` error thrown when the tag does not verify.
   */
  #nodeOpen(index: number, nonce: Uint8Array, sealed: Uint8Array): Uint8Array {
    const ctLen = sealed.length - TAG_BYTES;
    const d = createDecipheriv('chacha20-poly1305', this.#key, innerNonce(nonce), {
      authTagLength: TAG_BYTES,
    });
    d.setAAD(this.#ad, { plaintextLength: ctLen });
    d.setAuthTag(sealed.subarray(ctLen));
    const scratch = d.update(sealed.subarray(0, ctLen));
    try {
      d.final();
    } catch (e) {
      scratch.fill(0);
      throw this.#authFailure(index, e);
    }
    return scratch;
  }

  /**
   * Verifies and decrypts chunk `index` (ciphertext ‖ tag) into `out` (exactly ciphertext length - 16).
   * Throws the `onAuthFailure` error when the tag does not verify; `out` is then all zeros.
   */
  open(index: number, final: boolean, sealed: Uint8Array, out: Uint8Array): void {
    if (sealed.length < TAG_BYTES || out.length !== sealed.length - TAG_BYTES)
      throw new RangeError('open output length');
    const nonce = chunkNonce(this.#nonceBase, index, final);
    if (this.#backend === 'noble') {
      try {
        xchacha20poly1305(this.#key, nonce, this.#ad).decrypt(sealed, out);
      } catch (e) {
        out.fill(0);
        throw this.#authFailure(index, e);
      }
      return;
    }
    let scratch: Uint8Array;
    try {
      scratch = this.#nodeOpen(index, nonce, sealed);
    } catch (e) {
      out.fill(0);
      throw e;
    }
    out.set(scratch);
    scratch.fill(0);
  }
}

/** 12-byte RFC 8439 nonce of the XChaCha construction: 0x00000000 ‖ nonce[16..24). */
function innerNonce(nonce24: Uint8Array): Uint8Array {
  const n = new Uint8Array(12);
  n.set(nonce24.subarray(16, 24), 4);
  return n;
}
