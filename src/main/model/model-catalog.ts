/**
 * The model catalog: which protected bundles the app uses and in which role, next to the demo licences
 * and the bootstrap key of the out-of-the-box set. A small JSON file (`catalog.json`) in the catalog
 * directory, validated strictly: relative file names only (no separators, no `..`), bounded sizes, each
 * role at most as often as the pipeline can use it. The pinned vendor keys are NOT read from here: the
 * app passes them in from its own resources (inside the integrity-checked ASAR when packaged), so
 * whoever can replace bundles on disk cannot also choose which keys are trusted.
 *
 *   {"type":"facevault/model-catalog","version":1,
 *    "bootstrapKey":"bootstrap.key"?,
 *    "models":[{"role":"detector"|"embedder"|"antispoof","bundle":"x.fvb","demoLicence":"x.demo.lic"?}]}
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { FaceVaultError } from '../errors/facevault-error.ts';
import type { VendorPublicKey } from './bundle/signature.ts';
import { parsePinnedVendorKeys } from './key-files.ts';

export class ModelCatalogError extends FaceVaultError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('MODEL_CATALOG_INVALID', message, options);
  }
}

export const CATALOG_FILE = 'catalog.json';
const CATALOG_MAX_BYTES = 64 * 1024;

const fileName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a plain file name inside the catalog directory')
  .refine((s) => !s.includes('..'), 'no ".." in file names');

export const MODEL_ROLES = ['detector', 'embedder', 'antispoof'] as const;
export type ModelRole = (typeof MODEL_ROLES)[number];

const entrySchema = z.strictObject({
  role: z.enum(MODEL_ROLES),
  bundle: fileName,
  demoLicence: fileName.optional(),
});

const catalogSchema = z
  .strictObject({
    type: z.literal('facevault/model-catalog'),
    version: z.literal(1),
    bootstrapKey: fileName.optional(),
    models: z.array(entrySchema).min(1).max(8),
  })
  .superRefine((c, ctx) => {
    const count = (r: ModelRole) => c.models.filter((m) => m.role === r).length;
    if (count('detector') !== 1) ctx.addIssue({ code: 'custom', message: 'exactly one detector' });
    if (count('embedder') > 1) ctx.addIssue({ code: 'custom', message: 'at most one embedder' });
    if (count('antispoof') > 4) ctx.addIssue({ code: 'custom', message: 'at most four anti-spoofing models' });
    if (c.models.some((m) => m.demoLicence) && !c.bootstrapKey) {
      ctx.addIssue({ code: 'custom', message: 'demo licences need a bootstrapKey' });
    }
  });

export type CatalogEntry = z.infer<typeof entrySchema>;
export type ModelCatalog = z.infer<typeof catalogSchema> & { readonly dir: string };

export function parseCatalog(text: string, dir: string): ModelCatalog {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ModelCatalogError('catalog.json is not valid JSON', { cause: e });
  }
  const parsed = catalogSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ModelCatalogError(`catalog.json: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`);
  }
  return { ...parsed.data, dir };
}

export async function readCatalog(dir: string): Promise<ModelCatalog> {
  let bytes: Buffer;
  try {
    bytes = await readFile(join(dir, CATALOG_FILE));
  } catch (e) {
    throw new ModelCatalogError(`no model catalog in ${dir} (run "npm run models:build")`, { cause: e });
  }
  if (bytes.length > CATALOG_MAX_BYTES) throw new ModelCatalogError('catalog.json is too large');
  return parseCatalog(bytes.toString('utf8'), dir);
}

/** Reads the app's pinned vendor-key list (see app-paths.ts for where it lives and why). */
export async function readPinnedKeys(path: string): Promise<VendorPublicKey[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new ModelCatalogError('no pinned vendor keys found (run "npm run models:build")', { cause: e });
  }
  return parsePinnedVendorKeys(bytes);
}
