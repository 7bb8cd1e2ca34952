/**
 * Vendor-side: packs ONNX models into a model catalog directory (signed, encrypted bundles plus, for the
 * out-of-the-box set, a bootstrap key and one demo licence per bundle) — what `npm run models:build` and
 * the tests use. The vendor secret key is the caller's; it never enters the catalog. Model keys are wiped
 * once the demo licences are issued. The bootstrap private key IS written into the catalog: that is the
 * documented, extractable demo path (SECURITY.md); real deployments issue per-device licences instead.
 */
import { x25519 } from '@noble/curves/ed25519.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PreprocessingDescriptorInput } from './bundle/descriptor.ts';
import { writeBundle } from './bundle/write-bundle.ts';
import { encodeDeviceSecretKey } from './key-files.ts';
import { issueLicense } from './license/vendor-license.ts';
import { CATALOG_FILE, type ModelRole } from './model-catalog.ts';

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
  const entries: Array<Record<string, string>> = [];
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
        const entry: Record<string, string> = { role: m.role, bundle };
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
    if (bootstrap) await writeFile(join(o.outDir, 'bootstrap.key.json'), encodeDeviceSecretKey(bootstrap.secretKey));
  } finally {
    bootstrap?.secretKey.fill(0);
  }
  const catalog = {
    type: 'facevault/model-catalog',
    version: 1,
    ...(bootstrap ? { bootstrapKey: 'bootstrap.key.json' } : {}),
    models: entries,
  };
  await writeFile(join(o.outDir, CATALOG_FILE), `${JSON.stringify(catalog, null, 2)}\n`);
}
