/**
 * The two Ed25519 verifiers (node:crypto/OpenSSL on the hot path, @noble/curves strict as reference) must
 * agree: valid signatures, every single-bit flip of signature / message / key, non-canonical S (S + L),
 * small-order and non-canonical public keys, and the RFC 8032 §7.1 TEST 1 vector.
 */
import { describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { ed25519VerifyStrict } from '../../../src/main/model/bundle/signature.ts';

const h = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

function both(sig: Uint8Array, msg: Uint8Array, pub: Uint8Array): boolean {
  const a = ed25519VerifyStrict(sig, msg, pub, 'node');
  const b = ed25519VerifyStrict(sig, msg, pub, 'noble');
  expect(a).toBe(b);
  return a;
}

describe('Ed25519 verifiers agree', () => {
  it('RFC 8032 §7.1 TEST 1', () => {
    const pub = h('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    const sig = h(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
    expect(both(sig, new Uint8Array(0), pub)).toBe(true);
  });

  it('every single-bit flip of signature, message and key', () => {
    const kp = ed25519.keygen();
    const msg = new Uint8Array(48).fill(5);
    const sig = ed25519.sign(msg, kp.secretKey);
    expect(both(sig, msg, kp.publicKey)).toBe(true);
    for (const [which, len] of [
      ['sig', 64],
      ['msg', 48],
      ['pub', 32],
    ] as const) {
      for (let bit = 0; bit < len * 8; bit++) {
        const s = sig.slice();
        const m = msg.slice();
        const p = kp.publicKey.slice();
        const t = which === 'sig' ? s : which === 'msg' ? m : p;
        t[bit >> 3]! ^= 1 << (bit & 7);
        expect(both(s, m, p)).toBe(false);
      }
    }
  });

  it('non-canonical S (S + L) and small-order / all-zero keys are rejected', () => {
    const kp = ed25519.keygen();
    const msg = new Uint8Array([1, 2, 3]);
    for (let i = 0; i < 20; i++) {
      const sig = ed25519.sign(new Uint8Array([i]), kp.secretKey);
      let s = 0n;
      for (let j = 63; j >= 32; j--) s = (s << 8n) | BigInt(sig[j]!);
      s += L;
      if (s >= 2n ** 256n) continue;
      for (let j = 0; j < 32; j++) sig[32 + j] = Number((s >> BigInt(8 * j)) & 0xffn);
      expect(both(sig, new Uint8Array([i]), kp.publicKey)).toBe(false);
    }
    const identity = h('0100000000000000000000000000000000000000000000000000000000000000');
    expect(both(new Uint8Array(64), msg, identity)).toBe(false);
    expect(both(new Uint8Array(64), msg, new Uint8Array(32))).toBe(false);
  });
});
