/**
 * The enrolment's feed, camera and identity checks (src/main/liveness/enrolment-feed.ts) on synthetic frames:
 * a live scene (one picture, fresh sensor noise per frame, 15 fps) with one face passes; a frozen or looped
 * feed, a re-timed feed, a slideshow, another camera and another person are refused; a face gone for longer
 * than the track's gap, a jumping box and a single scene cut restart the capture instead.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { FrameAnalysis } from '../../../src/main/face/pipeline.ts';
import { EnrolmentFeedGuard, type EnrolmentFeedStep } from '../../../src/main/liveness/enrolment-feed.ts';
import type { UnlockFrame } from '../../../src/main/liveness/unlock-attempt.ts';

const W = 64,
  H = 48;
const CAMERA = { deviceId: 'cam-1', label: 'Integrated Webcam' };
const scene = (seed: number): Uint8Array => {
  const b = randomBytes(W * H * 4);
  return Uint8Array.from(b, (v, i) => (i % 4 === 3 ? 255 : 40 + ((v + seed * 97) % 160)));
};
const withNoise = (s: Uint8Array): Uint8Array => {
  const n = randomBytes(s.length);
  return Uint8Array.from(s, (v, i) => (i % 4 === 3 ? 255 : Math.min(255, Math.max(0, v + (n[i]! % 7) - 3))));
};

const DIM = 8;
const person = (p: number, k: number): Float32Array => {
  const v = new Float32Array(DIM);
  v[p] = 1;
  v[(p + 1 + (k % 3)) % DIM] = 0.3;
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
type Face = { person: number; x?: number } | null;
const analysis = (face: Face, k: number): FrameAnalysis =>
  (face === null
    ? { faces: [], quality: { ok: false, reasons: ['no-face'] } }
    : {
        faces: [],
        primary: {
          x1: face.x ?? 20,
          y1: 10,
          x2: (face.x ?? 20) + 24,
          y2: 40,
          score: 1,
          landmarks: new Float32Array(10),
        },
        quality: { ok: true, reasons: [] },
        embedding: person(face.person, k),
      }) as unknown as FrameAnalysis;

/** Feeds `n` frames; `pick(k)` says what frame k shows. Returns every step. */
function run(
  g: EnrolmentFeedGuard,
  n: number,
  pick: (k: number) => { data?: Uint8Array; face?: Face; dtMs?: number; camera?: typeof CAMERA } = () => ({}),
  base = scene(1),
): EnrolmentFeedStep[] {
  const steps: EnrolmentFeedStep[] = [];
  let t = 1000;
  for (let k = 0; k < n; k++) {
    const p = pick(k);
    t += p.dtMs ?? 66;
    const frame: UnlockFrame = {
      data: p.data ?? withNoise(base),
      width: W,
      height: H,
      captureMs: t,
      arrivalMs: t + 5,
      camera: p.camera ?? CAMERA,
    };
    steps.push(g.offer(frame, analysis(p.face === undefined ? { person: 1 } : p.face, k)));
  }
  return steps;
}
const last = (s: EnrolmentFeedStep[]) => s[s.length - 1];

describe('enrolment feed guard', () => {
  it('a live scene with one person passes, frame after frame', () => {
    const steps = run(new EnrolmentFeedGuard(), 150);
    expect(steps.every((s) => s.state === 'ok')).toBe(true);
  });

  it('refuses a frozen, a looped and a re-timed feed', () => {
    const frozen = withNoise(scene(1));
    expect(last(run(new EnrolmentFeedGuard(), 10, (k) => (k >= 3 ? { data: frozen } : {})))).toEqual({
      state: 'failed',
      reason: 'frozen-feed',
    });
    const room = scene(1);
    const loop = Array.from({ length: 20 }, () => withNoise(room));
    expect(last(run(new EnrolmentFeedGuard(), 40, (k) => ({ data: loop[k % 20]! }), room))).toEqual({
      state: 'failed',
      reason: 'looped-feed',
    });
    expect(last(run(new EnrolmentFeedGuard(), 10, (k) => (k === 5 ? { dtMs: 2500 } : {})))).toEqual({
      state: 'failed',
      reason: 'timestamp-gap',
    });
  });

  it('a slideshow is refused: one cut restarts the capture, three cuts within 10 s refuse it', () => {
    const slides = [scene(2), scene(3), scene(4), scene(5)];
    // Each slide held 20 frames (1.3 s): the unlock rule (3 cuts among 4 pairs) would never fire.
    const steps = run(new EnrolmentFeedGuard(), 80, (k) => ({
      data: withNoise(slides[Math.floor(k / 20)]!),
    }));
    expect(steps[20]).toEqual({ state: 'restart', reason: 'scene-cut' });
    expect(steps[40]).toEqual({ state: 'restart', reason: 'scene-cut' });
    expect(steps[60]).toEqual({ state: 'failed', reason: 'scene-cut' });
  });

  it('another person refuses the enrolment; another camera too', () => {
    expect(last(run(new EnrolmentFeedGuard(), 30, (k) => ({ face: { person: k < 20 ? 1 : 4 } })))).toEqual({
      state: 'failed',
      reason: 'identity-changed',
    });
    const other = { deviceId: 'cam-2', label: 'USB Camera' };
    expect(last(run(new EnrolmentFeedGuard(), 10, (k) => (k >= 5 ? { camera: other } : {})))).toEqual({
      state: 'failed',
      reason: 'camera-changed',
    });
  });

  it('a face gone for longer than the track allows, or a jumping box, restarts the capture; a swap behind the gap is still caught', () => {
    // No face from frame 10: 0.8 s after the last face (frame 9) the track is lost, on frame 22.
    const gap = run(new EnrolmentFeedGuard(), 40, (k) => ({
      face: k >= 10 && k < 25 ? null : { person: 1 },
    }));
    expect(gap.findIndex((s) => s.state !== 'ok')).toBe(22);
    expect(gap[22]).toEqual({ state: 'restart', reason: 'face-lost' });
    expect(gap.slice(23).every((s) => s.state === 'ok')).toBe(true);
    const jump = run(new EnrolmentFeedGuard(), 20, (k) => ({ face: { person: 1, x: k < 10 ? 4 : 36 } }));
    expect(jump[10]).toEqual({ state: 'restart', reason: 'track-jump' });
    // After a restart the new track starts from the frame that broke it: a swap right after is another person.
    const swap = run(new EnrolmentFeedGuard(), 40, (k) => ({
      face: k >= 10 && k < 25 ? null : { person: k < 26 ? 1 : 5 }, // frame 25: the owner again, then another
    }));
    expect(swap[22]).toEqual({ state: 'restart', reason: 'face-lost' });
    expect(swap[26]).toEqual({ state: 'failed', reason: 'identity-changed' });
  });
});
