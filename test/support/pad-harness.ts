/**
 * The real face flow (src/main/auth/face-flow.ts) over the shipped default models (build/models: BlazeFace,
 * MTCNN O-Net landmarks, MobileFaceNet fp16 + flip fused with face-api's net, Human liveness, FaceMesh), the real vault and face decisions (authenticated auth
 * state with the sealed template and the attempt counter, in a temporary directory, random device keys,
 * no TPM anchor, test-strength scrypt), driven with generated sequences (pad-sequences.ts) exactly as the frame
 * sink would call it (pixels, capture and arrival timestamps, camera info). Used by the liveness tests and
 * bench:pad. Needs `npm run models:build`.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFaceFlow, type AttemptReport, type FaceFlow } from '../../src/main/auth/face-flow.ts';
import { createFaceAuthService } from '../../src/main/auth/face-auth-service.ts';
import { createKeyService } from '../../src/main/keys/key-service.ts';
import type { DeviceKeys } from '../../src/main/keys/open-device-keys.ts';
import { createVaultProvider } from '../../src/main/vault/vault-provider.ts';
import { OWNER_PASSPHRASE, TEST_SCRYPT } from './vault-fixtures.ts';
import { NPM_DESCRIPTORS } from '../../tools/npm-descriptors.ts';
import { createFacePipeline, type FacePipeline, type FrameAnalysis } from '../../src/main/face/pipeline.ts';
import type {
  AuthFlowState,
  CameraInfo,
  ChallengeKind,
  StrictnessLevel,
} from '../../src/shared/ipc-contract.ts';
import {
  loadBlazeface,
  loadFaceapiRecognition,
  loadMobileFaceNet,
  loadNpmModel,
  loadOnet,
  SHIPPED_THRESHOLD,
} from '../../bench/lib/default-models.ts';
import {
  clipFrames,
  ENROL_RANGE,
  HOME_CAMERA,
  noisy,
  rng,
  stamp,
  type SeqFrame,
  type Sequence,
} from './pad-sequences.ts';
import type { EnrolmentFeedFailure } from '../../src/main/liveness/enrolment-feed.ts';

export interface AttemptResult {
  readonly view: AuthFlowState;
  readonly report: AttemptReport | undefined;
  readonly unlocked: boolean;
  readonly framesUsed: number;
  /** Capture-clock time from the first frame to the decision (how long the user was asked to act). */
  readonly attemptMs: number;
  /**
   * Compute liveness adds to the attempt: FaceMesh + PAD stage times, the embeddings of frames that fail the
   * quality gate (the track needs them; before liveness only quality-passing frames were embedded), and the
   * liveness code's own time (digest, luma grid, the pure checks).
   */
  readonly addedMs: number;
  /** Sum of all pipeline stage times in the attempt. */
  readonly pipelineMs: number;
}

export interface PadHarness {
  readonly flow: FaceFlow;
  setLevel(level: StrictnessLevel): void;
  enrol(camera?: CameraInfo): Promise<void>;
  /**
   * Starts an enrolment (owner proof as needed) and feeds `frames` until the flow enrols or refuses: the final
   * view, the fine refusal reason (face-flow's onEnrolmentRefused) and the frames used.
   */
  enrolWith(frames: readonly SeqFrame[]): Promise<{
    view: AuthFlowState;
    refusal: EnrolmentFeedFailure | undefined;
    framesUsed: number;
  }>;
  attempt(seq: Sequence): Promise<AttemptResult>;
  /** The shipped detector's primary face box in a 640×480 RGBA frame. */
  boxOf(frame: Uint8Array): Promise<{ x1: number; y1: number; x2: number; y2: number } | undefined>;
  /** The tracked face's embedding of a 640×480 RGBA frame, as the identity track gets it (undefined: none). */
  embeddingOf(frame: Uint8Array): Promise<Float32Array | undefined>;
  close(): void;
}

/** A pipeline wrapper that records each analysis' stage times. */
function timed(p: FacePipeline, sink: FrameAnalysis['timings'][], ok: boolean[]): FacePipeline {
  return {
    embeddingDim: p.embeddingDim,
    async analyzeFrame(input, opts) {
      const a = await p.analyzeFrame(input, opts);
      sink.push(a.timings);
      ok.push(a.quality.ok);
      return a;
    },
  };
}

export async function createPadHarness(level: StrictnessLevel = 'balanced'): Promise<PadHarness> {
  const base = createFacePipeline(
    {
      detector: await loadBlazeface(),
      landmarks: await loadOnet(),
      embedder: await loadMobileFaceNet(),
      fusion: await loadFaceapiRecognition(),
      antispoof: [await loadNpmModel('human-liveness', NPM_DESCRIPTORS.humanLiveness)],
      mesh: await loadNpmModel('human-facemesh', NPM_DESCRIPTORS.facemesh),
    },
    { flipTta: NPM_DESCRIPTORS.mobilefacenet.flipTta === true },
  );
  const timings: FrameAnalysis['timings'][] = [];
  const qualityOk: boolean[] = [];
  const pipeline = timed(base, timings, qualityOk);
  const dir = mkdtempSync(join(tmpdir(), 'fv-pad-'));
  const seed = new Uint8Array(randomBytes(32));
  const deviceKeys: DeviceKeys = {
    backend: 'keychain',
    identity: {} as DeviceKeys['identity'], // not used by auth
    // Per-purpose keys from one random seed, as the real key store derives them.
    deriveKey: async (purpose: string) => new Uint8Array(createHmac('sha256', seed).update(purpose).digest()),
    close: async () => {},
  };
  const keys = createKeyService({ open: async () => deviceKeys });
  const models = {
    pipeline: () => pipeline,
    verifyThreshold: () => SHIPPED_THRESHOLD,
  };
  const vaults = createVaultProvider({ keys, dir, scrypt: TEST_SCRYPT });
  const auth = createFaceAuthService({ models, vaults });
  let current = level;
  let override: readonly ChallengeKind[] | undefined;
  const lastSeen: { report?: AttemptReport; refusal?: EnrolmentFeedFailure } = {};
  // Read through a function: TypeScript cannot see the callback assign it during the loop.
  const reportNow = (): AttemptReport | undefined => lastSeen.report;
  // The enrolment's time-spread rules read the capture clock of the frame being fed (replays run faster than real time).
  let captureNow = 0;
  let arrivalNow = 0;
  const flow = createFaceFlow({
    now: () => captureNow,
    // The attempt's time limit runs on main's arrival clock of the sequence (arrivalMs, never the forgeable
    // capture stamps), as main's clock runs with a real camera: a loaded machine that analyses the frames
    // slower than real time must not end attempts early.
    attemptClock: () => arrivalNow,
    userId: 'owner',
    pipeline: () => pipeline,
    auth,
    vault: () => vaults.get(),
    strictness: { current: () => current },
    challengeOverride: () => override,
    onAttemptEnd: (e) => {
      lastSeen.report = e;
    },
    onEnrolmentRefused: (reason) => {
      lastSeen.refusal = reason;
    },
  });
  const refusalNow = (): EnrolmentFeedFailure | undefined => lastSeen.refusal;
  const feed = (f: {
    data: Uint8Array;
    timestampMs: number;
    arrivalMs: number;
    camera: CameraInfo | undefined;
    mainBusyMs?: number;
  }) => {
    captureNow = f.timestampMs;
    arrivalNow = f.arrivalMs;
    return flow.consumer({
      width: 640,
      height: 480,
      data: f.data,
      timestampMs: f.timestampMs,
      arrivalMs: f.arrivalMs,
      ...(f.camera === undefined ? {} : { camera: f.camera }),
      ...(f.mainBusyMs === undefined ? {} : { mainBusyMs: f.mainBusyMs }),
    });
  };
  const enrolWith: PadHarness['enrolWith'] = async (frames) => {
    const vault = await vaults.get();
    if (!(await vault.status()).setUp) await vault.setup(OWNER_PASSPHRASE);
    else await vault.proveOwner(OWNER_PASSPHRASE);
    delete lastSeen.refusal;
    let view = await flow.startEnrolment();
    let used = 0;
    for (const f of frames) {
      used++;
      view = (await feed(f)).flow;
      if (view.kind === 'enrolled' || view.kind === 'enrol-refused') break;
    }
    if (view.kind === 'enrolling') flow.cancel();
    return { view, refusal: refusalNow(), framesUsed: used };
  };
  return {
    flow,
    setLevel(l) {
      current = l;
    },
    enrolWith,
    async enrol(camera = HOME_CAMERA) {
      // The segment (4.3 s) played forward, backward and forward again (a person in front of a camera, not a
      // cut back to its start), with fresh sensor noise on every frame as a real camera's (byte-identical frames
      // are a looped feed): the enrolment needs ≥ 4 s between its first and last capture, each ≥ 0.6 s from
      // the previous (enrollment.ts).
      const segment = clipFrames().slice(ENROL_RANGE.from, ENROL_RANGE.to);
      const r = rng(1);
      const frames = stamp(
        [...segment, ...[...segment].reverse(), ...segment].map((f) => noisy(f, r, 2)),
        rng(2),
        1000,
        camera,
      );
      const out = await enrolWith(frames);
      if (out.view.kind !== 'enrolled')
        throw new Error(
          `enrolment from the face clip did not complete: ${out.view.kind}${out.refusal ? ` (${out.refusal})` : ''}`,
        );
    },
    async attempt(seq) {
      // Each attempt is judged on its own (the lock-out is tested separately): the recovery passphrase resets it.
      const vault = await vaults.get();
      vault.lock('user');
      await vault.unlockWithPassphrase(OWNER_PASSPHRASE);
      vault.lock('user');
      override = seq.challenges;
      delete lastSeen.report;
      timings.length = 0;
      qualityOk.length = 0;
      // The attempt starts on the sequence's own arrival clock (each sequence has its own time base).
      arrivalNow = seq.frames[0]?.arrivalMs ?? arrivalNow;
      await flow.startUnlock();
      let view: AuthFlowState = { kind: 'unlocking' };
      let used = 0;
      for (const f of seq.frames) {
        used++;
        const r = await feed(f);
        view = r.flow;
        if (view.kind === 'accepted' || view.kind === 'rejected' || view.kind === 'locked-out') break;
      }
      if (view.kind !== 'accepted' && view.kind !== 'rejected' && view.kind !== 'locked-out') flow.cancel();
      const pipelineMs = timings.reduce(
        (s, t) => s + t.detectMs + t.qualityMs + t.livenessMs + t.embedMs + (t.meshMs ?? 0),
        0,
      );
      const livenessMs = timings.reduce((s, t) => s + t.livenessMs + (t.meshMs ?? 0), 0);
      const extraEmbedMs = timings.reduce((s, t, i) => s + (qualityOk[i] === true ? 0 : t.embedMs), 0);
      const first = seq.frames[0]?.timestampMs ?? 0;
      const last = seq.frames[Math.max(0, used - 1)]?.timestampMs ?? first;
      return {
        view,
        report: reportNow(),
        unlocked: view.kind === 'accepted',
        framesUsed: used,
        attemptMs: last - first,
        // The flow's own time beyond the pipeline is the liveness code plus the match (the match ran before too).
        addedMs: livenessMs + extraEmbedMs + (reportNow()?.livenessCodeMs ?? 0),
        pipelineMs,
      };
    },
    async embeddingOf(frame) {
      const a = await base.analyzeFrame(
        { data: frame, width: 640, height: 480, format: 'rgba' },
        { embed: 'always', liveness: 'never' },
      );
      // The track compares the embedder's own part (FrameAnalysis.identityEmbedding), not the fused vector.
      return a.identityEmbedding === undefined ? undefined : Float32Array.from(a.identityEmbedding);
    },
    async boxOf(frame) {
      const a = await base.analyzeFrame(
        { data: frame, width: 640, height: 480, format: 'rgba' },
        { embed: 'never', liveness: 'never' },
      );
      const p = a.primary;
      return p === undefined ? undefined : { x1: p.x1, y1: p.y1, x2: p.x2, y2: p.y2 };
    },
    close() {
      auth.close();
      vaults.close();
      seed.fill(0);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
