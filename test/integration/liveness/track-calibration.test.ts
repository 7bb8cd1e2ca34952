/**
 * Calibration of the identity track's appearance bounds (identity-track.ts, DEFAULT_TRACK_LIMITS in
 * unlock-attempt.ts) on real pictures through the shipped pipeline (BlazeFace → O-Net → MobileFaceNet, flip):
 * - the owner: the face clip's one shot (15-fps frames 54–117, the singer turning), every pair of frames k
 *   camera intervals apart. Below `slowAfterMs` apart their cosine must stay ≥ `minCosine`, from there on
 *   ≥ `minCosineSlow` (a loaded machine's main answers only every few frames, mid-turn);
 * - strangers: LFW mismatched pairs (pairs.txt, fold 1), each as a 640×480 frame like the flow's: all below
 *   `minCosineSlow`, so a face swapped in between slow frames still breaks the track.
 * Prints the figures (lowest owner cosine per spacing; the strangers' highest and 99th percentile).
 * Needs `npm run models:build` (npm test runs it first).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePairs } from '../../../bench/lib/lfw.ts';
import { cosine } from '../../../src/main/face/match.ts';
import { DEFAULT_TRACK_LIMITS } from '../../../src/main/liveness/unlock-attempt.ts';
import { lfwFrame } from '../../support/face-frames.ts';
import { createPadHarness, type PadHarness } from '../../support/pad-harness.ts';
import { CLIP_FPS, clipFrames } from '../../support/pad-sequences.ts';
import { lfwDir } from '../../support/shared-data.ts';

let h: PadHarness;
beforeAll(async () => {
  h = await createPadHarness('balanced');
}, 300_000);
afterAll(() => h?.close());

const L = DEFAULT_TRACK_LIMITS;

describe('identity track bounds on real faces', { timeout: 600_000 }, () => {
  it('the owner turning keeps within the bounds at every frame spacing from 67 ms to 800 ms', async () => {
    const clip = clipFrames();
    const e: (Float32Array | undefined)[] = [];
    for (let i = 54; i < 118; i++) e.push(await h.embeddingOf(clip[i]!));
    expect(e.filter((x) => x !== undefined).length).toBeGreaterThan(55);
    const lowest: string[] = [];
    for (let k = 1; k <= 12; k++) {
      const ms = (1000 / CLIP_FPS) * k;
      let min = Infinity;
      for (let i = 0; i + k < e.length; i++) {
        const a = e[i],
          b = e[i + k];
        if (a !== undefined && b !== undefined) min = Math.min(min, cosine(a, b));
      }
      lowest.push(`${Math.round(ms)} ms ${min.toFixed(3)}`);
      expect(min, `${Math.round(ms)} ms apart`).toBeGreaterThanOrEqual(
        ms < L.slowAfterMs ? L.minCosine : L.minCosineSlow,
      );
    }
    console.log(`owner, lowest consecutive cosine by spacing: ${lowest.join(', ')}`);
  });

  it('strangers (LFW mismatched pairs) stay below the slow bound', async () => {
    const { pairs } = parsePairs(join(lfwDir(), 'pairs.txt'));
    const mismatched = pairs.filter((p) => !p.same && p.fold === 0);
    expect(mismatched.length).toBeGreaterThanOrEqual(250);
    const frameOf = async (key: string) => {
      const [name, file] = key.split('/') as [string, string];
      return (await lfwFrame(name, Number(/_(\d{4})\.jpg$/.exec(file)![1]))).data;
    };
    const scores: number[] = [];
    for (const p of mismatched) {
      const a = await h.embeddingOf(await frameOf(p.a));
      const b = await h.embeddingOf(await frameOf(p.b));
      if (a !== undefined && b !== undefined) scores.push(cosine(a, b));
    }
    expect(scores.length).toBeGreaterThan(mismatched.length * 0.9);
    scores.sort((x, y) => x - y);
    const max = scores.at(-1)!;
    const p99 = scores[Math.floor(scores.length * 0.99)]!;
    console.log(
      `strangers: ${scores.length} pairs, highest ${max.toFixed(3)}, 99th percentile ${p99.toFixed(3)}`,
    );
    expect(max).toBeLessThan(L.minCosineSlow);
  });
});
