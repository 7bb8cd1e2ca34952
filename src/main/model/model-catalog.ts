/**
 * The model catalog (spec: docs/catalog-format.md): which protected bundles the app uses and in which role,
 * the exact bundle each role must be (its signed digest), the demo licences and the bootstrap key of the
 * out-of-the-box set. Two files in the catalog directory:
 *
 *   catalog.json      {"type":"facevault/model-catalog","version":2,
 *                      "bootstrapKey":"bootstrap.key.json"?,
 *                      "models":[{"role":"detector"|"embedder"|"antispoof"|"landmarks"|"mesh"|"fusion","bundle":"x.fvb",
 *                                 "sha256":hex64,"demoLicence":"x.demo.lic"?}]}
 *   catalog.json.sig  {"type":"facevault/model-catalog-signature","version":1,"signerKeyId":hex32,
 *                      "signature":b64(64)}   Ed25519 over "FaceVault model catalog v1\0" ‖ catalog.json bytes
 *
 * Guarantees of `readCatalog`: both files are size-bounded BEFORE they are read into memory; the signature
 * is verified over the exact catalog.json bytes by a caller-pinned vendor key BEFORE the JSON is parsed
 * (nothing unauthenticated reaches the parser); then the content is validated strictly: version 2 only,
 * plain file names (no separators, no `..`), bounded sizes, each role at most as often as the pipeline can
 * use it, every bundle pinned by its digest (hex SHA-256(header ‖ body), the value the bundle signature
 * covers — model-set.ts refuses any other bundle file, so an older validly signed bundle cannot be put
 * back). Failures are MODEL_CATALOG_SIGNATURE (missing / malformed / unpinned / wrong signature) or
 * MODEL_CATALOG_INVALID (unreadable, not JSON, wrong schema or version), with messages safe to show.
 *
 * NOT guaranteed: a whole older catalog that a pinned key signed (with its bundles) can be put back — there
 * is no monotonic counter; and whoever can replace the pinned-key list (inside the integrity-checked ASAR
 * when packaged, see app-paths.ts) can sign anything. The pinned keys are NOT read from the catalog.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import type { SigningKind } from '../../shared/ipc-contract.ts';
import { FaceVaultError } from '../errors/facevault-error.ts';
import { findPinnedKey, hex, verifyCatalogSignature, type VendorPublicKey } from './bundle/signature.ts';
import { parsePinnedVendorKeyList, parsePinnedVendorKeys } from './key-files.ts';
import { describeRefusal, readBoundedFileIfExistsSync } from '../storage/bounded-read.ts';

export class ModelCatalogError extends FaceVaultError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('MODEL_CATALOG_INVALID', message, options);
  }
}

/** The catalog signature is missing, malformed, made by a key that is not pinned, or does not verify. */
export class CatalogSignatureError extends FaceVaultError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('MODEL_CATALOG_SIGNATURE', message, options);
  }
}

/** A bundle file is not the one the signed catalog pins for its role (replaced, or rolled back to an older one). */
export class BundleNotInCatalogError extends FaceVaultError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BUNDLE_NOT_IN_CATALOG', message, options);
  }
}

export const CATALOG_FILE = 'catalog.json';
export const CATALOG_SIG_FILE = 'catalog.json.sig';
export const CATALOG_VERSION = 2;
export const CATALOG_MAX_BYTES = 64 * 1024;
export const CATALOG_SIG_MAX_BYTES = 1024;
const SIG_TYPE = 'facevault/model-catalog-signature';

const fileName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a plain file name inside the catalog directory')
  .refine((s) => !s.includes('..'), 'no ".." in file names');

export const MODEL_ROLES = ['detector', 'embedder', 'antispoof', 'landmarks', 'mesh', 'fusion'] as const;
export type ModelRole = (typeof MODEL_ROLES)[number];

const entrySchema = z.strictObject({
  role: z.enum(MODEL_ROLES),
  bundle: fileName,
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'lower-case hex SHA-256 of the bundle header and body'),
  demoLicence: fileName.optional(),
});

const catalogSchema = z
  .strictObject({
    type: z.literal('facevault/model-catalog'),
    version: z.literal(CATALOG_VERSION),
    bootstrapKey: fileName.optional(),
    models: z.array(entrySchema).min(1).max(8),
  })
  .superRefine((c, ctx) => {
    const count = (r: ModelRole) => c.models.filter((m) => m.role === r).length;
    if (count('detector') !== 1) ctx.addIssue({ code: 'custom', message: 'exactly one detector' });
    if (count('embedder') > 1) ctx.addIssue({ code: 'custom', message: 'at most one embedder' });
    if (count('landmarks') > 1) ctx.addIssue({ code: 'custom', message: 'at most one landmark refiner' });
    if (count('antispoof') > 4)
      ctx.addIssue({ code: 'custom', message: 'at most four anti-spoofing models' });
    if (count('mesh') > 1) ctx.addIssue({ code: 'custom', message: 'at most one face mesh model' });
    if (count('fusion') > 1) ctx.addIssue({ code: 'custom', message: 'at most one fusion embedder' });
    if (count('fusion') === 1 && count('embedder') !== 1)
      ctx.addIssue({ code: 'custom', message: 'a fusion embedder needs the embedder it joins' });
    if (new Set(c.models.map((m) => m.bundle)).size !== c.models.length)
      ctx.addIssue({ code: 'custom', message: 'a bundle is listed twice' });
    if (c.models.some((m) => m.demoLicence) && !c.bootstrapKey) {
      ctx.addIssue({ code: 'custom', message: 'demo licences need a bootstrapKey' });
    }
  });

const sigSchema = z.strictObject({
  type: z.literal(SIG_TYPE),
  version: z.literal(1),
  signerKeyId: z.string().regex(/^[0-9a-f]{32}$/),
  // Exactly the canonical base64 of 64 bytes (86 characters + "=="), so one signature has one encoding.
  signature: z.string().regex(/^[A-Za-z0-9+/]{85}[AQgw]==$/),
});

export type CatalogEntry = z.infer<typeof entrySchema>;
export type ModelCatalog = z.infer<typeof catalogSchema> & {
  readonly dir: string;
  /** Hex key id of the pinned vendor key that signed it. */
  readonly signerKeyId: string;
  /** Hex SHA-256 of the exact catalog.json bytes that were verified. */
  readonly catalogSha256: string;
};

/** Encodes the detached signature file for `catalog.json` bytes already signed by `signerKeyId`. */
export function encodeCatalogSignature(signature: Uint8Array, signerKeyId: Uint8Array): string {
  if (signature.length !== 64 || signerKeyId.length !== 16)
    throw new RangeError('bad catalog signature or key id length');
  return `${JSON.stringify({ type: SIG_TYPE, version: 1, signerKeyId: hex(signerKeyId), signature: Buffer.from(signature).toString('base64') })}\n`;
}

/** Strict parse of catalog.json.sig (bytes as read). */
export function parseCatalogSignature(bytes: Uint8Array): { signerKeyId: Uint8Array; signature: Uint8Array } {
  if (bytes.length > CATALOG_SIG_MAX_BYTES)
    throw new CatalogSignatureError(`${CATALOG_SIG_FILE} is too large`);
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new CatalogSignatureError(`${CATALOG_SIG_FILE} is not a JSON signature file`, { cause: e });
  }
  const r = sigSchema.safeParse(raw);
  if (!r.success) throw new CatalogSignatureError(`${CATALOG_SIG_FILE} is malformed`);
  return {
    signerKeyId: new Uint8Array(Buffer.from(r.data.signerKeyId, 'hex')),
    signature: new Uint8Array(Buffer.from(r.data.signature, 'base64')),
  };
}

/**
 * Verifies `catalog.json` bytes against their detached signature and pinned keys, then parses them.
 * This is the only way to a ModelCatalog: the parser never sees unauthenticated bytes.
 */
export function verifyCatalog(
  catalogBytes: Uint8Array,
  sigBytes: Uint8Array,
  pinned: readonly VendorPublicKey[],
  dir: string,
): ModelCatalog {
  if (!Array.isArray(pinned) || pinned.length === 0)
    throw new CatalogSignatureError('no pinned vendor keys to check the catalog with');
  if (catalogBytes.length > CATALOG_MAX_BYTES) throw new ModelCatalogError(`${CATALOG_FILE} is too large`);
  const sig = parseCatalogSignature(sigBytes);
  const key = findPinnedKey(pinned, sig.signerKeyId);
  if (!key)
    throw new CatalogSignatureError(
      `the model catalog is signed by key ${hex(sig.signerKeyId)}, which is not pinned`,
    );
  if (!verifyCatalogSignature(catalogBytes, sig.signature, key.publicKey)) {
    throw new CatalogSignatureError('the model catalog signature does not verify: catalog.json was modified');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(catalogBytes));
  } catch (e) {
    throw new ModelCatalogError(`${CATALOG_FILE} is not valid JSON`, { cause: e });
  }
  if (raw !== null && typeof raw === 'object' && 'version' in raw && raw.version !== CATALOG_VERSION) {
    throw new ModelCatalogError(
      `${CATALOG_FILE} is version ${String(raw.version)}; this app reads version ${CATALOG_VERSION} (run "npm run models:build" or "facevault catalog sign")`,
    );
  }
  const parsed = catalogSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ModelCatalogError(
      `${CATALOG_FILE}: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`,
    );
  }
  return {
    ...parsed.data,
    dir,
    signerKeyId: hex(key.keyId),
    catalogSha256: createHash('sha256').update(catalogBytes).digest('hex'),
  };
}

/**
 * A regular file of at most `max` bytes through the storage concern's bounded reader (no symlink, no FIFO,
 * device or directory, size checked from fstat before reading); null if absent.
 */
function readBounded(path: string, max: number, tooLarge: () => Error): Uint8Array | null {
  return readBoundedFileIfExistsSync(path, {
    maxBytes: max,
    symlinks: 'refuse',
    refuse: (why) =>
      why.kind === 'too-large' ? tooLarge() : new ModelCatalogError(`${path} ${describeRefusal(why)}`),
  });
}

/** Reads, authenticates and parses the catalog in `dir` (see the module header for the order of checks). */
export async function readCatalog(
  dir: string,
  pinnedVendorKeys: readonly VendorPublicKey[],
): Promise<ModelCatalog> {
  const bytes = readBounded(
    join(dir, CATALOG_FILE),
    CATALOG_MAX_BYTES,
    () => new ModelCatalogError(`${CATALOG_FILE} is too large`),
  );
  if (!bytes) throw new ModelCatalogError(`no model catalog in ${dir} (run "npm run models:build")`);
  const sig = readBounded(
    join(dir, CATALOG_SIG_FILE),
    CATALOG_SIG_MAX_BYTES,
    () => new CatalogSignatureError(`${CATALOG_SIG_FILE} is too large`),
  );
  if (!sig) {
    throw new CatalogSignatureError(
      `the model catalog is not signed (${CATALOG_SIG_FILE} is missing); refusing to use it`,
    );
  }
  return verifyCatalog(bytes, sig, pinnedVendorKeys, dir);
}

/**
 * Who signs the models the pinned list trusts (AppStatus.signing). Anything unreadable or malformed says
 * 'development': without a valid list nothing loads, and the status must never claim a release key it
 * cannot show.
 */
export function readPinnedSigning(path: string): SigningKind {
  try {
    const bytes = readBounded(
      path,
      64 * 1024,
      () => new ModelCatalogError('the pinned vendor-key list is too large'),
    );
    return bytes ? parsePinnedVendorKeyList(bytes).signing : 'development';
  } catch {
    return 'development';
  }
}

/** Reads the app's pinned vendor-key list (see app-paths.ts for where it lives and why). */
export async function readPinnedKeys(path: string): Promise<VendorPublicKey[]> {
  const bytes = readBounded(
    path,
    64 * 1024,
    () => new ModelCatalogError('the pinned vendor-key list is too large'),
  );
  if (!bytes) throw new ModelCatalogError('no pinned vendor keys found (run "npm run models:build")');
  return parsePinnedVendorKeys(bytes);
}
