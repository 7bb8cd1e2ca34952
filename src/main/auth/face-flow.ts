/**
 * The enrol / unlock flow that every camera frame goes through in main. The renderer chooses a mode with
 * a named call (start enrolment, start an unlock attempt, cancel) and then only streams frames; each
 * frame's reply is one guidance word plus the flow state (auth-flow states in src/shared/ipc-contract.ts).
 *
 * Guarantees: decisions are made here, never in the renderer; embeddings and templates stay in this
 * process (enrolment embeddings go straight into the sealed template of the auth state, the frames of an attempt are
 * wiped once decided); the renderer sees at most a 4-level coarse score of a finished attempt; an unlock
 * attempt is several frames judged together (FaceDecisions.verify), too few usable frames is a 'retry' that costs
 * no attempt, and 5 rejected attempts lock face unlock until the recovery passphrase resets it (the counter
 * lives inside the authenticated, versioned auth state and survives restarts). An accept releases the vault
 * key (vault/vault.ts). Enrolment and deletion change who can unlock: both need an owner ticket from the
 * vault (a passphrase or a face match made seconds before; the first enrolment uses the proof vault:setup
 * leaves); a ticket taken when an enrolment starts dies with the next lock, so an enrolment begun by the
 * owner cannot be finished by someone else after a screen lock.
 *
 * Liveness (issue 12, src/main/liveness/, docs/liveness.md): every unlock attempt first runs a freshly drawn
 * active challenge judged from landmarks over time, with the feed checks (timestamps, duplicate / frozen
 * frames), the camera checks (pinned at enrolment, virtual cameras in strict mode), the identity track and the
 * fused passive-PAD score at the strictness level the settings hold; only an attempt that passes all of them
 * is matched. A liveness failure counts towards the lock-out like a rejected match (except a face that left).
 * An enrolment runs the feed, camera and identity checks on every frame (liveness/enrolment-feed.ts): a feed
 * that is not one live continuous scene of one person is refused ('enrol-refused' with a stable code) and
 * nothing is stored; a broken track without a proven swap restarts the capture.
 */
import {
  AWAIT_DECISION_MAX_MS,
  type AuthFlowState,
  type CameraInfo,
  type ChallengeKind,
  type EnrolRefusalCode,
  type EnrolmentStatus,
  type FrameGuidance,
  type StrictnessLevel,
} from '../../shared/ipc-contract.ts';
import type { FrameConsumer, FrameReply, RgbaFrame } from '../camera/frame-sink.ts';
import { EnrollmentSession } from './enrollment.ts';
import { EnrolmentFeedGuard, type EnrolmentFeedFailure } from '../liveness/enrolment-feed.ts';
import { EnrolmentNotFoundError, LockedOutError } from './errors.ts';
import type { FaceDecisions } from './face-decisions.ts';
import type { OwnerTicket, Vault } from '../vault/vault.ts';
import { VaultNotSetUpError } from '../vault/vault-errors.ts';
import { ModelsNotReadyError, type FaceAuthService } from './face-auth-service.ts';
import { guidanceFor } from './guidance.ts';
import type { FrameAnalysis, FrameAnalyzer } from '../face/pipeline.ts';
import { faceOverlay } from './face-overlay.ts';
import { parseEnrolmentRecord, type LivenessEnrolmentRecord } from '../liveness/enrolment-record.ts';
import { categoryOf, countsAsFailure, type LivenessFailure } from '../liveness/liveness-attempt.ts';
import {
  DEFAULT_STRICTNESS,
  effectiveStrictness,
  fixedStrictness,
  type LivenessPolicy,
  type StrictnessSource,
} from '../liveness/strictness.ts';
import { pinCamera, UnlockAttempt } from '../liveness/unlock-attempt.ts';

/** A frame outside any flow (the live preview): detection and quality only, no embedding. */
export async function previewFrame(
  pipeline: FrameAnalyzer | null,
  frame: RgbaFrame,
): Promise<Omit<FrameReply, 'flow'>> {
  if (!pipeline) return { guidance: 'models-not-ready', overlay: null };
  const a = await pipeline.analyzeFrame(
    { data: frame.data, width: frame.width, height: frame.height, format: 'rgba' },
    { embed: 'never', liveness: 'never' },
  );
  return {
    guidance: guidanceFor(a.quality.reasons)[0] ?? 'ok',
    overlay: faceOverlay(a.primary, frame.width, frame.height),
  };
}

/** Guidance for a preview frame (see previewFrame). */
export async function previewGuidance(
  pipeline: FrameAnalyzer | null,
  frame: RgbaFrame,
): Promise<FrameGuidance> {
  return (await previewFrame(pipeline, frame)).guidance;
}

export interface FaceFlowOptions {
  /** The live pipeline, or null while models are not ready. */
  readonly pipeline: () => FrameAnalyzer | null;
  /** FaceAuth for this device (template + counter keys): awaited by every named call, synchronous per frame. */
  readonly auth: FaceAuthService;
  /** The vault (owner proof, vault-key release); rejects with a typed error while the keys are not open. */
  readonly vault: () => Promise<Vault>;
  readonly userId: string;
  /**
   * Frames one unlock decision is matched on (default DEFAULT_FRAMES_PER_ATTEMPT): the tracked face's most
   * frontal quality frames once the liveness challenge passed (the challenge collects its own frames).
   */
  readonly framesPerAttempt?: number;
  /**
   * An unlock attempt that has not decided within this time ends as 'timed-out' (default 12 s): it costs no
   * attempt, and a later frame (another camera, another person) can never be judged as part of it.
   */
  readonly attemptTimeoutMs?: number;
  /**
   * Frames of one attempt must be continuous: a gap longer than this (the camera was switched, stopped or
   * lost) ends the attempt as 'timed-out' before the next frame is looked at (default 2 s).
   */
  readonly maxFrameGapMs?: number;
  /** Clock (ms) for the attempt's time limit and frame-gap check (default Date.now). */
  readonly attemptClock?: () => number;
  /** Monotonic clock (ms) stamping enrolment captures (EnrollmentSession's time-spread rules); default performance.now. */
  readonly now?: () => number;
  /** The owner's strictness level (the settings concern); default 'balanced'. */
  readonly strictness?: StrictnessSource;
  /** Whether the loaded model set has a passive PAD model (default: true). */
  readonly padAvailable?: () => boolean;
  /** How long after the challenges the flow may keep collecting frames for the match (default 3000 ms). */
  readonly matchWindowMs?: number;
  /**
   * Tests and bench:pad only: the challenge sequence to use instead of a random draw (so a recorded bona fide
   * sequence is judged against the motion it really contains; undefined = draw). Never set in the app.
   */
  readonly challengeOverride?: (policy: LivenessPolicy) => readonly ChallengeKind[] | undefined;
  /**
   * Called once per finished unlock attempt with what decided it (codes and the fused PAD score only, never a
   * frame or embedding): for the log and bench:pad. Never forwarded to the renderer.
   */
  readonly onAttemptEnd?: (e: AttemptReport) => void;
  /** Called when an enrolment is refused, with the fine reason (for the log and tests; never the renderer). */
  readonly onEnrolmentRefused?: (reason: EnrolmentFeedFailure) => void;
  /** Called when an enrolment's capture starts again after a track or scene break (log only). */
  readonly onEnrolmentRestart?: (reason: 'face-lost' | 'track-jump' | 'scene-cut') => void;
}

/** The stable code the renderer gets for a refused enrolment (coarse: never which check tripped). */
export function refusalCode(reason: EnrolmentFeedFailure): EnrolRefusalCode {
  switch (reason) {
    case 'identity-changed':
      return 'ENROLMENT_PERSON_CHANGED';
    case 'camera-changed':
      return 'ENROLMENT_CAMERA_CHANGED';
    default:
      return 'ENROLMENT_FEED_NOT_LIVE';
  }
}

export interface AttemptReport {
  readonly result: 'accepted' | 'rejected' | 'liveness-failed';
  readonly failure?: LivenessFailure;
  readonly challenges: readonly ChallengeKind[];
  readonly padScore?: number;
  readonly planarResiduals: readonly number[];
  readonly frames: number;
  /** Time the liveness checks' own code took over the attempt (ms; the models' time is in the pipeline timings). */
  readonly livenessCodeMs: number;
}

export interface LivenessStatus {
  readonly level: StrictnessLevel;
  /** The level recorded with the template at enrolment (null: enrolled before it was recorded / not enrolled). */
  readonly enrolledLevel: StrictnessLevel | null;
  /** Set when the current level is below the enrolled one: a visible downgrade. */
  readonly downgradedFrom: StrictnessLevel | null;
  /** Label of the camera pinned at enrolment. */
  readonly pinnedCamera: string | null;
}

type Mode =
  | { kind: 'idle' }
  | {
      kind: 'enrolling';
      session: EnrollmentSession;
      /** Feed, camera and identity checks over every frame of this enrolment (enrolment-feed.ts). */
      guard: EnrolmentFeedGuard;
      captured: number;
      needed: number;
      ticket: OwnerTicket;
      camera?: CameraInfo;
    }
  | {
      kind: 'unlocking';
      policy: LivenessPolicy;
      record: LivenessEnrolmentRecord | null;
      attempt: UnlockAttempt | null;
      view: AuthFlowState;
      matchSinceMs?: number;
      deadline: number;
      /** When the last frame of this attempt arrived; undefined until the first (a camera still starting). */
      lastFrameAt: number | undefined;
      /** Started by attempt() for a caller without a window (desktop unlock): a window's startUnlock joins it. */
      background: boolean;
      timer: ReturnType<typeof setTimeout>;
    }
  | { kind: 'done'; view: AuthFlowState };

/**
 * The frames an attempt is matched on: the identity track already tied every frame to one face, so the match
 * uses that face's most frontal quality-passing views (at most `max`, default 3: bench:decision), not the turned ones a challenge asked for
 * (the template is enrolled near frontal; turned views score lower for the owner without saying anything
 * about an impostor).
 */
export function matchFrames(
  frames: readonly FrameAnalysis[],
  max = DEFAULT_FRAMES_PER_ATTEMPT,
): FrameAnalysis[] {
  const yaw = (f: FrameAnalysis): number => Math.abs(f.quality.metrics?.pose.yaw ?? Infinity);
  return frames
    .filter((f) => f.quality.ok && f.embedding !== undefined)
    .sort((a, b) => yaw(a) - yaw(b))
    .slice(0, max);
}

const withChallenges = (
  c: readonly ChallengeKind[] | undefined,
): { challenges?: readonly ChallengeKind[] } => (c === undefined ? {} : { challenges: c });

/** The passive gate ran on the attempt's fused score; the per-frame filter of verify must not apply it again. */
const strip = (f: FrameAnalysis): FrameAnalysis => {
  const { liveness: _omit, ...rest } = f;
  return rest;
};

/** What a caller of startUnlock / attempt may ask for beyond the owner's settings. */
export interface UnlockRequest {
  /**
   * The lowest liveness level this attempt may run at, whatever the owner chose (the background desktop
   * unlock passes 'strict': no window shows its prompts, and it unlocks the whole session).
   */
  readonly atLeast?: StrictnessLevel;
}

export interface FaceFlow {
  readonly consumer: FrameConsumer;
  status(): Promise<EnrolmentStatus>;
  /** The liveness level in force, the one recorded at enrolment, a downgrade, the pinned camera. */
  livenessStatus(): Promise<LivenessStatus>;
  startEnrolment(): Promise<AuthFlowState>;
  /**
   * Starts an unlock attempt. While a background attempt (attempt()) runs, a window's call joins it instead
   * of restarting it: the frames are the same camera's, and restarting would cancel the stricter attempt.
   */
  startUnlock(request?: UnlockRequest): Promise<AuthFlowState>;
  cancel(): AuthFlowState;
  deleteEnrolment(): Promise<EnrolmentStatus>;
  /** The end of the running flow (decision, or idle when cancelled); the current state when none runs. */
  awaitDecision(maxWaitMs?: number): Promise<AuthFlowState>;
  /** Where the flow stands now (also ends an attempt whose time ran out). */
  state(): AuthFlowState;
  /**
   * One whole unlock attempt for a caller without a window (the desktop-session unlock): starts it and
   * resolves with its end state (accepted / rejected / locked-out / timed-out, or idle when cancelled).
   */
  attempt(request?: UnlockRequest): Promise<AuthFlowState>;
}

/**
 * Frames per unlock attempt: 3 (was 5). bench:decision on LFW photo-set clips (30 people, shipped set):
 * K=3 median FRR 1.1 % (180 genuine attempts), FAR 0 of 5,220; K=5 median FRR 0.9 %, FAR 0 of 3,248; on the
 * face clip replayed in real time the median decision came 1.38 s vs 1.66 s after the first usable frame
 * (loaded machine: 148 ms per frame). docs/models.md "Decision policy". With liveness the match runs once
 * the challenge has passed, on the attempt's most frontal usable frames (matchFrames), which by then are
 * usually all there; FaceDecisions' early rule (settledMedian, `framesToCome`) serves callers that collect
 * frames one at a time, such as bench:decision.
 */
export const DEFAULT_FRAMES_PER_ATTEMPT = 3;

export function createFaceFlow(o: FaceFlowOptions): FaceFlow {
  let mode: Mode = { kind: 'idle' };
  const perAttempt = o.framesPerAttempt ?? DEFAULT_FRAMES_PER_ATTEMPT;
  const strictness = o.strictness ?? fixedStrictness(DEFAULT_STRICTNESS);
  const matchWindowMs = o.matchWindowMs ?? 3000;
  let lastFirstChallenge: ChallengeKind | undefined;

  const readRecord = async (auth: FaceDecisions): Promise<LivenessEnrolmentRecord | null> => {
    const r = await auth.enrolmentRecord(o.userId);
    return parseEnrolmentRecord(r === null ? null : r['liveness']);
  };
  /** Callers of awaitDecision, answered when the running flow ends. */
  let waiters: Array<(v: AuthFlowState) => void> = [];
  const settle = (): void => {
    const w = waiters;
    waiters = [];
    const v = view();
    for (const resolve of w) resolve(v);
  };
  const running = (): boolean => mode.kind === 'enrolling' || mode.kind === 'unlocking';
  const attemptMs = o.attemptTimeoutMs ?? 12_000;
  const maxGapMs = o.maxFrameGapMs ?? 2_000;
  const now = o.attemptClock ?? Date.now;

  /** Leaves the unlocking mode cleanly: its timer stopped, its liveness attempt (frames, track) wiped. */
  const leaveUnlocking = (): void => {
    if (mode.kind !== 'unlocking') return;
    clearTimeout(mode.timer);
    mode.attempt?.wipe();
  };
  const timeOut = (): void => {
    leaveUnlocking();
    mode = { kind: 'done', view: { kind: 'timed-out' } };
    settle();
  };
  /** Ends an attempt whose time ran out (checked on every frame and every read, plus a timer). */
  //
  // Attempt time limit vs liveness challenge: while a challenge runs, the challenge's own per-step limits govern
  // (UnlockAttempt fails it as 'challenge-failed' when a step runs out), so the attempt timer never cuts off a
  // challenge that is still within its time. The attempt deadline is pushed to at least attemptMs past the
  // latest challenge frame, so the match after a passed challenge gets the full attempt time. A gap in the
  // frames (camera switched or stopped) still ends the attempt as 'timed-out' at any phase.
  const expire = (): void => {
    if (mode.kind !== 'unlocking') return;
    const t = now();
    if (mode.view.kind === 'challenge') {
      if (mode.lastFrameAt !== undefined && t - mode.lastFrameAt > maxGapMs) return timeOut();
      mode.deadline = Math.max(mode.deadline, t + attemptMs);
      clearTimeout(mode.timer); // re-armed on the gap limit: a stream that stops mid-challenge still ends
      mode.timer = setTimeout(expire, maxGapMs + 5);
      mode.timer.unref?.();
      return;
    }
    if (t >= mode.deadline) timeOut();
  };

  /** Awaits the models and the template/counter keys; a failure is the typed error of what is missing. */
  const ready = async (): Promise<{ pipeline: FrameAnalyzer; auth: FaceDecisions }> => {
    const auth = await o.auth.ready();
    const pipeline = o.pipeline();
    if (!pipeline) throw new ModelsNotReadyError();
    return { pipeline, auth };
  };

  const view = (): AuthFlowState => {
    switch (mode.kind) {
      case 'idle':
        return { kind: 'idle' };
      case 'enrolling':
        return { kind: 'enrolling', captured: mode.captured, needed: mode.needed };
      case 'unlocking':
        return mode.view;
      case 'done':
        return mode.view;
    }
  };

  const setIdle = (): void => {
    leaveUnlocking();
    mode = { kind: 'idle' };
    settle();
  };

  async function onEnrolFrame(
    m: Extract<Mode, { kind: 'enrolling' }>,
    a: FrameAnalysis,
    auth: FaceDecisions,
    frame: RgbaFrame,
  ): Promise<FrameGuidance> {
    if (frame.camera !== undefined) m.camera ??= frame.camera;
    // One live, continuous scene of one person (issue 12): checked on every frame before any view counts.
    const arrivalMs = frame.arrivalMs ?? performance.now();
    const g = m.guard.offer(
      {
        data: frame.data,
        width: frame.width,
        height: frame.height,
        captureMs: frame.timestampMs ?? arrivalMs,
        arrivalMs,
        ...(frame.mainBusyMs === undefined ? {} : { mainBusyMs: frame.mainBusyMs }),
        camera: frame.camera,
      },
      a,
    );
    if (g.state === 'failed') {
      a.embedding?.fill(0);
      m.session.wipe();
      m.guard.wipe();
      o.onEnrolmentRefused?.(g.reason);
      mode = { kind: 'done', view: { kind: 'enrol-refused', code: refusalCode(g.reason) } };
      settle();
      return 'hold-still';
    }
    if (g.state === 'restart') {
      // The track broke (face gone too long, or jumped): views before it may be someone else's. Start again.
      m.session.wipe();
      m.session = new EnrollmentSession();
      m.captured = 0;
      o.onEnrolmentRestart?.(g.reason);
    }
    const step = m.session.offer(a, (o.now ?? performance.now.bind(performance))());
    a.embedding?.fill(0); // the session keeps its own copy
    m.captured = step.captured;
    if (step.done) {
      const embeddings = m.session.finish();
      mode = { kind: 'idle' }; // this session is over, whatever happens next
      try {
        // The level and camera of this enrolment go into the template's record (issue 12 §3–4).
        const record: LivenessEnrolmentRecord = {
          v: 1,
          strictness: await strictness.current(),
          camera: pinCamera(m.camera),
        };
        await auth.enrol(o.userId, embeddings, m.ticket, { liveness: record });
      } catch (e) {
        settle();
        throw e;
      } finally {
        for (const e of embeddings) e.fill(0);
      }
      mode = { kind: 'done', view: { kind: 'enrolled' } };
      settle();
      return 'ok';
    }
    return step.guidance[0] ?? (step.accepted ? 'ok' : 'hold-still');
  }

  const report = (
    m: Extract<Mode, { kind: 'unlocking' }>,
    result: AttemptReport['result'],
    failure?: LivenessFailure,
    padScore?: number,
  ): void => {
    const a = m.attempt;
    o.onAttemptEnd?.({
      result,
      ...(failure === undefined ? {} : { failure }),
      challenges: a?.liveness.challenges ?? [],
      ...(padScore === undefined ? {} : { padScore }),
      planarResiduals:
        a?.liveness.evidence.flatMap((e) => (e.planarResidual === undefined ? [] : [e.planarResidual])) ?? [],
      frames: a?.frames.length ?? 0,
      livenessCodeMs: a?.codeMs ?? 0,
    });
  };

  async function livenessFailed(
    m: Extract<Mode, { kind: 'unlocking' }>,
    reason: LivenessFailure,
    auth: FaceDecisions,
  ): Promise<void> {
    const category = categoryOf(reason);
    // Nobody was ever in view: as any attempt that saw nothing, it ends as 'timed-out' ("I couldn't see you
    // clearly"), costing no attempt, whatever check gave up first (the challenge's time, or a feed check on a
    // still, empty scene such as a covered camera or a bare wall): the lock-out limits guesses at a face, and
    // no face was presented. A camera that is not allowed is still said so.
    const sawAFace = m.attempt?.frames.some((f) => f.primary !== undefined) ?? false;
    report(m, 'liveness-failed', reason);
    if (!sawAFace && category !== 'camera-not-allowed') return timeOut();
    m.attempt?.wipe();
    clearTimeout(m.timer);
    if (!countsAsFailure(reason)) {
      const { remainingAttempts } = await auth.attempts();
      if (mode !== m) return; // cancelled or timed out meanwhile: no attempt was used, nothing to show
      mode = { kind: 'done', view: { kind: 'rejected', coarse: 0, remainingAttempts, reason: category } };
    } else {
      const remaining = await auth.recordLivenessFailure();
      mode = {
        kind: 'done',
        view:
          remaining === 0
            ? { kind: 'locked-out' }
            : { kind: 'rejected', coarse: 0, remainingAttempts: remaining, reason: category },
      };
    }
    settle();
  }

  async function onUnlockFrame(
    m: Extract<Mode, { kind: 'unlocking' }>,
    a: FrameAnalysis,
    auth: FaceDecisions,
    frame: RgbaFrame,
  ): Promise<FrameGuidance> {
    const guidance = guidanceFor(a.quality.reasons)[0] ?? 'ok';
    const arrivalMs = frame.arrivalMs ?? performance.now();
    const captureMs = frame.timestampMs ?? arrivalMs;
    if (m.attempt === null) {
      m.attempt = new UnlockAttempt({
        policy: m.policy,
        pinnedCamera: m.record?.camera ?? null,
        camera: frame.camera,
        padAvailable: o.padAvailable?.() ?? true,
        ...(lastFirstChallenge === undefined ? {} : { avoid: lastFirstChallenge }),
        ...withChallenges(o.challengeOverride?.(m.policy)),
      });
      lastFirstChallenge = m.attempt.liveness.challenges[0];
      const first = m.attempt.first();
      if (first.state === 'failed') {
        a.embedding?.fill(0);
        await livenessFailed(m, first.reason, auth);
        return guidance;
      }
    }
    const attempt = m.attempt;
    const step = attempt.offer(
      {
        data: frame.data,
        width: frame.width,
        height: frame.height,
        captureMs,
        arrivalMs,
        ...(frame.mainBusyMs === undefined ? {} : { mainBusyMs: frame.mainBusyMs }),
        camera: frame.camera,
      },
      a,
    );
    if (step.state === 'failed') {
      await livenessFailed(m, step.reason, auth);
      return guidance;
    }
    if (step.state === 'challenge') {
      m.view = {
        kind: 'challenge',
        challenge: step.challenge,
        remainingMs: step.remainingMs,
        step: step.index + 1,
        steps: step.of,
      };
      return guidance;
    }
    // Live: match the tracked face's frames against the template (multi-frame decision, FaceDecisions).
    m.view = { kind: 'unlocking' };
    m.matchSinceMs ??= captureMs;
    const outcome = await auth.verify(o.userId, matchFrames(attempt.frames, perAttempt).map(strip));
    if (mode !== m) return guidance; // cancelled or timed out while deciding: the decision is not shown
    if (outcome.decision === 'retry') {
      if (captureMs - m.matchSinceMs <= matchWindowMs) return outcome.guidance[0] ?? 'hold-still';
      // No usable frontal frames after the challenge: start over with a fresh challenge, no attempt used.
      attempt.wipe();
      m.attempt = null;
      delete m.matchSinceMs;
      return outcome.guidance[0] ?? 'face-the-camera';
    }
    const coarse = outcome.coarse ?? 0;
    report(
      m,
      outcome.decision === 'accept' ? 'accepted' : 'rejected',
      undefined,
      attempt.liveness.padFused?.score,
    );
    attempt.wipe();
    clearTimeout(m.timer);
    mode = {
      kind: 'done',
      view:
        outcome.decision === 'accept'
          ? { kind: 'accepted', coarse }
          : outcome.remainingAttempts === 0
            ? { kind: 'locked-out' }
            : { kind: 'rejected', coarse, remainingAttempts: outcome.remainingAttempts, reason: 'no-match' },
    };
    settle();
    return guidance;
  }

  const consumer: FrameConsumer = async (frame): Promise<FrameReply> => {
    const pipeline = o.pipeline();
    const auth = o.auth.current();
    expire();
    if (mode.kind === 'unlocking') {
      // A gap in the stream means the camera changed or stopped: this attempt never sees the new frames. The
      // time before the attempt's first frame is no gap (a camera takes a moment to start; the attempt's own
      // time limit still ends an attempt that never gets a frame).
      if (mode.lastFrameAt !== undefined && now() - mode.lastFrameAt > maxGapMs) timeOut();
      else mode.lastFrameAt = now();
    }
    const m = mode;
    if (pipeline && auth && (m.kind === 'enrolling' || m.kind === 'unlocking')) {
      const input = { data: frame.data, width: frame.width, height: frame.height, format: 'rgba' as const };
      // Unlock attempts analyse every frame with a face: the challenge, the track and PAD need the turned
      // frames too; the match still uses only quality-passing ones.
      const a = await pipeline.analyzeFrame(
        input,
        m.kind === 'enrolling'
          ? // Quality-passing frames are embedded (the only ones a view can come from): the enrolment's identity
            // track compares each with the previous one, so a swapped-in person who could become a view is caught.
            // Embedding turned-away frames too made the owner's own consecutive embeddings minutes apart on a
            // loaded machine fall below the track's bound (a desktop-unlock e2e enrolment refused the owner).
            { embed: 'if-quality-ok', liveness: 'if-quality-ok' }
          : { embed: 'always', liveness: 'always', mesh: 'always' },
      );
      const overlay = faceOverlay(a.primary, frame.width, frame.height);
      if (mode !== m) {
        a.embedding?.fill(0); // the attempt ended while this frame was analysed
        return { guidance: guidanceFor(a.quality.reasons)[0] ?? 'ok', flow: view(), overlay };
      }
      const guidance =
        m.kind === 'enrolling'
          ? await onEnrolFrame(m, a, auth, frame)
          : await onUnlockFrame(m, a, auth, frame);
      return { guidance, flow: view(), overlay };
    }
    return { ...(await previewFrame(pipeline, frame)), flow: view() };
  };

  /** Starts an unlock attempt at the owner's level (raised to `request.atLeast`), or joins a background one. */
  async function begin(request: UnlockRequest | undefined, background: boolean): Promise<AuthFlowState> {
    const { auth } = await ready();
    if (!(await auth.isEnrolled())) throw new EnrolmentNotFoundError();
    if ((await auth.attempts()).lockedOut) throw new LockedOutError();
    if (!background && mode.kind === 'unlocking' && mode.background) return view();
    const record = await readRecord(auth);
    const level = await strictness.current();
    const { policy } = effectiveStrictness(level, record?.strictness ?? null, request?.atLeast);
    // Another call may have started or joined an attempt while the level and record were read.
    if (!background && mode.kind === 'unlocking' && mode.background) return view();
    setIdle();
    const t = now();
    const timer = setTimeout(expire, attemptMs + 5);
    timer.unref?.();
    mode = {
      kind: 'unlocking',
      policy,
      record,
      attempt: null,
      view: { kind: 'unlocking' },
      deadline: t + attemptMs,
      lastFrameAt: undefined,
      background,
      timer,
    };
    return view();
  }

  const api: FaceFlow = {
    consumer,
    async status() {
      const { auth } = await ready();
      const enrolled = await auth.isEnrolled();
      return { enrolled, ...(await auth.attempts()) };
    },
    async startEnrolment() {
      await ready();
      const vault = await o.vault();
      const s = await vault.status();
      if (!s.setUp) throw new VaultNotSetUpError();
      // OWNER_PROOF_REQUIRED without a fresh proof; the first enrolment has the one vault:setup leaves.
      const ticket = vault.authorize(s.enrolled ? 'Setting up your face again' : 'Setting up your face');
      setIdle();
      const session = new EnrollmentSession();
      mode = {
        kind: 'enrolling',
        session,
        guard: new EnrolmentFeedGuard(),
        captured: 0,
        needed: session.needed,
        ticket,
      };
      return view();
    },
    startUnlock: (request) => begin(request, false),
    async livenessStatus() {
      const { auth } = await ready();
      const level = await strictness.current();
      const record = (await auth.isEnrolled()) ? await readRecord(auth) : null;
      const enrolledLevel = record?.strictness ?? null;
      return {
        level,
        enrolledLevel,
        downgradedFrom: effectiveStrictness(level, enrolledLevel).downgradedFrom,
        pinnedCamera: record?.camera?.label ?? null,
      };
    },
    cancel() {
      setIdle();
      return view();
    },
    awaitDecision(maxWaitMs = AWAIT_DECISION_MAX_MS) {
      expire();
      if (!running()) return Promise.resolve(view());
      return new Promise<AuthFlowState>((resolve) => {
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== answer);
          resolve(view());
        }, maxWaitMs);
        const answer = (v: AuthFlowState): void => {
          clearTimeout(timer);
          resolve(v);
        };
        waiters.push(answer);
      });
    },
    async deleteEnrolment() {
      const { auth } = await ready();
      const ticket = (await o.vault()).authorize('Deleting your face data'); // else OWNER_PROOF_REQUIRED
      setIdle();
      await auth.deleteEnrolment(ticket);
      return { enrolled: false, ...(await auth.attempts()) };
    },
    state() {
      expire();
      return view();
    },
    async attempt(request) {
      const start = await begin(request, true);
      if (start.kind !== 'unlocking') return start;
      return new Promise<AuthFlowState>((resolve) => waiters.push(resolve));
    },
  };
  return api;
}
