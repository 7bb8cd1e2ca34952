/**
 * The enrol / unlock flow (src/main/auth/face-flow.ts) with a scripted analyzer standing in for the models
 * (the real pipeline runs in test/integration/auth) and the real vault and face decisions on disk (sealed
 * template and attempt counter inside the authenticated auth state), real key service semantics. Each frame's "person" picks an embedding direction, so
 * the flow's decisions — accept, reject, lock-out, retry without a counted attempt — follow from the frames.
 * Since issue 12 an unlock first answers a liveness challenge: the script then turns the head (a 3-D point
 * cloud projected at the shot's yaw stands in for FaceMesh) on distinct, timestamped frames; the liveness
 * checks themselves are tested in test/unit/liveness and, with the real models, test/integration/liveness.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFaceAuthService, type FaceAuthService } from '../../../src/main/auth/face-auth-service.ts';
import { createFaceFlow, type FaceFlow } from '../../../src/main/auth/face-flow.ts';
import type { FrameReply, RgbaFrame } from '../../../src/main/camera/frame-sink.ts';
import type { FrameAnalysis, FrameAnalyzer } from '../../../src/main/face/pipeline.ts';
import { createKeyService, type KeyService } from '../../../src/main/keys/key-service.ts';
import type { DeviceKeys } from '../../../src/main/keys/open-device-keys.ts';
import { createVaultProvider, type VaultProvider } from '../../../src/main/vault/vault-provider.ts';
import { OWNER_PASSPHRASE, TEST_SCRYPT } from '../../support/vault-fixtures.ts';

const DIM = 16;
/** A unit vector for a person, turned slightly per frame `i` (pose variety, never a duplicate). */
function embedding(person: number, i: number): Float32Array {
  const v = new Float32Array(DIM);
  v[person % DIM] = 1;
  v[(person + 1 + (i % 5)) % DIM] = 0.5; // cos between two views of one person: 0.8 (not a duplicate)
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

/** What the next analysed frame shows: a person at a yaw (turn: the unlock's head turn), or a frame failing quality. */
type Shot = { person: number; i: number; turn?: number } | 'blurry';

/** A head-like 3-D point cloud (468 points, FaceMesh's count), projected at `yaw`: motion with parallax. */
const HEAD = Array.from({ length: 468 }, (_, k) => {
  const a = Math.sin(k * 12.9898) * 0.9,
    b = Math.cos(k * 78.233) * 0.9;
  return [a * 120, b * 140, -Math.sqrt(Math.max(0, 1 - (a * a + b * b) / 2)) * 100] as const;
});
function meshAt(yaw: number): { points: Float32Array; faceFlag: number } {
  const c = Math.cos(yaw),
    s = Math.sin(yaw);
  const points = new Float32Array(468 * 3);
  HEAD.forEach(([x, y, z], k) => {
    const X = c * x + s * z,
      Z = -s * x + c * z + 600;
    points[3 * k] = 320 + (700 * X) / Z;
    points[3 * k + 1] = 240 + (700 * y) / Z;
    points[3 * k + 2] = Z - 600;
  });
  return { points, faceFlag: 1 };
}
function scriptedAnalyzer(next: () => Shot): FrameAnalyzer & { calls: number } {
  const a = {
    calls: 0,
    async analyzeFrame(): Promise<FrameAnalysis> {
      a.calls++;
      const shot = next();
      const timings = { totalMs: 0 } as unknown as FrameAnalysis['timings']; // not read by the flow
      if (shot === 'blurry')
        return {
          faces: [],
          quality: { ok: false, reasons: ['blurry'] },
          timings,
        } as unknown as FrameAnalysis;
      const yaw = shot.turn ?? -0.2 + 0.1 * shot.i;
      const pose = { yaw, pitch: 0.5, rollDeg: 0 };
      const metrics = {
        faceCount: 1,
        eyeDistancePx: 80,
        sharpness: 1,
        meanLuma: 0.5,
        clippedFraction: 0,
        pose,
      };
      const primary = { x1: 260, y1: 170, x2: 380, y2: 310, score: 1, landmarks: new Float32Array(10) };
      return {
        faces: [primary],
        primary,
        quality: { ok: Math.abs(yaw) <= 0.35, reasons: Math.abs(yaw) <= 0.35 ? [] : ['pose-yaw'], metrics },
        embedding: embedding(shot.person, shot.turn === undefined ? shot.i : 0),
        mesh: meshAt(shot.turn === undefined ? 0 : shot.turn * 1.2),
        timings,
      };
    },
  };
  return a;
}

function fakeKeys(): DeviceKeys & { opened: number } {
  const k = {
    opened: 0,
    backend: 'keychain' as const,
    identity: {} as DeviceKeys['identity'], // not used by auth
    deriveKey: async () => new Uint8Array(randomBytes(32)),
    close: async () => {},
  };
  return k;
}

const frame: RgbaFrame = { width: 64, height: 64, data: new Uint8Array(64 * 64 * 4) };
let clock = 1000;
/** The scene in front of the camera (one picture throughout, as a webcam sees one room). */
const scene = new Uint8Array(randomBytes(64 * 64 * 4));
/** A distinct camera frame of that scene (fresh sensor noise, so no duplicate) with a 15 fps capture time. */
function liveFrame(): RgbaFrame {
  clock += 66;
  const noise = randomBytes(64 * 64 * 4);
  return {
    width: 64,
    height: 64,
    data: scene.map((v, i) => Math.min(255, Math.max(0, v + (noise[i]! % 7) - 3))),
    timestampMs: clock,
    arrivalMs: clock + 5,
  };
}

let dir: string;
let shots: Shot[];
let analyzer: ReturnType<typeof scriptedAnalyzer>;
let keys: KeyService;
let auth: FaceAuthService;
let vaults: VaultProvider;
let flow: FaceFlow;
let modelsReady: boolean;

function build(o: { open?: () => Promise<DeviceKeys> } = {}): void {
  const k = fakeKeys();
  keys = createKeyService({ open: o.open ?? (async () => k) });
  const models = {
    pipeline: () => (modelsReady ? analyzer : null),
    verifyThreshold: () => (modelsReady ? 0.9 : null),
  };
  vaults = createVaultProvider({ keys, dir, scrypt: TEST_SCRYPT });
  auth = createFaceAuthService({ models, vaults });
  // Scripted frames arrive one second apart (the enrolment rules ask for views spread in time).
  let t = 0;
  flow = createFaceFlow({
    userId: 'owner',
    pipeline: models.pipeline,
    auth,
    vault: () => vaults.get(),
    framesPerAttempt: 3,
    now: () => (t += 1000),
    padAvailable: () => false,
    challengeOverride: () => ['turn-left'],
    onAttemptEnd: (e) => {
      if (process.env.DEBUG_FLOW) console.log(JSON.stringify(e));
    },
  });
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fv-flow-'));
  shots = [];
  analyzer = scriptedAnalyzer(() => shots.shift() ?? 'blurry');
  modelsReady = true;
  build();
});
afterEach(async () => {
  auth.close();
  vaults.close();
  await rm(dir, { recursive: true, force: true });
});

async function feed(...s: Shot[]): Promise<FrameReply> {
  shots.push(...s);
  let last: FrameReply | undefined;
  for (let i = 0; i < s.length; i++) last = await flow.consumer(liveFrame());
  if (last === undefined) throw new Error('feed() needs at least one shot');
  return last;
}
const enrolShots = (person: number): Shot[] => [0, 1, 2, 3, 4].map((i) => ({ person, i }));
/** Onboarding: the recovery passphrase first (its owner proof covers the first enrolment). */
async function setUp(): Promise<void> {
  await (await vaults.get()).setup(OWNER_PASSPHRASE);
}
/** An unlock attempt: frontal, then a turn to the user's left (the challenge the flow is told to ask). */
const turnShots = (person: number): Shot[] =>
  Array.from({ length: 16 }, (_, i) => ({ person, i, turn: Math.max(0, Math.min(0.3, (i - 3) * 0.05)) }));
async function enrol(person = 1) {
  if (!(await (await vaults.get()).status()).setUp) await setUp();
  await flow.startEnrolment();
  return feed(...enrolShots(person));
}

describe('face flow', () => {
  it('every named call is a typed MODEL_NOT_LOADED error while the models are not ready', async () => {
    modelsReady = false;
    await expect(flow.startEnrolment()).rejects.toMatchObject({ code: 'MODEL_NOT_LOADED' });
    await expect(flow.startUnlock()).rejects.toMatchObject({ code: 'MODEL_NOT_LOADED' });
    await expect(flow.status()).rejects.toMatchObject({ code: 'MODEL_NOT_LOADED' });
    await expect(flow.deleteEnrolment()).rejects.toMatchObject({ code: 'MODEL_NOT_LOADED' });
    expect(await flow.consumer(frame)).toEqual({
      guidance: 'models-not-ready',
      flow: { kind: 'idle' },
      overlay: null,
    });
  });

  it("a key store that cannot be opened is reported with the key store's own code, to every caller", async () => {
    const locked = Object.assign(new Error('locked'), { code: 'KEY_STORE_LOCKED' });
    build({ open: () => Promise.reject(locked) });
    await expect(flow.startEnrolment()).rejects.toBe(locked);
    await expect(flow.startUnlock()).rejects.toBe(locked);
    expect(keys.state()).toBe('unavailable');
  });

  it('enrols over several views, then reports the enrolment', async () => {
    await setUp();
    expect((await flow.startEnrolment()).kind).toBe('enrolling');
    const r = await feed(...enrolShots(1));
    expect(r.flow).toEqual({ kind: 'enrolled' });
    expect(await flow.status()).toEqual({ enrolled: true, lockedOut: false, remainingAttempts: 5 });
  });

  it('an enrolment with another person swapped in between the views is refused: typed code, nothing stored, a new one can start', async () => {
    await setUp();
    await flow.startEnrolment();
    const r = await feed({ person: 1, i: 0 }, { person: 1, i: 1 }, { person: 2, i: 2 }, { person: 2, i: 3 });
    expect(r.flow).toEqual({ kind: 'enrol-refused', code: 'ENROLMENT_PERSON_CHANGED' });
    expect(await flow.status()).toMatchObject({ enrolled: false });
    // The refused session is over: later frames are previews, and the owner can start again (proof still fresh).
    expect((await feed({ person: 2, i: 4 })).flow).toEqual({
      kind: 'enrol-refused',
      code: 'ENROLMENT_PERSON_CHANGED',
    });
    expect((await flow.startEnrolment()).kind).toBe('enrolling');
    expect((await feed(...enrolShots(1))).flow).toEqual({ kind: 'enrolled' });
  });

  it('preview frames outside a flow are analysed for guidance only (no embedding asked for)', async () => {
    const r = await feed({ person: 1, i: 0 });
    // The fake pipeline (liveness) reports a face box with landmarks, so the preview carries its overlay.
    expect(r).toEqual({
      guidance: 'ok',
      flow: { kind: 'idle' },
      overlay: { box: expect.any(Array), landmarks: expect.any(Array) },
    });
  });

  it('unlocks the enrolled person with a coarse score and no attempt used', async () => {
    await enrol(1);
    expect(await flow.startUnlock()).toEqual({ kind: 'unlocking' });
    const r = await feed(...turnShots(1));
    expect(r.flow).toMatchObject({ kind: 'accepted' });
    expect(await flow.status()).toMatchObject({ remainingAttempts: 5 });
  });

  it('rejects another person, counts the attempt, and locks out after 5', async () => {
    await enrol(1);
    for (let attempt = 1; attempt <= 5; attempt++) {
      await flow.startUnlock();
      const r = await feed(...turnShots(7));
      expect(r.flow).toEqual(
        attempt < 5
          ? {
              kind: 'rejected',
              coarse: expect.any(Number),
              remainingAttempts: 5 - attempt,
              reason: 'no-match',
            }
          : { kind: 'locked-out' },
      );
    }
    await expect(flow.startUnlock()).rejects.toMatchObject({ code: 'VERIFY_LOCKED_OUT' });
    expect(await flow.status()).toEqual({ enrolled: true, lockedOut: true, remainingAttempts: 0 });
  });

  it('frames without a face during the challenge cost no attempt until the face is lost', async () => {
    await enrol(1);
    await flow.startUnlock();
    const r = await feed('blurry', 'blurry', 'blurry');
    expect(r.flow).toMatchObject({ kind: 'challenge', challenge: 'turn-left', step: 1, steps: 1 });
    expect(await flow.status()).toMatchObject({ remainingAttempts: 5 });
  });

  it('an unlock without an enrolment is ENROLMENT_NOT_FOUND', async () => {
    await expect(flow.startUnlock()).rejects.toMatchObject({ code: 'ENROLMENT_NOT_FOUND' });
  });

  it('cancel returns to idle and the next frames are preview only', async () => {
    await enrol(1);
    await flow.startUnlock();
    expect(flow.cancel()).toEqual({ kind: 'idle' });
    expect((await feed({ person: 7, i: 1 }, { person: 7, i: 2 }, { person: 7, i: 3 })).flow).toEqual({
      kind: 'idle',
    });
    expect(await flow.status()).toMatchObject({ remainingAttempts: 5 });
  });

  it('delete removes the enrolment', async () => {
    await enrol(1);
    expect(await flow.deleteEnrolment()).toEqual({ enrolled: false, lockedOut: false, remainingAttempts: 5 });
    expect(await flow.status()).toMatchObject({ enrolled: false });
  });

  it('models going away drop the face-auth keys; the flow refuses until they are back', async () => {
    await enrol(1);
    expect(auth.current()).not.toBeNull();
    modelsReady = false;
    expect(auth.current()).toBeNull();
    await expect(flow.startUnlock()).rejects.toMatchObject({ code: 'MODEL_NOT_LOADED' });
  });

  it('the decision is its own reply: awaitDecision resolves when the attempt ends, and with idle on cancel', async () => {
    await enrol(1);
    expect(await flow.awaitDecision()).toEqual({ kind: 'enrolled' }); // nothing running: the current state
    await flow.startUnlock();
    const decided = flow.awaitDecision();
    await feed(...turnShots(1));
    expect(await decided).toMatchObject({ kind: 'accepted' });
    await flow.startUnlock();
    const cancelled = flow.awaitDecision();
    flow.cancel();
    expect(await cancelled).toEqual({ kind: 'idle' });
    await flow.startUnlock();
    expect(await flow.awaitDecision(5)).toEqual({ kind: 'unlocking' }); // bounded: the state so far
  });

  it('the first enrolment needs the vault set up; a later one needs a fresh owner proof', async () => {
    await expect(flow.startEnrolment()).rejects.toMatchObject({ code: 'VAULT_NOT_SET_UP' });
    await enrol(1);
    const vault = await vaults.get();
    vault.lock('user'); // the setup's owner proof ends with the lock
    await expect(flow.startEnrolment()).rejects.toMatchObject({ code: 'OWNER_PROOF_REQUIRED' });
    await expect(flow.deleteEnrolment()).rejects.toMatchObject({ code: 'OWNER_PROOF_REQUIRED' });
    await vault.proveOwner(OWNER_PASSPHRASE);
    expect((await flow.startEnrolment()).kind).toBe('enrolling');
  });

  it('an enrolment started with the owner’s proof cannot be finished after a screen lock', async () => {
    await setUp();
    await flow.startEnrolment();
    (await vaults.get()).lock('lock-screen');
    await expect(feed(...enrolShots(7))).rejects.toMatchObject({ code: 'OWNER_PROOF_REQUIRED' });
    expect(flow.cancel()).toEqual({ kind: 'idle' });
    expect(await flow.status()).toMatchObject({ enrolled: false });
  });

  it('an accepted attempt releases the vault key; a rejected one does not', async () => {
    await enrol(1);
    const vault = await vaults.get();
    vault.lock('user');
    await flow.startUnlock();
    await feed(...turnShots(7));
    expect(vault.isUnlocked()).toBe(false);
    await flow.startUnlock();
    await feed(...turnShots(1));
    expect(vault.isUnlocked()).toBe(true);
    expect(await vaults.service.withVaultKey((k) => k.length)).toBe(32);
  });

  it('a head that does not move fails the challenge after its time limit and the attempt counts', async () => {
    await enrol(1);
    await flow.startUnlock();
    const still = Array.from({ length: 100 }, (_, i): Shot => ({ person: 1, i, turn: 0 }));
    const r = await feed(...still);
    expect(r.flow).toEqual({ kind: 'rejected', coarse: 0, remainingAttempts: 4, reason: 'challenge-failed' });
  });
});
