/**
 * Landmark / alignment sweep for the default set (issue 13): one BlazeFace detection per LFW pair image, then
 * several ways to get the five ArcFace points, each embedded with the shipped MobileFaceNet (flip TTA), all in
 * one process so the arms see the same images and detections:
 *   npm run bench:align-sweep -- [--limit N] [--variants a,b,...]
 * Variants: blazeface (the detector's own points), onet (shipped before: one O-Net pass on the box),
 * onet-flip (O-Net on the crop and its mirror, points averaged), onet-2pass (a second O-Net pass on the box
 * its first pass regressed, as MTCNN's cascade calibrates), onet-2pass-flip, onet-s<scale> (crop scale).
 * Prints per-variant LFW k-fold accuracy over the chosen pairs (every stride-th of pairs.txt; an undetected image
 * rejects its pair) and all-pairs TAR at FAR 1e-3 / 1e-4 among their images; the last line is one JSON object. Needs `npm run models:build`.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import ort from 'onnxruntime-node';
import { warpToTensor } from '../src/main/face/align.ts';
import type { Detection } from '../src/main/face/detection.ts';
import type { Frame } from '../src/main/face/frame.ts';
import { createDetector, createEmbedder } from '../src/main/face/pipeline.ts';
import { createOnetRefiner, type OnetOptions } from '../src/main/face/landmarks-onet.ts';
import { pickPrimaryFace } from '../src/main/face/quality.ts';
import { NPM_DESCRIPTORS } from '../tools/npm-descriptors.ts';
import { lfwDir } from '../test/support/shared-data.ts';
import { loadBlazeface, loadMobileFaceNet, loadNpmModel, npmModelsDir } from './lib/default-models.ts';
import { loadFrame } from './lib/images.ts';
import { parsePairs } from './lib/lfw.ts';
import { allPairScores, kFoldAccuracy, sortDescending, tarAtFar } from './lib/metrics.ts';

const { values: args } = parseArgs({
  options: { limit: { type: 'string' }, variants: { type: 'string' } },
});

const VARIANTS: Record<string, OnetOptions | 'blazeface' | 'mesh' | 'mesh-onet'> = {
  blazeface: 'blazeface',
  mesh: 'mesh',
  'mesh-onet': 'mesh-onet',
  onet: { passes: 1, flip: false },
  'onet-flip': { passes: 1, flip: true },
  'onet-2pass': { passes: 2, flip: false },
  'onet-2pass-flip': { passes: 2, flip: true },
  'onet-3pass-flip': { passes: 3, flip: true },
  'onet-s1.1': { passes: 1, flip: false, boxScale: 1.1 },
  'onet-s0.9': { passes: 1, flip: false, boxScale: 0.9 },
};
const names = (args.variants ?? Object.keys(VARIANTS).join(',')).split(',');
for (const v of names) if (!(v in VARIANTS)) throw new Error(`unknown variant ${v}`);

const lfw = parsePairs(join(lfwDir(), 'pairs.txt'));
const limit = args.limit === undefined ? lfw.pairs.length : Number(args.limit);
// A subset keeps every fold and both kinds of pair: every stride-th pair of the list (pairs.txt lists each
// fold's matched pairs before its mismatched ones, so the first N pairs of a fold are all matched).
const stride = Math.max(1, Math.floor(lfw.pairs.length / limit));
const pairs = lfw.pairs.filter((_, i) => i % stride === 0).slice(0, limit);
const keys = [...new Set(pairs.flatMap((p) => [p.a, p.b]))];

// One intra-op thread, as the app's worker runs them (pipeline-worker-host.ts).
const sessionOptions = { intraOpNumThreads: 1 };
const detector = createDetector(await loadBlazeface(sessionOptions));
const embedder = createEmbedder(await loadMobileFaceNet(sessionOptions), true);
const onetModel = await loadNpmModel('expo-onet', NPM_DESCRIPTORS.onet, sessionOptions);
const onetDefault = createOnetRefiner(onetModel, { passes: 1, flip: false });
const meshSession = names.some((v) => v.startsWith('mesh'))
  ? await ort.InferenceSession.create(join(npmModelsDir(), 'human-facemesh.onnx'), {
      ...sessionOptions,
      logSeverityLevel: 3,
    })
  : undefined;
const meshPlanes = new Float32Array(3 * 192 * 192);
const meshInput = new Float32Array(3 * 192 * 192);
/** MediaPipe FaceMesh on the detector box × 1.4, squared (Human's first pass), mapped to the five ArcFace points. */
async function meshPoints(frame: Frame, face: Detection): Promise<Float32Array | undefined> {
  const side = Math.max(face.x2 - face.x1, face.y2 - face.y1) * 1.4;
  const left = (face.x1 + face.x2) / 2 - side / 2,
    top = (face.y1 + face.y2) / 2 - side / 2;
  const k = 192 / side;
  warpToTensor(
    frame,
    { a: k, b: 0, tx: -left * k + 0.5 * (k - 1), ty: -top * k + 0.5 * (k - 1) },
    { channelOrder: 'rgb', mean: [0, 0, 0], std: [255, 255, 255] },
    { out: meshPlanes, offset: 0, size: 192 },
  );
  const plane = 192 * 192;
  for (let i = 0; i < plane; i++)
    for (let c = 0; c < 3; c++) meshInput[3 * i + c] = meshPlanes[c * plane + i]!;
  const r = await meshSession!.run({ input_1: new ort.Tensor('float32', meshInput, [1, 192, 192, 3]) });
  const flag = (r['output_faceflag']!.data as Float32Array)[0]!;
  if (!(flag >= 0.5)) return undefined;
  const mesh = r['output_mesh']!.data as Float32Array;
  const at = (ids: readonly number[]): [number, number] => {
    let x = 0,
      y = 0;
    for (const i of ids) {
      x += mesh[3 * i]!;
      y += mesh[3 * i + 1]!;
    }
    return [left + x / ids.length / k, top + y / ids.length / k];
  };
  // Eye centres: mean of each eye's contour (MediaPipe eyeUpper0 + eyeLower0); nose tip 1; mouth corners 61, 291.
  const eyeA = at([246, 161, 160, 159, 158, 157, 173, 33, 7, 163, 144, 145, 153, 154, 155, 133]);
  const eyeB = at([466, 388, 387, 386, 385, 384, 398, 263, 249, 390, 373, 374, 380, 381, 382, 362]);
  const nose = at([1]);
  const mA = at([61]),
    mB = at([291]);
  const [e0, e1] = eyeA[0] <= eyeB[0] ? [eyeA, eyeB] : [eyeB, eyeA];
  const [m0, m1] = mA[0] <= mB[0] ? [mA, mB] : [mB, mA];
  return Float32Array.of(...e0, ...e1, ...nose, ...m0, ...m1);
}

const refiners = new Map(
  names
    .filter((v) => typeof VARIANTS[v] === 'object')
    .map((v) => [v, createOnetRefiner(onetModel, VARIANTS[v] as OnetOptions)] as const),
);

const emb = new Map<string, (Float32Array | undefined)[]>();
const t0 = performance.now();
for (const [i, key] of keys.entries()) {
  const frame = await loadFrame(join(lfwDir(), 'images', key));
  const faces = await detector.detect(frame);
  const face = pickPrimaryFace(faces, frame);
  const row: (Float32Array | undefined)[] = [];
  for (const v of names) {
    if (face === undefined) {
      row.push(undefined);
      continue;
    }
    const spec = VARIANTS[v];
    let landmarks: Float32Array = face.landmarks;
    if (spec === 'mesh' || spec === 'mesh-onet') {
      const m = await meshPoints(frame, face);
      if (m !== undefined && spec === 'mesh') landmarks = m;
      if (m !== undefined && spec === 'mesh-onet') {
        // Mesh eyes and nose, O-Net's mouth corners (the mesh's lip corners sit at the lips' outer edge).
        const o = (await onetDefault.refine(frame, face)).landmarks;
        landmarks = Float32Array.of(m[0]!, m[1]!, m[2]!, m[3]!, m[4]!, m[5]!, o[6]!, o[7]!, o[8]!, o[9]!);
      }
    } else {
      const refiner = refiners.get(v);
      if (refiner !== undefined) landmarks = (await refiner.refine(frame, face)).landmarks;
    }
    row.push(await embedder.embed(frame, landmarks));
  }
  emb.set(key, row);
  if ((i + 1) % 100 === 0)
    process.stderr.write(
      `${i + 1}/${keys.length} images, ${((performance.now() - t0) / 1000).toFixed(0)} s\n`,
    );
}

const dot = (a: Float32Array, b: Float32Array): number => {
  let s = 0;
  for (let d = 0; d < a.length; d++) s += a[d]! * b[d]!;
  return s;
};
// All-pairs operating points over the images (sorted by key, so each identity's images are contiguous).
const identityOf = new Map<string, number>();
const imageIds = Int32Array.from(keys.toSorted(), (k) => {
  const name = k.split('/')[0]!;
  if (!identityOf.has(name)) identityOf.set(name, identityOf.size);
  return identityOf.get(name)!;
});
const sortedKeys = keys.toSorted();
const result: Record<
  string,
  { lfw_accuracy: number; std: number; errors: number; tar_at_1e3: number; tar_at_1e4: number }
> = {};
for (const [vi, v] of names.entries()) {
  const scores = Float64Array.from(pairs, (p) => {
    const a = emb.get(p.a)![vi],
      b = emb.get(p.b)![vi];
    return a === undefined || b === undefined ? -Infinity : dot(a, b);
  });
  const k = kFoldAccuracy(
    scores,
    Uint8Array.from(pairs, (p) => (p.same ? 1 : 0)),
    Int32Array.from(pairs, (p) => p.fold),
    lfw.folds,
  );
  const rows = sortedKeys.map((key) => emb.get(key)![vi]);
  const okIdx = rows.flatMap((e, i) => (e === undefined ? [] : [i]));
  const dim = rows[okIdx[0]!]!.length;
  const flat = new Float32Array(okIdx.length * dim);
  okIdx.forEach((i, j) => flat.set(rows[i]!, j * dim));
  const { genuine, impostor } = allPairScores(
    flat,
    okIdx.length,
    dim,
    Int32Array.from(okIdx, (i) => imageIds[i]!),
    'cosine',
  );
  sortDescending(genuine);
  sortDescending(impostor);
  const t3 = tarAtFar(genuine, impostor, 1e-3).tar,
    t4 = tarAtFar(genuine, impostor, 1e-4).tar;
  const errors = Math.round((1 - k.mean) * pairs.length);
  result[v] = { lfw_accuracy: k.mean, std: k.std, errors, tar_at_1e3: t3, tar_at_1e4: t4 };
  console.log(
    `${v}: LFW ${(100 * k.mean).toFixed(2)} % ± ${(100 * k.std).toFixed(2)} (~${errors} errors); all-pairs TAR@1e-3 ${(100 * t3).toFixed(2)} %, TAR@1e-4 ${(100 * t4).toFixed(2)} % (${impostor.length} impostor pairs)`,
  );
}
console.log(JSON.stringify({ pairs: pairs.length, images: keys.length, stride, variants: result }));
