/**
 * EnrollmentSession's diversity rules (issue 13): captures spread in time (minimum interval, minimum span
 * first → last) and in pose (every capture at least minPoseStep from the others, yaw spread reached by the
 * last one); a burst of identical-pose frames from one short stretch of video can never complete a set-up.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_ENROLLMENT, EnrollmentSession } from '../../../src/main/auth/enrollment.ts';
import type { FrameAnalysis } from '../../../src/main/face/pipeline.ts';

let seed = 3;
const rand = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
/** A good analysis with a random (so never near-duplicate) embedding and the given pose. */
const frame = (yaw: number, pitch = 0.5): FrameAnalysis => ({
  faces: [],
  quality: {
    ok: true,
    reasons: [],
    metrics: {
      faceCount: 1,
      eyeDistancePx: 60,
      sharpness: 1,
      meanLuma: 120,
      clippedFraction: 0,
      pose: { rollDeg: 0, yaw, pitch },
    },
  },
  embedding: Float32Array.from({ length: 64 }, rand),
  timings: { detectMs: 0, qualityMs: 0, livenessMs: 0, embedMs: 0 },
});

describe('EnrollmentSession diversity', () => {
  it('a 2-second burst of frames (15 fps, steady head) never completes', () => {
    const s = new EnrollmentSession();
    let done = false;
    for (let i = 0; i < 30; i++) done ||= s.offer(frame(0.01 * Math.sin(i)), i * 66).done;
    expect(done).toBe(false);
  });

  it('captures need the minimum interval, the minimum span and distinct poses', () => {
    const s = new EnrollmentSession();
    const yaws = [-0.12, -0.06, 0, 0.06, 0.12];
    expect(s.offer(frame(yaws[0]!), 0).accepted).toBe(true);
    expect(s.offer(frame(yaws[1]!), 100).accepted).toBe(false); // too soon
    expect(s.offer(frame(yaws[0]! + 0.01), 1000).accepted).toBe(false); // same pose as the first
    expect(s.offer(frame(yaws[1]!), 1000).accepted).toBe(true);
    expect(s.offer(frame(yaws[2]!), 1700).accepted).toBe(true);
    expect(s.offer(frame(yaws[3]!), 2400).accepted).toBe(true);
    // Fifth view: the span from the first would be 3.1 s < 4 s.
    expect(s.offer(frame(yaws[4]!), 3100).accepted).toBe(false);
    const last = s.offer(frame(yaws[4]!), DEFAULT_ENROLLMENT.minSpanMs);
    expect(last).toMatchObject({ accepted: true, done: true, captured: 5 });
    expect(s.finish()).toHaveLength(5);
  });

  it('the last capture must bring the yaw spread to the minimum', () => {
    const s = new EnrollmentSession();
    // Distinct in pitch, but all within 0.04 in yaw.
    for (let i = 0; i < 4; i++)
      expect(s.offer(frame(0.01 * i, 0.4 + 0.05 * i), i * 1000).accepted).toBe(true);
    expect(s.offer(frame(0.02, 0.7), 5000)).toMatchObject({
      accepted: false,
      guidance: ['turn-head-slightly'],
    });
    expect(s.offer(frame(0.12, 0.5), 5600).done).toBe(true);
  });
});
