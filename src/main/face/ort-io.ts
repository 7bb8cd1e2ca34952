/**
 * The only place that builds onnxruntime tensors and reads their outputs, so each stage stays about maths.
 * Outputs are checked to be float32 with the expected element count before any decoding reads them.
 */
import ort from 'onnxruntime-node';
import type { InferenceSession } from 'onnxruntime-node';
import { ModelFamilyError } from './errors.ts';

export type OrtResults = InferenceSession.OnnxValueMapType;

/** Wraps a Float32Array (no copy) as a float32 tensor. */
export const floatTensor = (data: Float32Array, dims: readonly number[]): ort.Tensor =>
  new ort.Tensor('float32', data, dims);

/** Runs a single-input session; the loop is released while onnxruntime computes on its own threads. */
export async function runSingle(
  session: InferenceSession,
  input: ort.Tensor,
  inputName?: string,
): Promise<OrtResults> {
  const name = inputName ?? session.inputNames[0];
  if (name === undefined) throw new ModelFamilyError('model has no inputs');
  return session.run({ [name]: input });
}

/** A float32 output by name, with its element count checked when `expected` is given. */
export function floatOutput(results: OrtResults, name: string, expected?: number): Float32Array {
  const value = results[name];
  if (value === undefined) throw new ModelFamilyError(`model output ${name} is missing`);
  const data: unknown = value.data;
  if (!(data instanceof Float32Array)) throw new ModelFamilyError(`model output ${name} is not float32`);
  if (expected !== undefined && data.length !== expected) {
    throw new ModelFamilyError(`model output ${name} has ${data.length} values, expected ${expected}`);
  }
  return data;
}

/** Output dims by name (for decoders that identify outputs by shape). */
export function outputDims(results: OrtResults, name: string): readonly number[] {
  const value = results[name];
  if (value === undefined) throw new ModelFamilyError(`model output ${name} is missing`);
  return value.dims;
}
