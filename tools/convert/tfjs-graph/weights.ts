/**
 * Decodes the weights of a TF.js weights manifest (graph models and face-api nets use the same format):
 * each group's shards are concatenated in order and its weights laid out back to back. Quantized weights
 * are dequantized exactly as tfjs-core's io/io_utils decodeWeights does: uint8/uint16 as q * scale + min,
 * float16 as IEEE half. Sizes are checked: a short or long group is an error naming the weight.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConversionError } from '../errors.ts';
import { halfToFloat } from '../../../src/main/model/onnx/float16.ts';
import type { WeightEntry, WeightsManifest } from './model-json.ts';

export interface DecodedTensor {
  readonly dtype: 'float32' | 'int32' | 'bool';
  readonly shape: readonly number[];
  readonly data: Float32Array | Int32Array | Uint8Array;
}

const count = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

const byteLength = (w: WeightEntry): number => {
  const n = count(w.shape);
  const q = w.quantization?.dtype;
  if (q === 'uint8') return n;
  if (q === 'uint16' || q === 'float16') return n * 2;
  return w.dtype === 'bool' ? n : n * 4;
};

const decodeOne = (w: WeightEntry, view: DataView, offset: number): DecodedTensor => {
  const n = count(w.shape);
  const q = w.quantization;
  if (q !== undefined) {
    if (w.dtype !== 'float32' && w.dtype !== 'int32')
      throw new ConversionError(`weight "${w.name}": quantized ${w.dtype} is not supported`);
    const out = w.dtype === 'float32' ? new Float32Array(n) : new Int32Array(n);
    if (q.dtype === 'float16') {
      if (w.dtype !== 'float32')
        throw new ConversionError(`weight "${w.name}": float16 quantization of ${w.dtype}`);
      for (let i = 0; i < n; i += 1) out[i] = halfToFloat(view.getUint16(offset + 2 * i, true));
      return { dtype: w.dtype, shape: w.shape, data: out };
    }
    if (q.scale === undefined || q.min === undefined)
      throw new ConversionError(`weight "${w.name}": ${q.dtype} quantization without scale/min`);
    for (let i = 0; i < n; i += 1) {
      const v = q.dtype === 'uint8' ? view.getUint8(offset + i) : view.getUint16(offset + 2 * i, true);
      out[i] = v * q.scale + q.min;
    }
    return { dtype: w.dtype, shape: w.shape, data: out };
  }
  if (w.dtype === 'float32') {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i += 1) out[i] = view.getFloat32(offset + 4 * i, true);
    return { dtype: 'float32', shape: w.shape, data: out };
  }
  if (w.dtype === 'int32') {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i += 1) out[i] = view.getInt32(offset + 4 * i, true);
    return { dtype: 'int32', shape: w.shape, data: out };
  }
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 1) out[i] = view.getUint8(offset + i);
  return { dtype: 'bool', shape: w.shape, data: out };
};

/** Decodes every weight; `readShard` returns the bytes of one shard path (relative to the manifest). */
export const decodeWeights = (
  manifest: WeightsManifest,
  readShard: (path: string) => Uint8Array,
): Map<string, DecodedTensor> => {
  const out = new Map<string, DecodedTensor>();
  for (const group of manifest) {
    const parts = group.paths.map(readShard);
    const total = parts.reduce((a, p) => a + p.length, 0);
    const buf = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      buf.set(p, at);
      at += p.length;
    }
    const view = new DataView(buf.buffer);
    let offset = 0;
    for (const w of group.weights) {
      const len = byteLength(w);
      if (offset + len > total) {
        throw new ConversionError(
          `weight "${w.name}" needs bytes ${offset}..${offset + len} but shards ${group.paths.join(',')} hold ${total}`,
        );
      }
      if (out.has(w.name)) throw new ConversionError(`weight "${w.name}" appears twice in the manifest`);
      out.set(w.name, decodeOne(w, view, offset));
      offset += len;
    }
    if (offset !== total) {
      throw new ConversionError(
        `shards ${group.paths.join(',')} hold ${total} bytes but the manifest describes ${offset}`,
      );
    }
  }
  return out;
};

export const shardReader =
  (dir: string) =>
  (path: string): Uint8Array => {
    if (path.includes('..') || path.startsWith('/'))
      throw new ConversionError(`shard path "${path}" escapes the model folder`);
    return new Uint8Array(readFileSync(join(dir, path)));
  };
