/**
 * Vendor-side: packs ONNX models into a model catalog directory (signed, encrypted bundles plus, for the
 * out-of-the-box set, a bootstrap key and one demo licence per bundle) — what `npm run models:build` and
 * the tests use. The vendor secret key is the caller's; it never enters the catalog. Model keys are wiped
 * once the demo licences are issued. The bootstrap private key IS written into the catalog: that is the
 * documented, extractable demo path (SECURITY.md); real deployments issue per-device licences instead.
 *
 * `signCatalogDir` (also behind `facevault catalog sign`) writes a version-2 catalog.json that pins each
 * bundle's signed digest, and its detached vendor signature catalog.json.sig (docs/catalog-format.md). It
 * first checks every listed bundle is signed by that same vendor key, so a catalog never vouches for a
 * bundle the vendor did not sign.
 */
import { x25519 } from '@noble/curves/ed25519.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PreprocessingDescriptorInput } from '../../main/model/bundle/descriptor.ts';
import { verifyBundle } from '../../main/model/bundle/read-bundle.ts';
import { hex, pinVendorKey, signCatalogBytes } from '../../main/model/bundle/signature.ts';
import { writeBundle } from './write-bundle.ts';
import { encodeDeviceSecretKey } from '../../main/model/key-files.ts';
import { issueLicense } from './issue-license.ts';
import {
  CATALOG_FILE,
  CATALOG_SIG_FILE,
  CATALOG_VERSION,
  encodeCatalogSignature,
  verifyCatalog,
  type ModelCatalog,
  type ModelRole,
} from '../../main/model/model-catalog.ts';

/** What a vendor lists; `sha256` is (re)computed from the bundle files when signing. */
export interface CatalogContent {
  readonly bootstrapKey?: string;
  readonly models: ReadonlyArray<{
    readonly role: ModelRole;
    readonly bundle: string;
    readonly demoLicence?: string;
    readonly sha256?: string;
  }>;
}

async function writeAtomic(path: string, data: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/**
 * Pins every bundle's digest and signs the catalog with `vendorSecretKey`: writes catalog.json (version 2,
 * two-space JSON) and catalog.json.sig into `dir`, then reads them back through the app's verifier.
 * Throws BUNDLE_* errors if a bundle is not signed by this key, MODEL_CATALOG_INVALID if the content is.
 */
export async function signCatalogDir(
  dir: string,
  content: CatalogContent,
  vendorSecretKey: Uint8Array,
): Promise<ModelCatalog> {
  const pinned = [pinVendorKey(ed25519.getPublicKey(vendorSecretKey))];
  const models = [];
  for (const m of content.models) {
    const v = verifyBundle(new Uint8Array(await readFile(join(dir, m.bundle))), pinned);
    models.push({
      role: m.role,
      bundle: m.bundle,
      sha256: hex(v.digest),
      ...(m.demoLicence ? { demoLicence: m.demoLicence } : {}),
    });
  }
  const catalog = {
    type: 'facevault/model-catalog',
    version: CATALOG_VERSION,
    ...(content.bootstrapKey ? { bootstrapKey: content.bootstrapKey } : {}),
    models,
  };
  const bytes = new TextEncoder().encode(`${JSON.stringify(catalog, null, 2)}\n`);
  const sig = encodeCatalogSignature(signCatalogBytes(bytes, vendorSecretKey), pinned[0]!.keyId);
  const checked = verifyCatalog(bytes, new TextEncoder().encode(sig), pinned, dir); // schema errors before writing
  await writeAtomic(join(dir, CATALOG_FILE), new TextDecoder().decode(bytes));
  await writeAtomic(join(dir, CATALOG_SIG_FILE), sig);
  return checked;
}

export interface CatalogModelInput {
  readonly role: ModelRole;
  /** File stem of the bundle in the catalog (`<name>.fvb`). */
  readonly name: string;
  readonly onnx: Uint8Array;
  readonly modelId: string;
  readonly modelVersion: string;
  readonly descriptor: PreprocessingDescriptorInput & { readonly family: string };
}

export interface BuildCatalogOptions {
  readonly outDir: string;
  readonly vendorSecretKey: Uint8Array;
  readonly models: readonly CatalogModelInput[];
  /** Issue demo licences to a fresh bootstrap key shipped in the catalog (default true). */
  readonly demo?: boolean;
  readonly chunkSize?: number;
}

export async function buildCatalog(o: BuildCatalogOptions): Promise<void> {
  await mkdir(o.outDir, { recursive: true });
  const demo = o.demo !== false;
  const bootstrap = demo ? x25519.keygen() : null;
  const entries: Array<{ role: ModelRole; bundle: string; demoLicence?: string }> = [];
  try {
    for (const m of o.models) {
      const written = writeBundle({
        model: m.onnx,
        vendorSecretKey: o.vendorSecretKey,
        modelId: m.modelId,
        modelVersion: m.modelVersion,
        family: m.descriptor.family,
        descriptor: m.descriptor,
        ...(o.chunkSize ? { chunkSize: o.chunkSize } : {}),
      });
      try {
        const bundle = `${m.name}.fvb`;
        await writeFile(join(o.outDir, bundle), written.bundle);
        const entry: { role: ModelRole; bundle: string; demoLicence?: string } = { role: m.role, bundle };
        if (bootstrap) {
          const licence = issueLicense({
            modelKey: written.modelKey,
            keyId: written.header.keyId,
            modelId: m.modelId,
            devicePublicKey: bootstrap.publicKey,
            vendorSecretKey: o.vendorSecretKey,
          });
          entry.demoLicence = `${m.name}.demo.lic`;
          await writeFile(join(o.outDir, entry.demoLicence), licence);
        }
        entries.push(entry);
      } finally {
        written.modelKey.fill(0);
      }
    }
    if (bootstrap)
      await writeFile(join(o.outDir, 'bootstrap.key.json'), encodeDeviceSecretKey(bootstrap.secretKey));
  } finally {
    bootstrap?.secretKey.fill(0);
  }
  await signCatalogDir(
    o.outDir,
    { ...(demo ? { bootstrapKey: 'bootstrap.key.json' } : {}), models: entries },
    o.vendorSecretKey,
  );
}
