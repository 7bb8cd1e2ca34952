/**
 * One named test per attack on model bundles and licences. Each mutation must be rejected with the
 * specific typed error code; "re-signed" variants model an attacker who can produce a valid vendor
 * signature (or a signature-layer bug) so the STREAM AEAD layer underneath is tested on its own.
 */
import { describe, expect, it } from 'vitest';
import { isFaceVaultError } from '../../src/main/errors/facevault-error.ts';
import { openBundle, parseBundle } from '../../src/main/model/bundle/read-bundle.ts';
import { encodeBundleHeader } from '../../src/main/model/bundle/header.ts';
import { StreamAead } from '../../src/main/model/bundle/stream-aead.ts';
import { loadModel } from '../../src/main/model/ort-load-model.ts';
import { issueLicense } from '../../src/cli/vendor/issue-license.ts';
import { randomStaticIdentity } from '../../src/main/model/license/static-identity.ts';
import { concat, makeBundle, makeVendor, resign, splitBundle } from '../support/bundle-fixtures.ts';

const vendor = makeVendor();
const CS = 64;
const SIZE = 5 * CS - 20; // 5 chunks, last one short
const base = makeBundle(vendor, SIZE, { chunkSize: CS });
const parsed = parseBundle(base.bundle);
const H = parsed.header.headerLength;
const B = parsed.header.bodyLength;

function codeOf(bundle: Uint8Array, key = base.modelKey): string {
  try {
    openBundle(bundle, key, vendor.pinned);
    return 'ACCEPTED';
  } catch (e) {
    if (!isFaceVaultError(e)) return `UNTYPED:${e instanceof Error ? e.message : String(e)}`;
    return e.code;
  }
}

function flip(b: Uint8Array, bit: number): Uint8Array {
  const t = b.slice();
  t[bit >> 3]! ^= 1 << (bit & 7);
  return t;
}

describe('bundle tampering', () => {
  it('sanity: the untouched bundle opens', () => {
    expect(codeOf(base.bundle)).toBe('ACCEPTED');
  });

  it(`every single-bit flip of the header (${H * 8} flips) is rejected with a typed code`, () => {
    const counts: Record<string, number> = {};
    for (let bit = 0; bit < H * 8; bit++) {
      const c = codeOf(flip(base.bundle, bit));
      counts[c] = (counts[c] ?? 0) + 1;
      expect(['BUNDLE_MALFORMED', 'BUNDLE_UNSUPPORTED', 'BUNDLE_SIGNATURE_INVALID']).toContain(c);
    }
    expect(counts.BUNDLE_SIGNATURE_INVALID).toBeGreaterThan(0);
    expect(counts.BUNDLE_UNSUPPORTED).toBeGreaterThan(0);
  });

  it(`every single-bit flip of the signature (512 flips) → BUNDLE_SIGNATURE_INVALID`, () => {
    for (let bit = (H + B) * 8; bit < (H + B + 64) * 8; bit++)
      expect(codeOf(flip(base.bundle, bit))).toBe('BUNDLE_SIGNATURE_INVALID');
  });

  it(`every single-bit flip of the body (${B * 8} flips, exhaustive) → BUNDLE_SIGNATURE_INVALID`, () => {
    expect(B * 8).toBeGreaterThanOrEqual(2000);
    for (let bit = H * 8; bit < (H + B) * 8; bit++)
      expect(codeOf(flip(base.bundle, bit))).toBe('BUNDLE_SIGNATURE_INVALID');
  });

  it('every body bit flip, re-signed, → BUNDLE_INTEGRITY (AEAD catches what the signature would)', () => {
    const { header, body } = splitBundle(base.bundle);
    for (let bit = 0; bit < B * 8; bit += 3)
      expect(codeOf(resign(header, flip(body, bit), vendor))).toBe('BUNDLE_INTEGRITY');
  });

  it('every header bit flip that still parses, re-signed, is rejected (header is the AEAD associated data)', () => {
    const { header, body } = splitBundle(base.bundle);
    for (let bit = 0; bit < H * 8; bit++) {
      const c = codeOf(resign(flip(header, bit), body, vendor));
      // bytes 76..91 name the signer: changing them points at an unpinned key
      if (bit >= 76 * 8 && bit < 92 * 8) expect(c).toBe('BUNDLE_SIGNATURE_INVALID');
      else expect(['BUNDLE_MALFORMED', 'BUNDLE_UNSUPPORTED', 'BUNDLE_INTEGRITY']).toContain(c);
    }
  });

  it('truncation at every chunk boundary (and ±1) → BUNDLE_MALFORMED', () => {
    for (let k = 0; k <= parsed.header.chunkCount; k++) {
      const cut = Math.min(H + k * (CS + 16), base.bundle.length);
      for (const d of [-1, 0, 1]) {
        const n = cut + d;
        if (n >= base.bundle.length) continue;
        expect(codeOf(base.bundle.subarray(0, n))).toBe('BUNDLE_MALFORMED');
      }
    }
    expect(codeOf(base.bundle.subarray(0, base.bundle.length - 64))).toBe('BUNDLE_MALFORMED'); // signature stripped
  });

  it('trailing bytes → BUNDLE_MALFORMED', () => {
    expect(codeOf(concat(base.bundle, new Uint8Array(1)))).toBe('BUNDLE_MALFORMED');
  });

  it('truncated to whole chunks with a re-signed, shrunk header → BUNDLE_INTEGRITY', () => {
    const { header, chunks } = splitBundle(base.bundle);
    for (let k = 1; k < chunks.length; k++) {
      const h2 = encodeBundleHeader({ ...parseBundle(base.bundle).header, plaintextSize: k * CS });
      expect(h2.length).toBe(header.length);
      expect(codeOf(resign(h2, concat(...chunks.slice(0, k)), vendor))).toBe('BUNDLE_INTEGRITY');
    }
  });

  it('STREAM final flag: a non-final chunk never opens as final, and vice versa (same key, nonce base, AD)', () => {
    const ad = new Uint8Array(32);
    const nb = new Uint8Array(24).fill(3);
    const a = new StreamAead(base.modelKey, nb, ad);
    const pt = new Uint8Array(CS).fill(7);
    const out = new Uint8Array(CS);
    expect(() => a.open(3, true, a.seal(3, false, pt), out)).toThrow(
      expect.objectContaining({ code: 'BUNDLE_INTEGRITY' }),
    );
    expect(() => a.open(3, false, a.seal(3, true, pt), out)).toThrow(
      expect.objectContaining({ code: 'BUNDLE_INTEGRITY' }),
    );
    expect(() => a.open(2, false, a.seal(3, false, pt), out)).toThrow(
      expect.objectContaining({ code: 'BUNDLE_INTEGRITY' }),
    );
    a.dispose();
  });

  it('chunk reorder → BUNDLE_SIGNATURE_INVALID; re-signed → BUNDLE_INTEGRITY', () => {
    const { header, chunks } = splitBundle(base.bundle);
    const swapped = concat(chunks[0]!, chunks[2]!, chunks[1]!, chunks[3]!, chunks[4]!);
    const unsigned = concat(header, swapped, base.bundle.subarray(H + B));
    expect(codeOf(unsigned)).toBe('BUNDLE_SIGNATURE_INVALID');
    expect(codeOf(resign(header, swapped, vendor))).toBe('BUNDLE_INTEGRITY');
  });

  it('chunk swap between two bundles under the same model key (re-signed) → BUNDLE_INTEGRITY', () => {
    const other = makeBundle(vendor, SIZE, { chunkSize: CS, modelKey: base.modelKey, model: base.model });
    const a = splitBundle(base.bundle);
    const b = splitBundle(other.bundle);
    for (let i = 0; i < a.chunks.length; i++) {
      const mixed = a.chunks.map((c, j) => (j === i ? b.chunks[j]! : c));
      expect(codeOf(resign(a.header, concat(...mixed), vendor))).toBe('BUNDLE_INTEGRITY');
    }
    // whole body of B under A's header
    expect(codeOf(resign(a.header, b.body, vendor))).toBe('BUNDLE_INTEGRITY');
  });

  it('wrong vendor key (not pinned) → BUNDLE_SIGNATURE_INVALID', () => {
    const mallory = makeVendor();
    const forged = makeBundle(mallory, SIZE, { chunkSize: CS, modelKey: base.modelKey, model: base.model });
    expect(codeOf(forged.bundle)).toBe('BUNDLE_SIGNATURE_INVALID');
  });

  it('attacker signs with own key but claims the pinned signer key id → BUNDLE_SIGNATURE_INVALID', () => {
    const mallory = makeVendor();
    const { header, body } = splitBundle(base.bundle); // header names the genuine signer
    expect(codeOf(resign(header, body, mallory))).toBe('BUNDLE_SIGNATURE_INVALID');
  });

  it("zeroed / all-ones / other bundle's signature → BUNDLE_SIGNATURE_INVALID", () => {
    const body = base.bundle.subarray(0, H + B);
    const other = makeBundle(vendor, SIZE, { chunkSize: CS });
    for (const sig of [
      new Uint8Array(64),
      new Uint8Array(64).fill(0xff),
      other.bundle.subarray(other.bundle.length - 64),
    ]) {
      expect(codeOf(concat(body, sig))).toBe('BUNDLE_SIGNATURE_INVALID');
    }
  });

  it('non-canonical signature (S + L) is rejected (no malleability)', () => {
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    const sig = base.bundle.slice(H + B);
    let s = 0n;
    for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(sig[32 + i]!);
    s += L;
    if (s < 2n ** 256n) {
      for (let i = 0; i < 32; i++) sig[32 + i] = Number((s >> BigInt(8 * i)) & 0xffn);
      expect(codeOf(concat(base.bundle.subarray(0, H + B), sig))).toBe('BUNDLE_SIGNATURE_INVALID');
    }
  });

  it('no pinned keys at all → BUNDLE_SIGNATURE_INVALID', () => {
    expect(() => openBundle(base.bundle, base.modelKey, [])).toThrow(
      expect.objectContaining({ code: 'BUNDLE_SIGNATURE_INVALID' }),
    );
  });
});

describe('licence attacks through the loader', () => {
  const device = randomStaticIdentity();

  it('licence for another device → LICENSE_WRONG_DEVICE', async () => {
    const licence = issueLicense({
      modelKey: base.modelKey,
      keyId: base.keyId,
      modelId: 'test-model',
      devicePublicKey: randomStaticIdentity().publicKey,
      vendorSecretKey: vendor.secretKey,
    });
    await expect(
      loadModel({
        bundle: base.bundle,
        keySource: { kind: 'vendor-licence', licence, identity: device },
        pinnedVendorKeys: vendor.pinned,
      }),
    ).rejects.toMatchObject({ code: 'LICENSE_WRONG_DEVICE' });
  });

  it('licence for another model (other key id) → LICENSE_INVALID', async () => {
    const other = makeBundle(vendor, 100);
    const licence = issueLicense({
      modelKey: other.modelKey,
      keyId: other.keyId,
      modelId: 'test-model',
      devicePublicKey: device.publicKey,
      vendorSecretKey: vendor.secretKey,
    });
    await expect(
      loadModel({
        bundle: base.bundle,
        keySource: { kind: 'vendor-licence', licence, identity: device },
        pinnedVendorKeys: vendor.pinned,
      }),
    ).rejects.toMatchObject({ code: 'LICENSE_INVALID' });
  });

  it('licence with the right key id but another model id → LICENSE_INVALID', async () => {
    const licence = issueLicense({
      modelKey: base.modelKey,
      keyId: base.keyId,
      modelId: 'another-model',
      devicePublicKey: device.publicKey,
      vendorSecretKey: vendor.secretKey,
    });
    await expect(
      loadModel({
        bundle: base.bundle,
        keySource: { kind: 'vendor-licence', licence, identity: device },
        pinnedVendorKeys: vendor.pinned,
      }),
    ).rejects.toMatchObject({ code: 'LICENSE_INVALID' });
  });

  it('licence signed by an unpinned key → LICENSE_INVALID', async () => {
    const licence = issueLicense({
      modelKey: base.modelKey,
      keyId: base.keyId,
      modelId: 'test-model',
      devicePublicKey: device.publicKey,
      vendorSecretKey: makeVendor().secretKey,
    });
    await expect(
      loadModel({
        bundle: base.bundle,
        keySource: { kind: 'vendor-licence', licence, identity: device },
        pinnedVendorKeys: vendor.pinned,
      }),
    ).rejects.toMatchObject({ code: 'LICENSE_INVALID' });
  });

  it('tampered bundle is rejected before the licence is even opened', async () => {
    let asked = false;
    const spy = {
      publicKey: device.publicKey,
      sharedSecret: (p: Uint8Array) => ((asked = true), device.sharedSecret(p)),
    };
    const licence = issueLicense({
      modelKey: base.modelKey,
      keyId: base.keyId,
      modelId: 'test-model',
      devicePublicKey: device.publicKey,
      vendorSecretKey: vendor.secretKey,
    });
    await expect(
      loadModel({
        bundle: flip(base.bundle, (H + 5) * 8),
        keySource: { kind: 'vendor-licence', licence, identity: spy },
        pinnedVendorKeys: vendor.pinned,
      }),
    ).rejects.toMatchObject({ code: 'BUNDLE_SIGNATURE_INVALID' });
    expect(asked).toBe(false);
  });
});
