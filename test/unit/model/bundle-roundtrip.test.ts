/**
 * Bundle v1 round trips and STREAM edge cases: empty model, exactly one chunk, chunk boundary ± 1, many
 * chunks; both AEAD backends interoperate; header codec is exact; descriptor and field validation.
 */
import { describe, expect, it } from 'vitest';
import {
  decryptBundle,
  decryptBundleInPlace,
  openBundle,
  parseBundle,
  verifyBundle,
} from '../../../src/main/model/bundle/read-bundle.ts';
import {
  chunkCountFor,
  encodeBundleHeader,
  parseBundleHeader,
  TAG_BYTES,
} from '../../../src/main/model/bundle/header.ts';
import { validateDescriptor } from '../../../src/main/model/bundle/descriptor.ts';
import {
  makeBundle,
  makeVendor,
  resign,
  splitBundle,
  testDescriptor,
} from '../../support/bundle-fixtures.ts';

const vendor = makeVendor();
const CS = 64;

describe('bundle round trip', () => {
  const sizes = [0, 1, CS - 1, CS, CS + 1, 2 * CS - 1, 2 * CS, 2 * CS + 1, 10 * CS + 17];
  for (const size of sizes) {
    it(`plaintext ${size} B with chunk ${CS} B`, () => {
      const { bundle, modelKey, model } = makeBundle(vendor, size, { chunkSize: CS });
      const p = parseBundle(bundle);
      expect(p.header.chunkCount).toBe(chunkCountFor(size, CS));
      expect(p.header.chunkCount).toBe(size === 0 ? 1 : Math.ceil(size / CS));
      expect(p.body.length).toBe(size + TAG_BYTES * p.header.chunkCount);
      const { plaintext } = openBundle(bundle, modelKey, vendor.pinned);
      expect(Buffer.from(plaintext).equals(Buffer.from(model))).toBe(true);
    });
  }

  for (const [w, r] of [
    ['noble', 'node'],
    ['node', 'noble'],
  ] as const) {
    it(`written with ${w}, read with ${r}`, () => {
      const { bundle, modelKey, model } = makeBundle(vendor, 1000, { backend: w });
      const { plaintext } = openBundle(bundle, modelKey, vendor.pinned, { backend: r });
      expect(Buffer.from(plaintext).equals(Buffer.from(model))).toBe(true);
    });
  }

  it('Buffer inputs (readFile) work and are never modified (Buffer#slice is a view: regression)', () => {
    const { bundle, modelKey, model } = makeBundle(vendor, 10 * CS + 5);
    for (const backend of ['node', 'noble'] as const) {
      const buf = Buffer.from(bundle);
      const before = Buffer.from(buf);
      const { plaintext, header } = openBundle(buf, modelKey, vendor.pinned, { backend });
      expect(Buffer.from(plaintext).equals(Buffer.from(model))).toBe(true);
      expect(buf.equals(before)).toBe(true);
      buf.fill(0); // parsed header owns its bytes
      expect(header.modelId).toBe('test-model');
      expect(header.nonceBase.some((x) => x !== 0)).toBe(true);
    }
  });

  it('header encode/parse is exact and keeps descriptor extensions', () => {
    const { bundle } = makeBundle(vendor, 10, {
      descriptor: { ...testDescriptor, cropScale: 2.7, custom: { a: [1, 2] } },
    });
    const h = parseBundle(bundle).header;
    expect(h.descriptor).toMatchObject({ cropScale: 2.7, custom: { a: [1, 2] } });
    expect(Buffer.from(encodeBundleHeader(h)).equals(Buffer.from(h.bytes))).toBe(true);
    expect(parseBundleHeader(h.bytes).modelId).toBe('test-model');
  });

  it('fresh key id and nonce base per bundle, same plaintext → different ciphertext', () => {
    const a = makeBundle(vendor, 200);
    const b = makeBundle(vendor, 200, { model: a.model, modelKey: a.modelKey });
    const ha = parseBundle(a.bundle).header;
    const hb = parseBundle(b.bundle).header;
    expect(Buffer.from(ha.nonceBase).equals(Buffer.from(hb.nonceBase))).toBe(false);
    expect(Buffer.from(parseBundle(a.bundle).body).equals(Buffer.from(parseBundle(b.bundle).body))).toBe(
      false,
    );
  });

  it('wrong model key → BUNDLE_INTEGRITY, output wiped', () => {
    const { bundle } = makeBundle(vendor, 300);
    let seen: Uint8Array | null = null;
    const v = verifyBundle(bundle, vendor.pinned);
    expect(() =>
      decryptBundle(v, new Uint8Array(32).fill(1), {
        allocate: (n) => (seen = new Uint8Array(n)),
      }),
    ).toThrow(expect.objectContaining({ code: 'BUNDLE_INTEGRITY' }));
    expect(seen).not.toBeNull();
    expect(seen!.every((x) => x === 0)).toBe(true);
  });

  it('decryptBundle refuses an object that did not come from verifyBundle', () => {
    const { bundle, modelKey } = makeBundle(vendor, 50);
    const forged = { ...verifyBundle(bundle, vendor.pinned) };
    expect(() => decryptBundle(forged, modelKey)).toThrow(
      expect.objectContaining({ code: 'BUNDLE_INTEGRITY' }),
    );
  });

  it('maxPlaintextBytes is enforced before any decryption', () => {
    const { bundle } = makeBundle(vendor, 1000);
    expect(() => verifyBundle(bundle, vendor.pinned, { maxPlaintextBytes: 999 })).toThrow(
      expect.objectContaining({ code: 'BUNDLE_MALFORMED' }),
    );
  });

  it('writer rejects invalid fields with typed errors', () => {
    for (const bad of [
      { modelId: 'has space' },
      { modelVersion: '' },
      { family: 'UPPER' },
      { chunkSize: 8 },
    ]) {
      expect(() => makeBundle(vendor, 10, bad)).toThrow(
        expect.objectContaining({ code: 'BUNDLE_MALFORMED' }),
      );
    }
    expect(() => makeBundle(vendor, 10, { family: 'scrfd' })).toThrow(/descriptor family/);
  });
});

describe('descriptor schema', () => {
  it('accepts the face pipeline vocabulary and rejects broken values', () => {
    expect(validateDescriptor(testDescriptor).layout).toBe('nchw');
    const bad: unknown[] = [
      { ...testDescriptor, layout: 'chw' },
      { ...testDescriptor, std: [1, 0, 1] },
      { ...testDescriptor, mean: [0, 0] },
      { ...testDescriptor, input: { width: 0, height: 10 } },
      { ...testDescriptor, channelOrder: 'gray' },
      [],
      null,
      JSON.parse('{"a":' + '['.repeat(20) + ']'.repeat(20) + '}'),
    ];
    for (const d of bad)
      expect(() => validateDescriptor(d)).toThrow(expect.objectContaining({ code: 'BUNDLE_MALFORMED' }));
  });
});

describe('in-place decryption (decryptBundleInPlace)', () => {
  const sizes = [0, 1, 16, CS - 1, CS, CS + 1, 2 * CS + 1, 10 * CS + 17, 4096 + 3];
  for (const chunkSize of [16, CS, 1000]) {
    it(`gives the same plaintext as decryptBundle, chunk ${chunkSize} B, over ${sizes.length} sizes`, () => {
      for (const size of sizes) {
        const { bundle, modelKey, model } = makeBundle(vendor, size, { chunkSize });
        const copy = new Uint8Array(bundle);
        const v = verifyBundle(copy, vendor.pinned);
        const view = decryptBundleInPlace(v, modelKey);
        expect(view.buffer).toBe(copy.buffer); // no second buffer
        expect(view.byteOffset).toBe(v.header.headerLength);
        expect(Buffer.from(view).equals(Buffer.from(model))).toBe(true);
      }
    });
  }

  it('consumes the verified handle: a second decryption of the same (now overwritten) body is refused', () => {
    const { bundle, modelKey } = makeBundle(vendor, 3 * CS, { chunkSize: CS });
    const v = verifyBundle(new Uint8Array(bundle), vendor.pinned);
    decryptBundleInPlace(v, modelKey);
    expect(() => decryptBundleInPlace(v, modelKey)).toThrow(
      expect.objectContaining({ code: 'BUNDLE_INTEGRITY' }),
    );
    expect(() => decryptBundle(v, modelKey)).toThrow(expect.objectContaining({ code: 'BUNDLE_INTEGRITY' }));
  });

  it('a chunk that fails authentication (re-signed tamper) → BUNDLE_INTEGRITY and the whole body is zeroed', () => {
    const { bundle, modelKey } = makeBundle(vendor, 5 * CS, { chunkSize: CS });
    const { header, body } = splitBundle(bundle);
    const bad = new Uint8Array(body);
    bad[3 * (CS + TAG_BYTES) + 5]! ^= 1; // inside chunk 3: chunks 0–2 were already written in place
    const data = new Uint8Array(resign(header, bad, vendor));
    const v = verifyBundle(data, vendor.pinned);
    expect(() => decryptBundleInPlace(v, modelKey)).toThrow(
      expect.objectContaining({ code: 'BUNDLE_INTEGRITY' }),
    );
    expect(v.body.every((b) => b === 0)).toBe(true);
  });

  it('a wrong model key → BUNDLE_INTEGRITY, nothing of the plaintext left', () => {
    const { bundle } = makeBundle(vendor, 2 * CS, { chunkSize: CS });
    const v = verifyBundle(new Uint8Array(bundle), vendor.pinned);
    expect(() => decryptBundleInPlace(v, new Uint8Array(32).fill(9))).toThrow(
      expect.objectContaining({ code: 'BUNDLE_INTEGRITY' }),
    );
    expect(v.body.every((b) => b === 0)).toBe(true);
  });

  it('is refused for the @noble backend (no promise about overlapping input and output there)', () => {
    const { bundle, modelKey } = makeBundle(vendor, 100);
    const v = verifyBundle(new Uint8Array(bundle), vendor.pinned);
    expect(() => decryptBundleInPlace(v, modelKey, { backend: 'noble' })).toThrow(RangeError);
  });
});
