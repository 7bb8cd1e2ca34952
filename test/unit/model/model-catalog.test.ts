/**
 * Catalog v2 reader and writer (docs/catalog-format.md): a signed catalog round-trips; the signature file is
 * parsed strictly (one canonical encoding, exact fields); content rules (version 2, digests, roles, names)
 * hold even for correctly signed catalogs; the reader authenticates before it parses.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFaceVaultError } from '../../../src/main/errors/facevault-error.ts';
import { hex, signCatalogBytes } from '../../../src/main/model/bundle/signature.ts';
import { signCatalogDir } from '../../../src/cli/vendor/catalog-builder.ts';
import {
  CATALOG_FILE,
  CATALOG_SIG_FILE,
  encodeCatalogSignature,
  parseCatalogSignature,
  readCatalog,
  verifyCatalog,
} from '../../../src/main/model/model-catalog.ts';
import { makeBundle, makeVendor } from '../../support/bundle-fixtures.ts';

const vendor = makeVendor();
let dir: string;
const enc = new TextEncoder();
const digest = 'ab'.repeat(32);

function signed(content: unknown): { bytes: Uint8Array; sig: Uint8Array } {
  const bytes = enc.encode(JSON.stringify(content));
  return {
    bytes,
    sig: enc.encode(
      encodeCatalogSignature(signCatalogBytes(bytes, vendor.secretKey), vendor.pinned[0]!.keyId),
    ),
  };
}

function codeOf(f: () => unknown): string {
  try {
    f();
    return 'OK';
  } catch (e) {
    return isFaceVaultError(e) ? `${e.code}: ${e.message}` : `UNTYPED: ${String(e)}`;
  }
}

const base = {
  type: 'facevault/model-catalog',
  version: 2,
  models: [{ role: 'detector', bundle: 'd.fvb', sha256: digest }],
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fv-catalog-unit-'));
  await writeFile(join(dir, 'd.fvb'), makeBundle(vendor, 100).bundle);
  await writeFile(join(dir, 'e.fvb'), makeBundle(vendor, 120, { modelId: 'other' }).bundle);
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('model catalog v2', () => {
  it('signCatalogDir pins each bundle digest and readCatalog accepts the result', async () => {
    const c = await signCatalogDir(
      dir,
      {
        models: [
          { role: 'detector', bundle: 'd.fvb' },
          { role: 'embedder', bundle: 'e.fvb' },
        ],
      },
      vendor.secretKey,
    );
    const read = await readCatalog(dir, vendor.pinned);
    expect(read).toEqual(c);
    expect(read.version).toBe(2);
    expect(read.signerKeyId).toBe(hex(vendor.pinned[0]!.keyId));
    expect(read.models.map((m) => m.sha256)).toHaveLength(2);
    expect(read.models.every((m) => /^[0-9a-f]{64}$/.test(m.sha256))).toBe(true);
    const text = await readFile(join(dir, CATALOG_FILE), 'utf8');
    expect(JSON.parse(text)).toMatchObject({ type: 'facevault/model-catalog', version: 2 });
  });

  it('signCatalogDir refuses a bundle this vendor key did not sign, and writes nothing', async () => {
    const other = makeVendor();
    await writeFile(join(dir, 'x.fvb'), makeBundle(other, 50).bundle);
    const before = await readFile(join(dir, CATALOG_FILE));
    await expect(
      signCatalogDir(dir, { models: [{ role: 'detector', bundle: 'x.fvb' }] }, vendor.secretKey),
    ).rejects.toMatchObject({ code: 'BUNDLE_SIGNATURE_INVALID' });
    expect((await readFile(join(dir, CATALOG_FILE))).equals(before)).toBe(true);
  });

  it('readCatalog needs pinned keys', async () => {
    await expect(readCatalog(dir, [])).rejects.toMatchObject({ code: 'MODEL_CATALOG_SIGNATURE' });
  });

  it('a missing catalog is MODEL_CATALOG_INVALID with a hint', async () => {
    await expect(readCatalog(join(dir, 'nope'), vendor.pinned)).rejects.toMatchObject({
      code: 'MODEL_CATALOG_INVALID',
      message: expect.stringMatching(/models:build/) as unknown,
    });
  });

  it('content rules hold for correctly signed catalogs', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ ...base, version: 1 }, /version 1/],
      [{ ...base, version: 3 }, /version 3/],
      [{ ...base, models: [{ role: 'detector', bundle: 'd.fvb' }] }, /sha256/],
      [{ ...base, models: [{ role: 'detector', bundle: 'd.fvb', sha256: digest.toUpperCase() }] }, /sha256/],
      [{ ...base, models: [{ role: 'detector', bundle: '../d.fvb', sha256: digest }] }, /bundle/],
      [{ ...base, models: [{ role: 'embedder', bundle: 'e.fvb', sha256: digest }] }, /exactly one detector/],
      [
        { ...base, models: [...base.models, { role: 'embedder', bundle: 'd.fvb', sha256: digest }] },
        /listed twice/,
      ],
      [{ ...base, extra: 1 }, /MODEL_CATALOG_INVALID/],
      [
        {
          ...base,
          models: [
            ...base.models,
            { role: 'landmarks', bundle: 'l1.fvb', sha256: digest },
            { role: 'landmarks', bundle: 'l2.fvb', sha256: digest },
          ],
        },
        /at most one landmark refiner/,
      ],
      [
        {
          ...base,
          models: [
            ...base.models,
            { role: 'mesh', bundle: 'm1.fvb', sha256: digest },
            { role: 'mesh', bundle: 'm2.fvb', sha256: digest },
          ],
        },
        /at most one face mesh model/,
      ],
      [
        { ...base, models: [...base.models, { role: 'fusion', bundle: 'f.fvb', sha256: digest }] },
        /a fusion embedder needs the embedder it joins/,
      ],
      [
        {
          ...base,
          models: [
            ...base.models,
            { role: 'embedder', bundle: 'e.fvb', sha256: digest },
            { role: 'fusion', bundle: 'f1.fvb', sha256: digest },
            { role: 'fusion', bundle: 'f2.fvb', sha256: digest },
          ],
        },
        /at most one fusion embedder/,
      ],
      [{ ...base, models: [...base.models, { role: 'facemesh', bundle: 'm.fvb', sha256: digest }] }, /role/],
      [
        { ...base, models: [{ role: 'detector', bundle: 'd.fvb', sha256: digest, demoLicence: 'd.lic' }] },
        /bootstrapKey/,
      ],
    ];
    for (const [content, want] of cases) {
      const { bytes, sig } = signed(content);
      const c = codeOf(() => verifyCatalog(bytes, sig, vendor.pinned, dir));
      expect(c, JSON.stringify(content)).toMatch(/^MODEL_CATALOG_INVALID/);
      expect(c).toMatch(want);
    }
    const { bytes, sig } = signed(base);
    expect(codeOf(() => verifyCatalog(bytes, sig, vendor.pinned, dir))).toBe('OK');
    // O-Net's five points and FaceMesh are distinct roles: one of each is fine.
    const both = {
      ...base,
      models: [
        ...base.models,
        { role: 'landmarks', bundle: 'l.fvb', sha256: digest },
        { role: 'mesh', bundle: 'm.fvb', sha256: digest },
      ],
    };
    const s2 = signed(both);
    expect(codeOf(() => verifyCatalog(s2.bytes, s2.sig, vendor.pinned, dir))).toBe('OK');
    // An embedder and the fusion embedder that joins it.
    const fused = {
      ...base,
      models: [
        ...base.models,
        { role: 'embedder', bundle: 'e.fvb', sha256: digest },
        { role: 'fusion', bundle: 'f.fvb', sha256: digest },
      ],
    };
    const s3 = signed(fused);
    expect(codeOf(() => verifyCatalog(s3.bytes, s3.sig, vendor.pinned, dir))).toBe('OK');
  });

  it('signed bytes that are not UTF-8 JSON are MODEL_CATALOG_INVALID', () => {
    for (const raw of [new Uint8Array([0xff, 0xfe]), enc.encode('{"type":')]) {
      const sig = enc.encode(
        encodeCatalogSignature(signCatalogBytes(raw, vendor.secretKey), vendor.pinned[0]!.keyId),
      );
      expect(codeOf(() => verifyCatalog(raw, sig, vendor.pinned, dir))).toMatch(/^MODEL_CATALOG_INVALID/);
    }
  });

  it('the signature file is parsed strictly', () => {
    const { sig } = signed(base);
    const good = JSON.parse(new TextDecoder().decode(sig)) as Record<string, string | number>;
    expect(parseCatalogSignature(sig).signature).toHaveLength(64);
    const sigB64 = String(good.signature);
    const variants: unknown[] = [
      { ...good, type: 'facevault/bundle-signature' },
      { ...good, version: 2 },
      { ...good, extra: true },
      { ...good, signerKeyId: String(good.signerKeyId).toUpperCase() },
      { ...good, signerKeyId: String(good.signerKeyId).slice(2) },
      { ...good, signature: sigB64.slice(0, -2) }, // no padding
      { ...good, signature: `${sigB64.slice(0, 85)}${sigB64[85] === 'A' ? 'B' : 'A'}==` }, // non-canonical last bits (or a real change)
      { ...good, signature: Buffer.from(new Uint8Array(65)).toString('base64') },
      [good],
      null,
    ];
    for (const v of variants) {
      const bytes = enc.encode(JSON.stringify(v));
      const c = codeOf(() => verifyCatalog(signed(base).bytes, bytes, vendor.pinned, dir));
      expect(c, JSON.stringify(v)).toMatch(/^MODEL_CATALOG_SIGNATURE/);
    }
  });

  it('an unsigned catalog is refused before its JSON is looked at', async () => {
    await writeFile(join(dir, CATALOG_FILE), 'not json at all');
    await rm(join(dir, CATALOG_SIG_FILE), { force: true });
    await expect(readCatalog(dir, vendor.pinned)).rejects.toMatchObject({
      code: 'MODEL_CATALOG_SIGNATURE',
      message: expect.stringMatching(/not signed/) as unknown,
    });
  });
});
