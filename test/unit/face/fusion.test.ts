import { describe, expect, it } from 'vitest';
import { checkFusion } from '../../../src/main/model/model-service.ts';
import { fuse } from '../../../src/main/face/pipeline.ts';
import { cosine } from '../../../src/main/face/match.ts';
import { NPM_DESCRIPTORS } from '../../../tools/npm-descriptors.ts';

const unit = (n: number, seed: number): Float32Array => {
  let s = seed >>> 0;
  const v = Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
  const k = 1 / Math.hypot(...v);
  return v.map((x) => x * k);
};
const dot = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('score-level fusion of two embedders (pipeline.ts fuse)', () => {
  it('gives a unit vector whose dot product is w·cos₁ + (1 − w)·cos₂, and wipes its inputs', () => {
    for (const w of [0.5, 0.3, 0.9]) {
      const a1 = unit(192, 1),
        b1 = unit(128, 2),
        a2 = unit(192, 3),
        b2 = unit(128, 4);
      const want = w * dot(a1, a2) + (1 - w) * dot(b1, b2);
      const f1 = fuse(Float32Array.from(a1), Float32Array.from(b1), w);
      const f2 = fuse(Float32Array.from(a2), Float32Array.from(b2), w);
      expect(f1).toHaveLength(320);
      expect(dot(f1, f1)).toBeCloseTo(1, 5);
      expect(dot(f1, f2)).toBeCloseTo(want, 5);
      // The first part alone is the primary's direction: what the identity track compares.
      expect(cosine(f1.subarray(0, 192), f2.subarray(0, 192))).toBeCloseTo(dot(a1, a2), 5);
    }
    const a = unit(8, 5),
      b = unit(8, 6);
    fuse(a, b, 0.5);
    expect(a.every((x) => x === 0) && b.every((x) => x === 0)).toBe(true);
  });

  it('refuses a weight outside (0, 1)', () => {
    for (const w of [0, 1, -0.1, Number.NaN])
      expect(() => fuse(unit(4, 1), unit(4, 2), w)).toThrow(RangeError);
  });
});

describe('checkFusion (a joint threshold holds only for the embedder it was calibrated with)', () => {
  const fusion = {
    role: 'fusion',
    modelId: 'npm.faceapi-recognition.fp16',
    descriptor: NPM_DESCRIPTORS.faceapiRecognition,
  };
  const mfn = {
    role: 'embedder',
    modelId: 'npm.expo-mobilefacenet.fp16',
    descriptor: NPM_DESCRIPTORS.mobilefacenet,
  };
  const code = (f: () => void): string => {
    try {
      f();
      return 'OK';
    } catch (e) {
      return (e as { code?: string }).code ?? 'no code';
    }
  };
  it('accepts the shipped pair and a set without fusion', () => {
    expect(code(() => checkFusion([mfn, fusion]))).toBe('OK');
    expect(code(() => checkFusion([mfn]))).toBe('OK');
  });
  it('refuses another embedder, no embedder, and a fusion model without fusion settings', () => {
    expect(code(() => checkFusion([{ ...mfn, modelId: 'other' }, fusion]))).toBe('MODEL_CATALOG_INVALID');
    expect(code(() => checkFusion([fusion]))).toBe('MODEL_CATALOG_INVALID');
    const { fusion: _omit, ...plain } = NPM_DESCRIPTORS.faceapiRecognition;
    expect(code(() => checkFusion([mfn, { ...fusion, descriptor: plain }]))).toBe('MODEL_CATALOG_INVALID');
  });
});
