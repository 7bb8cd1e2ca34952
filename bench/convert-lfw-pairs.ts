/**
 * Scratch LFW measurement of the converted embedders WITHOUT the face pipeline (no detector, no alignment):
 * every image is the fixed centre crop FACE_CROP of the 250x250 LFW image. Prints
 *  1. tfjs (Human's own faceres / blazeface in @tensorflow/tfjs CPU) vs converted ONNX on the first N pairs:
 *     max |Δ cosine score| and decision agreement, max relative blazeface output difference;
 *  2. pair accuracy of faceres (ONNX) and face-api recognition (ONNX) on folds 1..F, threshold chosen on the
 *     other folds (leave-one-fold-out). A crude-alignment lower bound, not the pipeline's figure.
 * Usage: node bench/convert-lfw-pairs.ts [folds=2] [tfjsPairs=20]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildRecognitionNetFile } from '../tools/convert/face-api/recognition-net.ts';
import { convertGraphModelFile } from '../tools/convert/tfjs-graph/convert.ts';
import { FACE_CROP, FULL_IMAGE, loadCrop } from '../test/integration/convert/lfw-crops.ts';
import {
  compare,
  cosine,
  loadTfjsGraphModel,
  runOnnx,
  runTfjs,
} from '../test/integration/convert/tfjs-reference.ts';
import { lfwDir, projectRoot } from '../test/support/shared-data.ts';

const folds = Number(process.argv[2] ?? 2);
const tfjsPairs = Number(process.argv[3] ?? 20);
const lines = readFileSync(join(lfwDir(), 'pairs.txt'), 'utf8').trim().split('\n');
const [nFolds, perFold] = (lines[0] ?? '').split(/\s+/).map(Number);
if (nFolds === undefined || perFold === undefined) throw new Error('bad pairs.txt header');
const img = (name: string, i: string): string =>
  join(lfwDir(), 'images', name, `${name}_${i.padStart(4, '0')}.jpg`);
interface Pair {
  a: string;
  b: string;
  same: boolean;
  fold: number;
}
const pairs: Pair[] = [];
let at = 1;
for (let f = 0; f < Math.min(folds, nFolds); f += 1) {
  for (let k = 0; k < 2 * perFold; k += 1) {
    const p = (lines[at + k] ?? '').trim().split(/\s+/);
    if (p.length === 3)
      pairs.push({ a: img(p[0] ?? '', p[1] ?? ''), b: img(p[0] ?? '', p[2] ?? ''), same: true, fold: f });
    else pairs.push({ a: img(p[0] ?? '', p[1] ?? ''), b: img(p[2] ?? '', p[3] ?? ''), same: false, fold: f });
  }
  at += 2 * perFold;
}

const opts: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1 };
const facesJson = join(projectRoot, 'node_modules/@vladmandic/human/models/faceres.json');
const blazeJson = join(projectRoot, 'node_modules/@vladmandic/human/models/blazeface.json');
const faceres = await ort.InferenceSession.create(convertGraphModelFile(facesJson).onnx, opts);
const blaze = await ort.InferenceSession.create(convertGraphModelFile(blazeJson).onnx, opts);
const fa = buildRecognitionNetFile(
  join(projectRoot, 'node_modules/@vladmandic/face-api/model/face_recognition_model-weights_manifest.json'),
);
const faceapi = await ort.InferenceSession.create(fa.onnx, opts);

const cache = new Map<string, { res: Float32Array; fa: Float32Array }>();
const embed = async (path: string): Promise<{ res: Float32Array; fa: Float32Array }> => {
  const hit = cache.get(path);
  if (hit !== undefined) return hit;
  const x224 = await loadCrop(path, FACE_CROP, 224, (p) => p);
  const x150 = await loadCrop(path, FACE_CROP, 150, (p) => p);
  const res = (await runOnnx(faceres, 'input_1', x224, [1, 224, 224, 3]))['global_pooling/Mean'];
  const f = (await runOnnx(faceapi, fa.inputName, x150, [1, 150, 150, 3]))[fa.outputName];
  if (res === undefined || f === undefined) throw new Error('missing output');
  const e = { res: Float32Array.from(res), fa: Float32Array.from(f) };
  cache.set(path, e);
  return e;
};

// 1. tfjs vs ONNX on the first pairs.
const tfRes = await loadTfjsGraphModel(facesJson);
const tfBlaze = await loadTfjsGraphModel(blazeJson);
let maxScoreDiff = 0;
let maxBlazeRel = 0;
let disagreements = 0;
const sample = pairs
  .filter((_, i) => i % Math.max(1, Math.floor(pairs.length / tfjsPairs)) === 0)
  .slice(0, tfjsPairs);
for (const p of sample) {
  const onnx = [await embed(p.a), await embed(p.b)];
  const tf = await Promise.all(
    [p.a, p.b].map(
      async (q) =>
        runTfjs(
          tfRes,
          await loadCrop(q, FACE_CROP, 224, (v) => v),
          [1, 224, 224, 3],
          ['global_pooling/Mean'],
        )[0] ?? new Float32Array(),
    ),
  );
  const sOnnx = cosine(onnx[0]?.res ?? new Float32Array(), onnx[1]?.res ?? new Float32Array());
  const sTf = cosine(tf[0] ?? new Float32Array(), tf[1] ?? new Float32Array());
  maxScoreDiff = Math.max(maxScoreDiff, Math.abs(sOnnx - sTf));
  if (sOnnx > 0.5 !== sTf > 0.5) disagreements += 1;
  for (const q of [p.a, p.b]) {
    const x = await loadCrop(q, FULL_IMAGE, 256, (v) => v / 127.5 - 1);
    const o = await runOnnx(blaze, 'input', x, [1, 256, 256, 3]);
    const r = runTfjs(tfBlaze, x, [1, 256, 256, 3], ['Identity', 'Identity_1', 'Identity_2', 'Identity_3']);
    ['Identity', 'Identity_1', 'Identity_2', 'Identity_3'].forEach((k, i) => {
      const ref = r[i];
      const got = o[k];
      if (ref !== undefined && got !== undefined) maxBlazeRel = Math.max(maxBlazeRel, compare(ref, got).rel);
    });
  }
}
console.log(
  `tfjs vs ONNX on ${sample.length} LFW pairs: faceres max |Δ cosine| ${maxScoreDiff.toExponential(2)}, decisions differing at 0.5: ${disagreements}; blazeface max rel diff ${maxBlazeRel.toExponential(2)}`,
);

// 2. Pair accuracy, leave-one-fold-out threshold.
const scored: Array<Pair & { sRes: number; sFa: number }> = [];
const t0 = performance.now();
for (const p of pairs) {
  const [a, b] = [await embed(p.a), await embed(p.b)];
  scored.push({
    ...p,
    sRes: cosine(a.res, b.res),
    sFa: -Math.hypot(...a.fa.map((v, i) => v - (b.fa[i] ?? 0))),
  });
}
const ms = (performance.now() - t0) / cache.size;
const acc = (key: 'sRes' | 'sFa'): number => {
  let correct = 0;
  for (let f = 0; f < folds; f += 1) {
    const train = scored.filter((s) => s.fold !== f || folds === 1);
    const cands = train.map((s) => s[key]).sort((x, y) => x - y);
    let best = 0;
    let bestT = 0;
    for (const t of cands) {
      const c = train.filter((s) => s[key] >= t === s.same).length;
      if (c > best) {
        best = c;
        bestT = t;
      }
    }
    correct += scored.filter((s) => s.fold === f && s[key] >= bestT === s.same).length;
  }
  return correct / scored.length;
};
console.log(
  `${scored.length} pairs (${folds} folds, ${cache.size} images, ${ms.toFixed(0)} ms/image for crop+both embedders):`,
);
console.log(`  faceres (cosine), centre crop: ${(100 * acc('sRes')).toFixed(2)}%`);
console.log(`  face-api recognition (euclidean), centre crop: ${(100 * acc('sFa')).toFixed(2)}%`);
