/**
 * settledMedian (src/main/auth/face-decisions.ts): an attempt decided early must be decided exactly as the
 * whole attempt would have been. Table of the cases that matter for the app's 3-frame attempt, then an
 * exhaustive check on a grid of scores: whenever a prefix is settled, every completion of the attempt (each
 * missing frame unusable or scoring any grid value) gives that outcome under the plain median rule.
 */
import { describe, expect, it } from 'vitest';
import { settledMedian } from '../../../src/main/auth/face-decisions.ts';

const T = 0.6;
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const full = (xs: number[], minGood: number) =>
  xs.length < minGood ? 'retry' : median(xs) >= T ? 'accept' : 'reject';

describe('settledMedian', () => {
  it.each([
    { scores: [0.8, 0.7], toCome: 1, want: 'accept' },
    { scores: [0.2, 0.5], toCome: 1, want: 'reject' },
    { scores: [0.8, 0.3], toCome: 1, want: undefined },
    { scores: [0.8], toCome: 2, want: undefined },
    { scores: [], toCome: 1, want: 'retry' },
    { scores: [0.8], toCome: 0, want: 'retry' },
    { scores: [0.8, 0.7, 0.1], toCome: 0, want: 'accept' },
    { scores: [0.6, 0.6], toCome: 1, want: 'accept' },
  ] as const)('$scores with $toCome to come → $want', ({ scores, toCome, want }) => {
    expect(settledMedian([...scores], toCome, 2, T)).toBe(want);
  });

  it('a settled prefix agrees with every completion of the attempt (K = 3 and 5, min 2 usable)', () => {
    const grid = [-0.2, 0.3, 0.59, 0.6, 0.61, 0.9];
    const completions = (left: number): (number | null)[][] =>
      left === 0 ? [[]] : completions(left - 1).flatMap((c) => [null, ...grid].map((g) => [g, ...c]));
    let settledSeen = 0;
    for (const k of [3, 5]) {
      for (let seen = 0; seen <= k; seen++) {
        for (const prefix of completions(seen)) {
          const scores = prefix.filter((x): x is number => x !== null);
          const got = settledMedian(scores, k - seen, 2, T);
          if (got === undefined) continue;
          settledSeen++;
          for (const rest of completions(k - seen)) {
            const all = [...scores, ...rest.filter((x): x is number => x !== null)];
            expect(full(all, 2), `${JSON.stringify(prefix)} + ${JSON.stringify(rest)}`).toBe(got);
          }
        }
      }
    }
    expect(settledSeen).toBeGreaterThan(1000);
  });

  it('refuses a nonsensical frame count', () => {
    expect(() => settledMedian([], -1, 2, T)).toThrow(RangeError);
    expect(() => settledMedian([], 1.5, 2, T)).toThrow(RangeError);
  });
});
