import { describe, expect, it } from 'vitest';
import { IdentityTrack, type TrackSample } from '../../../src/main/liveness/identity-track.ts';
import { DEFAULT_TRACK_LIMITS } from '../../../src/main/liveness/unlock-attempt.ts';

/** A 100-px box centred at (cx, cy), `w` wide; an embedding pointing along axis `who`. */
const face = (tMs: number, cx: number, w = 100, who = 0, mainBusyMs?: number): TrackSample => {
  const e = new Float32Array(8).fill(0.05);
  e[who] = 1;
  return {
    tMs,
    box: { x1: cx - w / 2, y1: 200 - w / 2, x2: cx + w / 2, y2: 200 + w / 2 },
    embedding: e,
    ...(mainBusyMs === undefined ? {} : { mainBusyMs }),
  };
};
const run = (samples: TrackSample[]) => {
  const t = new IdentityTrack(DEFAULT_TRACK_LIMITS);
  let r;
  for (const s of samples) r = t.offer(s);
  return r;
};

describe('identity track', () => {
  it('frames one camera interval apart: the per-pair limits hold', () => {
    expect(run([face(0, 300), face(66, 350), face(133, 400)])).toBeUndefined();
    expect(run([face(0, 300), face(66, 370)])).toBe('track-jump'); // 0.7 box widths in 66 ms
    expect(run([face(0, 300, 100), face(66, 300, 145)])).toBe('track-jump'); // ×1.45 in 66 ms
  });
  it('frames far apart (main slow under load): the allowance grows with the capture time between them', () => {
    // 0.3 s between frames, 0.23 s of it main's own work: 3 box widths per second allow 0.9.
    expect(run([face(0, 300), face(300, 385, 100, 0, 230)])).toBeUndefined();
    expect(run([face(0, 300), face(300, 395, 100, 0, 230)])).toBe('track-jump');
    // 1.2 s (1.13 s main's): 3.6 widths allowed; leaning in ×2.2 ≤ 2^1.2 = 2.30, but ×2.4 is not.
    expect(run([face(0, 300), face(1200, 650, 100, 0, 1130)])).toBeUndefined();
    expect(run([face(0, 300), face(1200, 670, 100, 0, 1130)])).toBe('track-jump');
    expect(run([face(0, 300, 100), face(1200, 300, 220, 0, 1130)])).toBeUndefined();
    expect(run([face(0, 300, 100), face(1200, 300, 240, 0, 1130)])).toBe('track-jump');
  });
  it('another face is caught by its embedding, however long between the frames', () => {
    expect(run([face(0, 300), face(66, 300, 100, 1)])).toBe('identity-changed');
    expect(run([face(0, 300), face(1200, 300, 100, 1, 1130)])).toBe('identity-changed');
  });
  it('between frames 250 ms or more apart the appearance bound is 0.44 instead of 0.5 (a head mid-turn)', () => {
    // Unit vectors at cosine c to each other.
    const at = (tMs: number, c: number, busy?: number): TrackSample => ({
      ...face(tMs, 300, 100, 0, busy),
      embedding: Float32Array.from([c, Math.sqrt(1 - c * c), 0, 0]),
    });
    const first: TrackSample = { ...face(0, 300), embedding: Float32Array.from([1, 0, 0, 0]) };
    expect(run([first, at(66, 0.47)])).toBe('identity-changed');
    expect(run([first, at(333, 0.47, 266)])).toBeUndefined();
    expect(run([first, at(333, 0.42, 266)])).toBe('identity-changed');
  });
  it('no face for longer than the gap loses the track, unless main itself was busy that long', () => {
    expect(run([face(0, 300), { tMs: 500 }, face(1000, 300)])).toBe('face-lost');
    expect(run([face(0, 300), face(1000, 300, 100, 0, 950)])).toBeUndefined();
  });
});
