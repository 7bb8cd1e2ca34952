import { describe, expect, it } from 'vitest';
import {
  ChallengeRun,
  drawChallenges,
  randomIndex,
  type ChallengeObservation,
} from '../../../src/main/liveness/challenge.ts';
import type { ChallengeKind } from '../../../src/shared/ipc-contract.ts';

/** 3-D head points projected for a given yaw (parallax like a real head). */
function headPoints(yaw: number, pitch = 0, scale = 1): Float32Array {
  const out: number[] = [];
  for (let a = -1; a <= 1; a += 0.5)
    for (let b = -1; b <= 1; b += 0.5) {
      const x = a * 60 * scale,
        y = b * 70 * scale,
        z = -Math.sqrt(Math.max(0, 1 - (a * a + b * b) / 2)) * 50 * scale;
      const c = Math.cos(yaw),
        s = Math.sin(yaw),
        cp = Math.cos(pitch),
        sp = Math.sin(pitch);
      const X = c * x + s * z,
        Z1 = -s * x + c * z,
        Y = cp * y - sp * Z1,
        Z = sp * y + cp * Z1 + 600;
      out.push(320 + (700 * X) / Z, 240 + (700 * Y) / Z);
    }
  return Float32Array.from(out);
}

/** A flat photo's points under an affine-ish motion (always a homography). */
function photoPoints(shift: number): Float32Array {
  const p = headPoints(0);
  return p.map((v, i) => (i % 2 === 0 ? 320 + (v - 320) * (1 - shift * 0.3) + shift * 40 : v));
}

const obs = (t: number, o: Partial<ChallengeObservation> = {}): ChallengeObservation => ({
  tMs: t,
  face: true,
  yaw: 0,
  pitch: 0.5,
  eyeDistancePx: 60,
  faceSizePx: 150,
  eyeOpenness: 0.3,
  points: headPoints(0),
  ...o,
});

const run = (kinds: ChallengeKind[], planar = 0.04) =>
  new ChallengeRun(kinds, { timeoutMs: 6000, planarResidual: planar });

function feed(r: ChallengeRun, seq: ChallengeObservation[]) {
  let s = r.status();
  for (const o of seq) s = r.offer(o);
  return s;
}

describe('challenge draw', () => {
  it('draws distinct challenges from the pool and never starts with the avoided one', () => {
    for (let i = 0; i < 200; i++) {
      const d = drawChallenges(['blink', 'turn-left', 'turn-right', 'look-up', 'move-closer'], 2, 'blink');
      expect(d[0]).not.toBe('blink');
      expect(new Set(d).size).toBe(2);
    }
    expect(() => drawChallenges(['blink'], 2)).toThrow(RangeError);
  });

  it('randomIndex is uniform-ish and rejects modulo bias', () => {
    const counts = [0, 0, 0, 0, 0];
    for (let i = 0; i < 5000; i++) counts[randomIndex(5)]!++;
    for (const c of counts) expect(c).toBeGreaterThan(850);
    // A source that first returns a value in the biased tail must be re-drawn.
    let calls = 0;
    const src = (b: Uint32Array) => {
      b[0] = calls++ === 0 ? 0xffffffff : 7;
      return b;
    };
    expect(randomIndex(5, src)).toBe(2);
    expect(calls).toBe(2);
  });
});

describe('challenge run', () => {
  const turn = (dir: 1 | -1, t0 = 0) =>
    Array.from({ length: 20 }, (_, i) => {
      const yaw = dir * Math.min(0.35, Math.max(0, (i - 3) * 0.05));
      return obs(t0 + i * 66, {
        yaw: yaw + 0.0,
        points: headPoints(dir * Math.min(0.5, Math.max(0, (i - 3) * 0.07))),
      });
    });

  it('passes a real head turn in the asked direction', () => {
    const r = run(['turn-left']);
    expect(feed(r, turn(1))).toEqual({ state: 'passed' });
    expect(r.evidence[0]!.planarResidual!).toBeGreaterThan(0.04);
  });

  it('slow frames (main answering at 4 fps): the baseline is what came within 150 ms, one slow frame holds', () => {
    // Frontal at 0 ms, already turned at 250 ms and 500 ms, still turned at 1000 ms (past the 800 ms minimum).
    const at = (t: number, yaw: number) => obs(t, { yaw, points: headPoints(yaw * 1.4) });
    const slow = run(['turn-left']);
    expect(feed(slow, [at(0, 0), at(250, 0.25), at(500, 0.3), at(1000, 0.3)])).toEqual({ state: 'passed' });
    // The same frames at 15 fps: a baseline of three frames (median yaw 0.25), so the turn is not yet seen.
    const fast = run(['turn-left']);
    expect(feed(fast, [at(0, 0), at(66, 0.25), at(133, 0.3), at(1000, 0.3)])).toMatchObject({
      state: 'active',
    });
    // A single turned frame between frames 66 ms apart does not hold on its own.
    const spike = run(['turn-left']);
    expect(
      feed(spike, [at(0, 0), at(66, 0), at(133, 0), at(900, 0), at(966, 0.3), at(1033, 0)]),
    ).toMatchObject({ state: 'active' });
  });

  it('a turn the other way is a wrong action', () => {
    const r = run(['turn-left']);
    expect(feed(r, turn(-1))).toMatchObject({ state: 'failed', reason: 'wrong-action' });
  });

  it('a flat picture turned in front of the camera fails as planar', () => {
    const r = run(['turn-left']);
    const seq = Array.from({ length: 20 }, (_, i) =>
      obs(i * 66, {
        yaw: Math.min(0.35, Math.max(0, (i - 3) * 0.05)),
        points: photoPoints(Math.min(1, Math.max(0, (i - 3) * 0.1))),
      }),
    );
    expect(feed(r, seq)).toMatchObject({ state: 'failed', reason: 'planar-motion' });
  });

  it('times out when nothing happens, and counts down remaining time', () => {
    const r = run(['turn-right']);
    const s1 = r.offer(obs(0));
    expect(s1).toMatchObject({ state: 'active', challenge: 'turn-right', remainingMs: 6000 });
    expect(r.offer(obs(1000))).toMatchObject({ state: 'active', remainingMs: 5000 });
    expect(
      feed(
        r,
        Array.from({ length: 100 }, (_, i) => obs(1000 + i * 66)),
      ),
    ).toMatchObject({ state: 'failed', reason: 'challenge-timeout' });
  });

  it('loses the face after a long gap', () => {
    const r = run(['turn-right']);
    r.offer(obs(0));
    expect(r.offer({ tMs: 500, face: false }).state).toBe('active');
    expect(r.offer({ tMs: 1000, face: false })).toMatchObject({ state: 'failed', reason: 'face-lost' });
  });

  it('dark frames before the first face (a camera starting) are no gap; no face at all is face-lost, not a failed move', () => {
    const r = run(['turn-right']);
    for (let t = 0; t <= 1500; t += 100) expect(r.offer({ tMs: t, face: false }).state).toBe('active');
    expect(r.offer(obs(1600)).state).toBe('active'); // the face appears 1.6 s after the prompt: still running
    const nobody = run(['turn-right']);
    for (let t = 0; t <= 6000; t += 200) nobody.offer({ tMs: t, face: false });
    expect(nobody.offer({ tMs: 6200, face: false })).toMatchObject({ state: 'failed', reason: 'face-lost' });
  });

  it('a blink needs the lids to close and open again, and needs eye landmarks', () => {
    const r = run(['blink']);
    const seq = [0.3, 0.3, 0.3, 0.3, 0.1, 0.08, 0.29, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3].map((e, i) =>
      obs(i * 66, { eyeOpenness: e }),
    );
    expect(feed(r, seq)).toEqual({ state: 'passed' });
    // No mesh model: no frame ever has lids, and the blink fails closed within the baseline's 3 face frames.
    const noMesh = run(['blink']);
    expect(noMesh.offer(obs(0, { eyeOpenness: undefined }))).toMatchObject({ state: 'active' });
    expect(noMesh.offer(obs(66, { eyeOpenness: undefined }))).toMatchObject({ state: 'active' });
    expect(noMesh.offer(obs(133, { eyeOpenness: undefined }))).toMatchObject({
      state: 'failed',
      reason: 'challenge-unsupported',
    });
    // Lids seen, then a few frames without a mesh (FaceMesh's flag dropping mid-blink): not judged, the blink
    // still passes on the frames that have lids; the meshless frames never count as open or closed.
    const gaps = run(['blink']);
    const withGaps = [
      0.3,
      0.3,
      0.3,
      undefined,
      undefined,
      undefined,
      undefined,
      0.3,
      0.1,
      undefined,
      0.29,
      0.3,
    ]
      .concat(Array<number>(6).fill(0.3))
      .map((e, i) => obs(i * 66, { eyeOpenness: e }));
    expect(feed(gaps, withGaps)).toEqual({ state: 'passed' });
    const noBlink = run(['blink']);
    const openOnly = [0.3, 0.3, 0.3, undefined, undefined, 0.3, undefined, 0.31, 0.3]
      .concat(Array<number>(100).fill(0.3))
      .map((e, i) => obs(i * 66, { eyeOpenness: e }));
    expect(feed(noBlink, openOnly)).toMatchObject({ state: 'failed', reason: 'challenge-timeout' });
  });

  it('move closer passes on face growth with parallax; a turn asked after a turn re-anchors while settling', () => {
    const r = run(['move-closer']);
    const seq = Array.from({ length: 20 }, (_, i) => {
      const s = 1 + Math.min(0.35, Math.max(0, (i - 3) * 0.05));
      return obs(i * 66, {
        faceSizePx: 150 * s,
        eyeDistancePx: 60 * s,
        points: headPoints(0.02 * i, 0.01 * i, s),
      });
    });
    expect(feed(r, seq)).toEqual({ state: 'passed' });
    const two = run(['turn-right', 'turn-left']);
    const right = turn(-1);
    const overshoot = Array.from({ length: 6 }, (_, i) =>
      obs(1400 + i * 66, { yaw: -0.35 - i * 0.04, points: headPoints(-0.5 - i * 0.05) }),
    );
    const back = Array.from({ length: 20 }, (_, i) =>
      obs(1800 + i * 66, { yaw: -0.55 + i * 0.05, points: headPoints(-0.8 + i * 0.07) }),
    );
    expect(feed(two, [...right, ...overshoot, ...back])).toEqual({ state: 'passed' });
  });
});
