/**
 * Issue 12 "done when": every named attack, each its own test, goes through the real face flow (shipped
 * default models, real FaceAuth with an encrypted template and HMAC counter) and fails to unlock, while
 * bona fide sequences of the enrolled owner pass. Sequences are generated from ../shared by
 * test/support/pad-sequences.ts (see there for what each attack is); bench:pad runs the full variant set.
 * Needs `npm run models:build` (npm test runs it first).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttemptResult, PadHarness } from '../../support/pad-harness.ts';
import { createPadHarness } from '../../support/pad-harness.ts';
import {
  attackSequences,
  bonaFideSequences,
  strictBonaFideSequences,
  VIRTUAL_CAMERA,
  clipFrames,
  rng,
  slowMachine,
  stamp,
  type AttackName,
  type Sequence,
} from '../../support/pad-sequences.ts';

let h: PadHarness;
let attacks: Record<AttackName, Sequence[]>;
let recordedAttempt: AttemptResult;

beforeAll(async () => {
  h = await createPadHarness('balanced');
  await h.enrol();
  const [bona] = bonaFideSequences([{ from: 54, challenge: 'turn-right' }]);
  recordedAttempt = await h.attempt(bona!);
  const recording = bona!.frames.slice(0, recordedAttempt.framesUsed).map((f) => f.data);
  attacks = await attackSequences({
    boxOf: (f) => h.boxOf(f),
    recording,
    recordedChallenge: 'turn-right',
    quick: true,
  });
}, 600_000);

afterAll(() => h?.close());

const failsToUnlock = async (name: AttackName, expected: readonly string[]): Promise<void> => {
  expect(attacks[name].length).toBeGreaterThan(0);
  for (const s of attacks[name]) {
    const r = await h.attempt(s);
    expect(r.unlocked, s.name).toBe(false);
    // Rejected by liveness for the reason that attack must trip (not by luck of the match or running out of frames).
    expect(r.report?.result, s.name).toBe('liveness-failed');
    expect(expected, `${s.name}: ${r.report?.failure}`).toContain(r.report?.failure);
  }
};

// Each attempt analyses up to 100 real frames with the shipped models: minutes on a loaded 2-core machine.
const SLOW = { timeout: 600_000 };

describe('liveness through the face flow (balanced, the default)', SLOW, () => {
  it('bona fide: the owner turning as asked unlocks (right turn, left turn)', async () => {
    expect(recordedAttempt.unlocked).toBe(true);
    const [left] = bonaFideSequences([{ from: 81, challenge: 'turn-left' }]);
    const r = await h.attempt(left!);
    expect(r.view).toMatchObject({ kind: 'accepted' });
    expect(r.report!.planarResiduals[0]!).toBeGreaterThan(0.04);
  });

  it('bona fide on a loaded machine: main answers every 4th camera frame (3.75 fps), the owner still unlocks', async () => {
    // Frames 267 ms apart: the singer moves up to 0.69 box widths between them, past the per-pair limit the
    // identity track used to apply whatever the time between frames (53 and 57 failed as track-jump).
    const clip = clipFrames();
    for (const from of [53, 57, 94]) {
      const seq = {
        name: `turn-right @${from}`,
        frames: stamp(clip.slice(from, 118), rng(from), 5000),
        challenges: ['turn-right'] as const,
      };
      const r = await h.attempt(slowMachine(seq, 4));
      expect(r.view.kind, `${seq.name}: ${r.report?.failure}`).toBe('accepted');
    }
  });

  it('photo: a printed photo held in front of the camera', async () =>
    failsToUnlock('photo', ['challenge-timeout', 'planar-motion']));
  it('tilted_photo: the photo moved, tilted and turned in 3-D', async () =>
    failsToUnlock('tilted_photo', ['challenge-timeout', 'planar-motion', 'wrong-action']));
  it('looped_still: a still turned into a video', async () =>
    failsToUnlock('looped_still', ['frozen-feed', 'looped-feed']));
  it('replay: the recording of an earlier successful attempt', async () =>
    failsToUnlock('replay', [
      'challenge-timeout',
      'wrong-action',
      'looped-feed',
      'track-jump',
      'identity-changed',
    ]));
  it('identity_swap: another face swapped in mid-stream', async () =>
    failsToUnlock('identity_swap', ['identity-changed', 'track-jump']));
  it('frozen_feed: the feed freezes mid-challenge', async () =>
    failsToUnlock('frozen_feed', ['frozen-feed']));
  it('timestamp_jump: forged capture timestamps', async () =>
    failsToUnlock('timestamp_jump', ['timestamp-gap', 'timestamp-regressed', 'clock-drift']));
  it('camera_change: another camera than the one pinned at enrolment', async () =>
    failsToUnlock('camera_change', ['camera-changed']));

  it('a liveness failure counts towards the lock-out and the renderer sees only a coarse reason', async () => {
    const s = attacks.photo[0]!;
    const r = await h.attempt(s);
    expect(r.view).toEqual({ kind: 'rejected', coarse: 0, remainingAttempts: 4, reason: 'challenge-failed' });
  });
});

describe('strict and convenience levels', SLOW, () => {
  it('strict: two challenges in a row, bona fide right-then-left turn unlocks; a virtual camera is refused', async () => {
    h.setLevel('strict');
    try {
      const [bona] = strictBonaFideSequences();
      const r = await h.attempt(bona!);
      expect(r.view, JSON.stringify(r.report)).toMatchObject({ kind: 'accepted' });
      const virt = await h.attempt({
        name: 'virtual',
        frames: stamp(clipFrames().slice(54, 130), rng(9), 1e5, VIRTUAL_CAMERA),
        challenges: ['turn-right', 'turn-left'],
      });
      expect(virt.report).toMatchObject({ result: 'liveness-failed', failure: 'camera-virtual' });
      expect(virt.view).toMatchObject({ kind: 'rejected', reason: 'camera-not-allowed' });
    } finally {
      h.setLevel('balanced');
    }
  });

  it('convenience: another camera is only flagged (the owner still unlocks); the downgrade from the enrolled level is visible', async () => {
    h.setLevel('convenience');
    try {
      const [cam] = attacks.camera_change;
      const r = await h.attempt(cam!);
      expect(r.view).toMatchObject({ kind: 'accepted' });
      expect(await h.flow.livenessStatus()).toEqual({
        level: 'convenience',
        enrolledLevel: 'balanced',
        downgradedFrom: 'balanced',
        pinnedCamera: 'Integrated Camera (0bda:58f4)',
      });
    } finally {
      h.setLevel('balanced');
    }
  });
});
