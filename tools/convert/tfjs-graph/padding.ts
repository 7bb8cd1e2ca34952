/**
 * Convolution/pooling window maths with TensorFlow semantics (tensorflow/core/framework/kernel_shape_util.cc,
 * GetWindowedOutputSizeVerbose): for padding SAME the output size is ceil(in / stride) and the total padding
 * max((out - 1) * stride + effectiveKernel - in, 0) is split with the SMALLER half before and the larger half
 * after. That is what ONNX auto_pad=SAME_UPPER does too, but we always write explicit `pads` so the file does
 * not depend on a runtime's auto_pad implementation and unknown input sizes fail at conversion time.
 */
import { ConversionError } from '../errors.ts';

export type TfPadding = 'SAME' | 'VALID' | 'EXPLICIT';

export const effectiveKernel = (kernel: number, dilation: number): number => (kernel - 1) * dilation + 1;

/** [before, after] padding of one spatial dimension for TF padding SAME. */
export const tfSamePads = (
  inSize: number,
  kernel: number,
  stride: number,
  dilation = 1,
): [number, number] => {
  if (!(inSize > 0 && kernel > 0 && stride > 0 && dilation > 0)) {
    throw new ConversionError(
      `SAME padding needs positive sizes (in ${inSize}, kernel ${kernel}, stride ${stride}, dilation ${dilation})`,
    );
  }
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + effectiveKernel(kernel, dilation) - inSize, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
};

/** Output size of a windowed op given explicit pads (floor division, as TF and ONNX both use). */
export const windowOutputSize = (
  inSize: number,
  kernel: number,
  stride: number,
  dilation: number,
  padBefore: number,
  padAfter: number,
): number => Math.floor((inSize + padBefore + padAfter - effectiveKernel(kernel, dilation)) / stride) + 1;

/**
 * Pads for H and W as ONNX wants them: [hBegin, wBegin, hEnd, wEnd]. `inHW` may hold -1 (unknown) only when
 * the answer does not depend on it (VALID, EXPLICIT, or SAME with stride 1).
 */
export const spatialPads = (
  padding: TfPadding,
  inHW: readonly [number, number],
  kernelHW: readonly [number, number],
  strideHW: readonly [number, number],
  dilationHW: readonly [number, number],
  explicitNhwc: readonly number[] = [],
): [number, number, number, number] => {
  if (padding === 'VALID') return [0, 0, 0, 0];
  if (padding === 'EXPLICIT') {
    if (explicitNhwc.length !== 8)
      throw new ConversionError(`EXPLICIT padding needs 8 values, got ${explicitNhwc.length}`);
    const [n0, n1, t, b, l, r, c0, c1] = explicitNhwc;
    if (n0 !== 0 || n1 !== 0 || c0 !== 0 || c1 !== 0)
      throw new ConversionError('EXPLICIT padding of batch/channel dims is not supported');
    return [t ?? 0, l ?? 0, b ?? 0, r ?? 0];
  }
  const res: [number, number][] = [0, 1].map((i) => {
    const inSize = inHW[i] ?? -1;
    const k = kernelHW[i] ?? 1;
    const s = strideHW[i] ?? 1;
    const d = dilationHW[i] ?? 1;
    if (inSize < 0) {
      if (s !== 1) throw new ConversionError('SAME padding with stride > 1 needs a known input size');
      const total = effectiveKernel(k, d) - 1;
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    }
    return tfSamePads(inSize, k, s, d);
  });
  const [h, w] = res;
  return [h?.[0] ?? 0, w?.[0] ?? 0, h?.[1] ?? 0, w?.[1] ?? 0];
};
