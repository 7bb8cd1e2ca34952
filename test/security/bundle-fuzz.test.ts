/**
 * Property-based fuzzing of the bundle reader (and the licence parser): ≥ 10,000 mutated bundles — bit
 * flips, byte insertions/deletions, truncations, overwritten or fully random headers, half of them re-signed
 * with the vendor key so the decryption path is reached too. Properties: the reader either returns the
 * exact original plaintext or throws a FaceVaultError subclass (never anything else), each case finishes
 * (test timeout), and no allocation exceeds the input size (plaintext allocator hook).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FaceVaultError } from '../../src/main/errors/facevault-error.ts';
import { openBundle, parseBundle } from '../../src/main/model/bundle/read-bundle.ts';
import { encodeBundleHeader, HEADER_MAX_BYTES } from '../../src/main/model/bundle/header.ts';
import { parseLicense } from '../../src/main/model/license/license-format.ts';
import { issueLicense } from '../../src/cli/vendor/issue-license.ts';
import { concat, makeBundle, makeVendor, resign, splitBundle } from '../support/bundle-fixtures.ts';

const vendor = makeVendor();
const seeds = [0, 1, 63, 64, 65, 200].map((n) => makeBundle(vendor, n, { chunkSize: 64 }));

type Mutation =
  | { t: 'flip'; bits: number[] }
  | { t: 'insert'; at: number; bytes: Uint8Array }
  | { t: 'delete'; at: number; len: number }
  | { t: 'truncate'; at: number }
  | { t: 'overwrite'; at: number; bytes: Uint8Array }
  | { t: 'randomHeader'; bytes: Uint8Array; keepMagic: boolean };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ t: fc.constant('flip' as const), bits: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }) }),
  fc.record({
    t: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
  }),
  fc.record({ t: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ t: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    t: fc.constant('overwrite' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({
    t: fc.constant('randomHeader' as const),
    bytes: fc.uint8Array({ minLength: 0, maxLength: 400 }),
    keepMagic: fc.boolean(),
  }),
);

function apply(src: Uint8Array, m: Mutation): Uint8Array {
  const n = src.length;
  switch (m.t) {
    case 'flip': {
      const b = src.slice();
      for (const bit of m.bits) b[(bit >> 3) % n]! ^= 1 << (bit & 7);
      return b;
    }
    case 'insert': {
      const at = m.at % (n + 1);
      return concat(src.subarray(0, at), m.bytes, src.subarray(at));
    }
    case 'delete': {
      const at = m.at % n;
      return concat(src.subarray(0, at), src.subarray(Math.min(n, at + m.len)));
    }
    case 'truncate':
      return src.slice(0, m.at % n);
    case 'overwrite': {
      const b = src.slice();
      b.set(m.bytes.subarray(0, Math.max(0, n - (m.at % n))), m.at % n);
      return b;
    }
    case 'randomHeader': {
      const h = m.keepMagic ? concat(src.subarray(0, 12), m.bytes) : m.bytes;
      return concat(h, src.subarray(Math.min(n, 12 + m.bytes.length)));
    }
  }
}

let maxAlloc = 0;
let maxInput = 0;

/** Runs the reader; returns 'ok' or the error code. Anything but FaceVaultError fails the property. */
function run(data: Uint8Array, key: Uint8Array, expected: Uint8Array): string {
  maxInput = Math.max(maxInput, data.length);
  try {
    const { plaintext } = openBundle(data, key, vendor.pinned, {
      allocate: (bytes) => {
        if (bytes > data.length) throw new Error(`allocation of ${bytes} B for a ${data.length} B input`);
        maxAlloc = Math.max(maxAlloc, bytes);
        return new Uint8Array(bytes);
      },
    });
    // Acceptance is only legitimate if the result is exactly the original model.
    if (!Buffer.from(plaintext).equals(Buffer.from(expected)))
      throw new Error('accepted a bundle with different plaintext');
    return 'ok';
  } catch (e) {
    if (e instanceof FaceVaultError) return e.code;
    throw e;
  }
}

describe('bundle reader fuzzing', () => {
  it('≥ 10,000 mutated bundles: only typed errors, bounded allocation', () => {
    const codes: Record<string, number> = {};
    let cases = 0;
    fc.assert(
      fc.property(fc.nat(seeds.length - 1), mutation, fc.boolean(), (si, m, resignIt) => {
        const seed = seeds[si]!;
        let data = apply(seed.bundle, m);
        if (resignIt) {
          // Re-sign whatever header ‖ body the mutation produced (if the structure still parses) so the
          // AEAD / hash checks are exercised, not just the signature.
          try {
            const { header, body } = splitBundle(data.subarray(0, Math.max(0, data.length)));
            data = resign(header, body, vendor);
          } catch {
            /* structure broken: feed as is */
          }
        }
        const c = run(data, seed.modelKey, seed.model);
        // Without a vendor re-signature, only the untouched bytes may be accepted.
        if (c === 'ok' && !resignIt) expect(Buffer.from(data).equals(Buffer.from(seed.bundle))).toBe(true);
        codes[c] = (codes[c] ?? 0) + 1;
        cases++;
      }),
      { numRuns: 12_000, seed: 20261122 },
    );
    console.log(
      `bundle fuzz: ${cases} cases, outcomes ${JSON.stringify(codes)}, max plaintext alloc ${maxAlloc} B, max input ${maxInput} B`,
    );
    expect(cases).toBeGreaterThanOrEqual(10_000);
  }, 240_000);

  it('structurally random headers (fields from fast-check, encoded by hand) never escape as untyped errors', () => {
    let cases = 0;
    const u = new Uint8Array(200);
    fc.assert(
      fc.property(
        fc.record({
          version: fc.integer({ min: 0, max: 3 }),
          len: fc.integer({ min: 0, max: 0xffff }),
          algs: fc.uint8Array({ minLength: 4, maxLength: 4 }),
          chunk: fc.nat(),
          size: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
          tail: fc.uint8Array({ minLength: 0, maxLength: 300 }),
        }),
        (f) => {
          const b = new Uint8Array(116 + f.tail.length);
          const dv = new DataView(b.buffer);
          b.set(new TextEncoder().encode('FVBUNDLE'));
          dv.setUint16(8, f.version, true);
          dv.setUint16(10, f.len, true);
          b.set(f.algs, 12);
          dv.setUint32(16, f.chunk, true);
          dv.setBigUint64(20, f.size, true);
          b.set(f.tail, 116);
          const data = concat(b, u);
          cases++;
          try {
            parseBundle(data);
          } catch (e) {
            if (!(e instanceof FaceVaultError)) throw e;
          }
        },
      ),
      { numRuns: 3000, seed: 7 },
    );
    console.log(`random-header fuzz: ${cases} cases`);
  });

  it('a valid header grown to the size bound still parses; one byte more is rejected before allocation', () => {
    const h = parseBundle(seeds[0]!.bundle).header;
    const big = { ...h, descriptor: { ...h.descriptor, pad: 'x'.repeat(3900) } };
    expect(encodeBundleHeader(big).length).toBeLessThanOrEqual(HEADER_MAX_BYTES);
    const tooLong = seeds[0]!.bundle.slice();
    new DataView(tooLong.buffer).setUint16(10, HEADER_MAX_BYTES + 1, true);
    expect(() => parseBundle(tooLong)).toThrow(expect.objectContaining({ code: 'BUNDLE_MALFORMED' }));
  });
});

describe('licence parser fuzzing', () => {
  it('mutated licences only raise LicenseInvalidError', () => {
    const lic = issueLicense({
      modelKey: new Uint8Array(32),
      keyId: new Uint8Array(16),
      modelId: 'm',
      devicePublicKey: makeVendor().publicKey, // any 32 bytes that are a valid X25519 point
      vendorSecretKey: vendor.secretKey,
    });
    let cases = 0;
    fc.assert(
      fc.property(mutation, (m) => {
        cases++;
        try {
          parseLicense(apply(lic, m));
        } catch (e) {
          if (!(e instanceof FaceVaultError) || e.code !== 'LICENSE_INVALID') throw e;
        }
      }),
      { numRuns: 3000, seed: 11 },
    );
    console.log(`licence fuzz: ${cases} cases`);
  });
});
