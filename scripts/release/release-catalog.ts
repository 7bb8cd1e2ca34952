/**
 * The build-time inputs a package takes from outside the app's own build, staged in one folder
 * (default .cache/release, never committed, rebuilt for every package):
 *   <stage>/catalog/   the shipped model catalog: the default set (tools/build-default-catalog.ts
 *                      DEFAULT_SET, from the ONNX files of `npm run models:build`), encrypted and signed
 *                      with the release vendor key, with demo licences (SECURITY.md, "demo licence") as
 *                      resources/catalog/release.json says, and every role that file requires
 *   <stage>/pinned/vendor-keys.json   the release key's public half: the list the packaged app pins
 * The catalog is read back with the app's own reader against the pinned list before it is used, and the
 * plaintext ONNX buffers are zeroed after packing.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { pinVendorKey } from '../../src/main/model/bundle/signature.ts';
import { buildCatalog, type CatalogModelInput } from '../../src/cli/vendor/catalog-builder.ts';
import { encodeVendorKeyList } from '../../src/main/model/key-files.ts';
import { MODEL_ROLES, readCatalog } from '../../src/main/model/model-catalog.ts';
import { DEFAULT_SET } from '../../tools/build-default-catalog.ts';
import { devLayout } from './dev-layout.ts';
import type { ReleaseKey } from './release-key.ts';

export interface StagedInputs {
  readonly stageDir: string;
  readonly catalogDir: string;
  readonly pinnedDir: string;
  readonly bundles: number;
}

/** resources/catalog/release.json: what a release catalog must be. */
export const releasePolicySchema = z.object({
  $comment: z.string().optional(),
  requiredRoles: z.array(z.enum(MODEL_ROLES)).min(1),
  demoLicences: z.boolean(),
});
export type ReleasePolicy = z.infer<typeof releasePolicySchema>;

export const readReleasePolicy = (root: string): ReleasePolicy =>
  releasePolicySchema.parse(
    JSON.parse(readFileSync(join(root, 'resources', 'catalog', 'release.json'), 'utf8')),
  );

const manifestSchema = z.object({
  models: z.array(z.object({ id: z.string(), file: z.string(), sha256: z.string() })),
});
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export async function stageReleaseInputs(o: {
  root: string;
  key: ReleaseKey;
  stageDir?: string;
  modelsDir?: string;
  policy?: ReleasePolicy;
}): Promise<StagedInputs> {
  const policy = o.policy ?? readReleasePolicy(o.root);
  const missing = policy.requiredRoles.filter((r) => !DEFAULT_SET.some((e) => e.role === r));
  if (missing.length > 0)
    throw new Error(
      `the default model set has no ${missing.join(', ')} model, which resources/catalog/release.json requires of a release`,
    );
  const stageDir = resolve(o.stageDir ?? join(o.root, '.cache', 'release'));
  const modelsDir = resolve(o.modelsDir ?? (await devLayout(o.root)).modelsDir);
  const manifestPath = join(modelsDir, 'manifest.json');
  if (!existsSync(manifestPath))
    throw new Error(`${manifestPath} is missing: run \`npm run models:build\` first`);
  const manifest = manifestSchema.parse(JSON.parse(readFileSync(manifestPath, 'utf8')));

  const tmp = `${stageDir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const inputs: CatalogModelInput[] = DEFAULT_SET.map((e) => {
    const m = manifest.models.find((x) => x.id === e.modelId);
    if (m === undefined)
      throw new Error(`model ${e.modelId} is not in ${manifestPath}: run \`npm run models:build\``);
    const onnx = new Uint8Array(readFileSync(join(modelsDir, m.file)));
    if (sha256(onnx) !== m.sha256)
      throw new Error(
        `${m.file} does not match its manifest sha256: run \`npm run models:build -- --force\``,
      );
    return {
      role: e.role,
      name: e.name,
      onnx,
      modelId: `npm.${e.modelId}`,
      modelVersion: m.sha256.slice(0, 16),
      descriptor: e.descriptor,
    };
  });
  try {
    await buildCatalog({
      outDir: join(tmp, 'catalog'),
      vendorSecretKey: o.key.secretKey,
      models: inputs,
      demo: policy.demoLicences,
    });
  } finally {
    for (const m of inputs) m.onnx.fill(0);
  }
  mkdirSync(join(tmp, 'pinned'), { recursive: true });
  writeFileSync(join(tmp, 'pinned', 'vendor-keys.json'), encodeVendorKeyList([o.key.publicKey]));
  // The app's own reader, against exactly the list that ships: a catalog it would refuse is never packaged.
  const catalog = await readCatalog(join(tmp, 'catalog'), [pinVendorKey(o.key.publicKey)]);
  const shipped = new Set(catalog.models.map((m) => m.role));
  const lost = policy.requiredRoles.filter((r) => !shipped.has(r));
  if (lost.length > 0) throw new Error(`the signed release catalog lacks ${lost.join(', ')}`);
  rmSync(stageDir, { recursive: true, force: true });
  renameSync(tmp, stageDir);
  return {
    stageDir,
    catalogDir: join(stageDir, 'catalog'),
    pinnedDir: join(stageDir, 'pinned'),
    bundles: catalog.models.length,
  };
}
