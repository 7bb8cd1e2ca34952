import { describe, expect, it } from 'vitest';
import { l2normalize } from '../../../src/main/face/embed.ts';
import {
  buildTemplate,
  cosine,
  dot,
  rateAtOrAbove,
  scoreTemplate,
  thresholdForFar,
} from '../../../src/main/face/match.ts';

const unit = (...v: number[]): Float32Array => l2normalize(Float32Array.from(v));

describe('cosine / dot', () => {
  it('gives 1, 0 and -1 for parallel, orthogonal and opposite vectors', () => {
    expect(cosine(Float32Array.of(1, 2, 3), Float32Array.of(2, 4, 6))).toBeCloseTo(1, 6);
    expect(cosine(Float32Array.of(1, 0), Float32Array.of(0, 5))).toBe(0);
    expect(cosine(Float32Array.of(1, 1), Float32Array.of(-2, -2))).toBeCloseTo(-1, 6);
  });
  it('treats a zero vector as similarity 0 and rejects length mismatches', () => {
    expect(cosine(new Float32Array(3), Float32Array.of(1, 2, 3))).toBe(0);
    expect(() => dot(new Float32Array(2), new Float32Array(3))).toThrow(RangeError);
  });
});

describe('templates', () => {
  const a = unit(1, 0, 0),
    b = unit(0, 1, 0),
    c = unit(1, 1, 0);
  it('mean template is the renormalised mean of the unit embeddings', () => {
    const t = buildTemplate([a, b]);
    expect(Array.from(t.mean)).toEqual(Array.from(unit(1, 1, 0)));
    expect(scoreTemplate(c, t, 'mean')).toBeCloseTo(1, 6);
  });
  it('max template takes the best single match', () => {
    const t = buildTemplate([a, b]);
    expect(scoreTemplate(a, t, 'max')).toBeCloseTo(1, 6);
    expect(scoreTemplate(a, t, 'mean')).toBeCloseTo(Math.SQRT1_2, 6);
  });
  it('copies its inputs and refuses empty or ragged input', () => {
    const e = unit(1, 2, 3);
    const t = buildTemplate([e]);
    e[0] = 99;
    expect(t.embeddings[0]![0]).not.toBe(99);
    expect(() => buildTemplate([])).toThrow(RangeError);
    expect(() => buildTemplate([unit(1, 0), unit(1, 0, 0)])).toThrow(RangeError);
  });
});

describe('thresholdForFar', () => {
  it('accepts at most FAR·M impostors, on a known distribution', () => {
    const m = 10_000;
    const scores = new Float32Array(m);
    for (let i = 0; i < m; i++) scores[i] = i / m; // 0 .. 0.9999
    for (const far of [1e-1, 1e-2, 1e-3, 1e-4]) {
      const t = thresholdForFar(scores, far);
      const accepted = rateAtOrAbove(scores, t);
      expect(accepted).toBeLessThanOrEqual(far);
      expect(accepted).toBeGreaterThanOrEqual(far - 1 / m);
    }
  });
  it('rejects every impostor when FAR·M < 1 and handles ties by rejecting them', () => {
    const scores = Float32Array.of(0.5, 0.5, 0.5, 0.1);
    const t = thresholdForFar(scores, 0.2);
    expect(rateAtOrAbove(scores, t)).toBe(0);
    expect(t).toBeGreaterThan(0.5);
  });
  it('refuses a FAR outside (0, 1)', () => {
    expect(() => thresholdForFar(Float32Array.of(0.1), 0)).toThrow(RangeError);
    expect(() => thresholdForFar(Float32Array.of(0.1), 1)).toThrow(RangeError);
  });
});
