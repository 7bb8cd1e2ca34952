import { describe, expect, it } from 'vitest';
import { ConversionError } from '../../../tools/convert/errors.ts';
import { spatialPads, tfSamePads, windowOutputSize } from '../../../tools/convert/tfjs-graph/padding.ts';

describe('TF padding maths', () => {
  it('SAME splits odd totals with the extra pixel after (TF), e.g. 8 -> 4 with k3 s2', () => {
    expect(tfSamePads(8, 3, 2)).toEqual([0, 1]);
    expect(tfSamePads(7, 3, 2)).toEqual([1, 1]);
    expect(tfSamePads(256, 5, 2)).toEqual([1, 2]);
    expect(tfSamePads(224, 3, 2)).toEqual([0, 1]);
  });

  it('SAME keeps ceil(in / stride) outputs for many sizes, kernels, strides and dilations', () => {
    for (let n = 1; n <= 40; n += 1)
      for (const k of [1, 2, 3, 5, 7])
        for (const s of [1, 2, 3])
          for (const d of [1, 2]) {
            const [b, a] = tfSamePads(n, k, s, d);
            expect(b).toBeLessThanOrEqual(a);
            expect(a - b).toBeLessThanOrEqual(1);
            expect(windowOutputSize(n, k, s, d, b, a)).toBe(Math.ceil(n / s));
          }
  });

  it('dilation widens the kernel: k3 d2 stride 1 pads 2 each side', () => {
    expect(tfSamePads(9, 3, 1, 2)).toEqual([2, 2]);
  });

  it('VALID is zero padding; EXPLICIT reads NHWC pairs', () => {
    expect(spatialPads('VALID', [10, 10], [3, 3], [2, 2], [1, 1])).toEqual([0, 0, 0, 0]);
    expect(spatialPads('EXPLICIT', [10, 10], [3, 3], [1, 1], [1, 1], [0, 0, 1, 2, 3, 4, 0, 0])).toEqual([
      1, 3, 2, 4,
    ]);
  });

  it('SAME with stride > 1 on an unknown size is an error, stride 1 is size-independent', () => {
    expect(() => spatialPads('SAME', [-1, -1], [3, 3], [2, 2], [1, 1])).toThrow(ConversionError);
    expect(spatialPads('SAME', [-1, -1], [3, 4], [1, 1], [1, 1])).toEqual([1, 1, 1, 2]);
  });

  it('EXPLICIT padding of batch or channels is refused', () => {
    expect(() => spatialPads('EXPLICIT', [4, 4], [3, 3], [1, 1], [1, 1], [1, 0, 0, 0, 0, 0, 0, 0])).toThrow(
      /batch\/channel/,
    );
  });
});
