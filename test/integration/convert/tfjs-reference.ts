/**
 * Runs an original TF.js graph model with @tensorflow/tfjs (pure-JS CPU backend) from files on disk, and
 * runs converted ONNX models with onnxruntime-node, so the equivalence tests compare the two on the same
 * NHWC inputs. Also the comparison metric: max |ref - got| relative to max |ref|.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { parseModelJson } from '../../../tools/convert/tfjs-graph/model-json.ts';

let backendReady: Promise<void> | undefined;
export const tfjsCpu = async (): Promise<typeof tf> => {
  backendReady ??= (async () => {
    await tf.setBackend('cpu');
    await tf.ready();
  })();
  await backendReady;
  return tf;
};

/** A JSON object's field when it is itself an object (the model's own JSON, validated by parseModelJson). */
const objectField = (raw: unknown, key: string): object | undefined => {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const v: unknown = Reflect.get(raw, key);
  return typeof v === 'object' && v !== null ? v : undefined;
};

export const loadTfjsGraphModel = async (modelJsonPath: string): Promise<tf.GraphModel> => {
  await tfjsCpu();
  const text = readFileSync(modelJsonPath, 'utf8');
  const m = parseModelJson(text, modelJsonPath);
  const raw: unknown = JSON.parse(text);
  const parts: Uint8Array[] = [];
  for (const g of m.weightsManifest)
    for (const p of g.paths) parts.push(new Uint8Array(readFileSync(join(dirname(modelJsonPath), p))));
  const total = parts.reduce((a, p) => a + p.length, 0);
  const data = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.length;
  }
  const handler = tf.io.fromMemory({
    modelTopology: objectField(raw, 'modelTopology'),
    signature: objectField(raw, 'signature'),
    format: m.format ?? 'graph-model',
    weightSpecs: m.weightsManifest.flatMap((g) => g.weights),
    weightData: data.buffer,
  });
  const model = await tf.loadGraphModel(handler);
  return model;
};

/** Runs the TF.js model on one NHWC float input and returns the named outputs as flat arrays. */
export const runTfjs = (
  model: tf.GraphModel,
  input: Float32Array,
  shape: number[],
  outputs: readonly string[],
): Float32Array[] => {
  const x = tf.tensor(input, shape, 'float32');
  try {
    const res = model.execute(x, [...outputs]);
    const list = Array.isArray(res) ? res : [res];
    const out = list.map((t) => Float32Array.from(t.dataSync()));
    for (const t of list) t.dispose();
    return out;
  } finally {
    x.dispose();
  }
};

export const runOnnx = async (
  session: ort.InferenceSession,
  inputName: string,
  input: Float32Array,
  shape: number[],
): Promise<Record<string, Float32Array>> => {
  const res = await session.run({ [inputName]: new ort.Tensor('float32', input, shape) });
  const out: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(res)) {
    if (!(v.data instanceof Float32Array)) throw new Error(`output ${k} is not float32`);
    out[k] = v.data;
  }
  return out;
};

export interface Diff {
  readonly maxAbs: number;
  readonly scale: number;
  readonly rel: number;
}

export const compare = (ref: Float32Array, got: Float32Array): Diff => {
  if (ref.length !== got.length) throw new Error(`length ${got.length} != reference ${ref.length}`);
  let maxAbs = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i += 1) {
    const r = ref[i] ?? 0;
    const g = got[i] ?? 0;
    if (!Number.isFinite(g) || !Number.isFinite(r)) return { maxAbs: Infinity, scale, rel: Infinity };
    maxAbs = Math.max(maxAbs, Math.abs(r - g));
    scale = Math.max(scale, Math.abs(r));
  }
  return { maxAbs, scale, rel: scale > 0 ? maxAbs / scale : maxAbs };
};

/** Deterministic pseudo-random floats in [lo, hi) (mulberry32). */
export const randomTensor = (n: number, seed: number, lo = 0, hi = 1): Float32Array => {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 1) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  }
  return out;
};

export const cosine = (a: Float32Array, b: Float32Array): number => {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i += 1) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return ab / Math.sqrt(aa * bb);
};
