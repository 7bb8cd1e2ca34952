/**
 * Proves we use the primitive as specified: draft-irtf-cfrg-xchacha-03 §2.2.1 (HChaCha20) and §A.3.1
 * (AEAD_XChaCha20_Poly1305), through @noble/ciphers directly and through both StreamAead backends
 * (chunk 0, non-final: the chunk nonce equals the nonce base, so the vector applies unchanged).
 */
import { describe, expect, it } from 'vitest';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { StreamAead, chunkNonce, hchacha20 } from '../../../src/main/model/bundle/stream-aead.ts';

const h = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

const KEY = h('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
const NONCE = h('404142434445464748494a4b4c4d4e4f5051525354555657');
const AAD = h('50515253c0c1c2c3c4c5c6c7');
const PT = new TextEncoder().encode(
  "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
);
const CT = h(`bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb
  731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452
  2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9
  21f9664c97637da9768812f615c68b13b52e`);
const TAG = h('c0875924c1c7987947deafd8780acf49');

describe('XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03)', () => {
  it('HChaCha20 test vector §2.2.1', () => {
    const key = h('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
    const nonce = h('000000090000004a0000000031415927');
    expect(Buffer.from(hchacha20(key, nonce)).toString('hex')).toBe(
      '82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc',
    );
  });

  it('AEAD vector §A.3.1 via @noble/ciphers', () => {
    const sealed = xchacha20poly1305(KEY, NONCE, AAD).encrypt(PT);
    expect(Buffer.from(sealed).equals(Buffer.concat([CT, TAG]))).toBe(true);
    expect(Buffer.from(xchacha20poly1305(KEY, NONCE, AAD).decrypt(sealed)).equals(Buffer.from(PT))).toBe(
      true,
    );
  });

  for (const backend of ['noble', 'node'] as const) {
    it(`AEAD vector §A.3.1 via StreamAead(${backend}) chunk 0`, () => {
      const a = new StreamAead(KEY, NONCE, AAD, backend);
      try {
        const sealed = a.seal(0, false, PT);
        expect(Buffer.from(sealed).equals(Buffer.concat([CT, TAG]))).toBe(true);
        const out = new Uint8Array(PT.length);
        a.open(0, false, sealed, out);
        expect(Buffer.from(out).equals(Buffer.from(PT))).toBe(true);
        const bad = sealed.slice();
        bad[bad.length - 1]! ^= 1;
        expect(() => a.open(0, false, bad, out)).toThrow(
          expect.objectContaining({ code: 'BUNDLE_INTEGRITY' }),
        );
        expect(out.every((b) => b === 0)).toBe(true);
      } finally {
        a.dispose();
      }
    });
  }

  it('backends agree on every chunk position and final flag', () => {
    const ad = new Uint8Array(32).fill(9);
    const a = new StreamAead(KEY, NONCE, ad, 'noble');
    const b = new StreamAead(KEY, NONCE, ad, 'node');
    for (const [i, f] of [
      [0, true],
      [1, false],
      [255, true],
      [256, false],
      [0xffffffff, true],
    ] as const) {
      expect(Buffer.from(a.seal(i, f, PT)).equals(Buffer.from(b.seal(i, f, PT)))).toBe(true);
    }
  });

  it('chunk nonces are distinct per (index, final) and only vary bytes 16..23', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) {
      for (const f of [false, true]) {
        const n = chunkNonce(NONCE, i, f);
        expect(Buffer.from(n.subarray(0, 16)).equals(Buffer.from(NONCE.subarray(0, 16)))).toBe(true);
        seen.add(Buffer.from(n).toString('hex'));
      }
    }
    expect(seen.size).toBe(600);
  });
});
