/**
 * Figures for docs/models.md: per converted model and weight storage, ONNX size, ORT session-create time,
 * median single-image run time (ORT CPU, 1 intra-op thread), and for the embedders the cosine between the
 * fp32 descriptor and the fp16 / int8 one on real LFW face crops. Prints a Markdown table; asserts nothing.
 * Usage: node bench/convert-measure.ts [faces=20]
 */
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildRecognitionNetFile } from '../tools/convert/face-api/recognition-net.ts';
import type { WeightStorage } from '../tools/convert/onnx/onnx-writer.ts';
import { convertGraphModelFile } from '../tools/convert/tfjs-graph/convert.ts';
import {
  FACE_CROP,
  FULL_IMAGE,
  lfwSample,
  loadCrop,
  type Crop,
} from '../test/integration/convert/lfw-crops.ts';
import { cosine, runOnnx } from '../test/integration/convert/tfjs-reference.ts';
import { projectRoot } from '../test/support/shared-data.ts';

const nFaces = Number(process.argv[2] ?? 20);
const human = (m: string): string => join(projectRoot, 'node_modules/@vladmandic/human/models', `${m}.json`);
const faceApi = join(
  projectRoot,
  'node_modules/@vladmandic/face-api/model/face_recognition_model-weights_manifest.json',
);

interface Target {
  readonly id: string;
  readonly size: number;
  readonly crop: Crop;
  readonly norm: (p: number) => number;
  readonly output: string;
  readonly embedder: boolean;
  readonly build: (s: WeightStorage) => { onnx: Uint8Array; input: string };
}

const graph = (m: string) => (s: WeightStorage) => {
  const r = convertGraphModelFile(human(m), { weightStorage: s });
  return { onnx: r.onnx, input: r.inputs[0]?.name ?? '' };
};
const targets: Target[] = [
  {
    id: 'human-blazeface',
    size: 256,
    crop: FULL_IMAGE,
    norm: (p) => p / 127.5 - 1,
    output: 'Identity',
    embedder: false,
    build: graph('blazeface'),
  },
  {
    id: 'human-facemesh',
    size: 192,
    crop: FACE_CROP,
    norm: (p) => p / 255,
    output: 'output_mesh',
    embedder: false,
    build: graph('facemesh'),
  },
  {
    id: 'human-iris',
    size: 64,
    crop: { left: 80, top: 90, size: 48 },
    norm: (p) => p / 255,
    output: 'Identity',
    embedder: false,
    build: graph('iris'),
  },
  {
    id: 'human-antispoof',
    size: 128,
    crop: FACE_CROP,
    norm: (p) => p / 255,
    output: 'activation_4',
    embedder: false,
    build: graph('antispoof'),
  },
  {
    id: 'human-liveness',
    size: 32,
    crop: FACE_CROP,
    norm: (p) => p / 255,
    output: 'activation_6',
    embedder: false,
    build: graph('liveness'),
  },
  {
    id: 'human-faceres',
    size: 224,
    crop: FACE_CROP,
    norm: (p) => p,
    output: 'global_pooling/Mean',
    embedder: true,
    build: graph('faceres'),
  },
  {
    id: 'faceapi-recognition',
    size: 150,
    crop: FACE_CROP,
    norm: (p) => p,
    output: 'descriptor',
    embedder: true,
    build: (s) => ({ onnx: buildRecognitionNetFile(faceApi, { weightStorage: s }).onnx, input: 'input' }),
  },
];

const images = lfwSample(nFaces, 300);
const opts: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1 };
console.log(
  '| model | weights | size (MB) | session create (ms) | run (ms, median of 10) | cosine vs fp32 on LFW crops (min / mean) |',
);
console.log('|---|---|---|---|---|---|');
for (const t of targets) {
  const crops = await Promise.all(images.map((p) => loadCrop(p, t.crop, t.size, t.norm)));
  const fp32: Float32Array[] = [];
  for (const storage of t.embedder ? (['fp32', 'fp16', 'int8'] as const) : (['fp32', 'fp16'] as const)) {
    const { onnx, input } = t.build(storage);
    const c0 = performance.now();
    const s = await ort.InferenceSession.create(onnx, opts);
    const createMs = performance.now() - c0;
    const shape = [1, t.size, t.size, 3];
    const times: number[] = [];
    const outs: Float32Array[] = [];
    for (let i = 0; i < crops.length; i += 1) {
      const x = crops[i];
      if (x === undefined) continue;
      const r0 = performance.now();
      const out = (await runOnnx(s, input, x, shape))[t.output];
      if (i > 0 && times.length < 10) times.push(performance.now() - r0);
      if (out !== undefined) outs.push(Float32Array.from(out));
    }
    times.sort((a, b) => a - b);
    let cos = '—';
    if (storage === 'fp32') fp32.push(...outs);
    else {
      const cs = outs.map((o, i) => cosine(fp32[i] ?? o, o));
      cos = `${Math.min(...cs).toFixed(7)} / ${(cs.reduce((a, b) => a + b, 0) / cs.length).toFixed(7)}`;
    }
    console.log(
      `| ${t.id} | ${storage} | ${(onnx.length / 1e6).toFixed(2)} | ${createMs.toFixed(0)} | ${(times[Math.floor(times.length / 2)] ?? NaN).toFixed(1)} | ${cos} |`,
    );
    await s.release();
  }
}
