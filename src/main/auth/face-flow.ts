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
 */
import {
  AWAIT_DECISION_MAX_MS,
  type AuthFlowState,
  type EnrolmentStatus,
  type FrameGuidance,
} from '../../shared/ipc-contract.ts';
import type { FrameConsumer, FrameReply, RgbaFrame } from '../camera/frame-sink.ts';
import { EnrollmentSession } from './enrollment.ts';
import { EnrolmentNotFoundError, LockedOutError } from './errors.ts';
import type { FaceDecisions } from './face-decisions.ts';
import type { OwnerTicket, Vault } from '../vault/vault.ts';
import { VaultNotSetUpError } from '../vault/vault-errors.ts';
import { ModelsNotReadyError, type FaceAuthService } from './face-auth-service.ts';
import { guidanceFor } from './guidance.ts';
import type { FrameAnalysis, FrameAnalyzer } from '../face/pipeline.ts';
import { faceOverlay } from './face-overlay.ts';

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
  /** Frames collected for one unlock decision (default DEFAULT_FRAMES_PER_ATTEMPT). */
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
}

type Mode =
  | { kind: 'idle' }
  | { kind: 'enrolling'; session: EnrollmentSession; captured: number; needed: number; ticket: OwnerTicket }
  | {
      kind: 'unlocking';
      frames: FrameAnalysis[];
      deadline: number;
      lastFrameAt: number;
      timer: ReturnType<typeof setTimeout>;
    }
  | { kind: 'done'; view: AuthFlowState };

const wipe = (frames: readonly FrameAnalysis[]): void => {
  for (const f of frames) f.embedding?.fill(0);
};

export interface FaceFlow {
  readonly consumer: FrameConsumer;
  status(): Promise<EnrolmentStatus>;
  startEnrolment(): Promise<AuthFlowState>;
  startUnlock(): Promise<AuthFlowState>;
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
  attempt(): Promise<AuthFlowState>;
}

/**
 * Frames per unlock attempt: 3 (was 5). bench:decision on LFW photo-set clips (30 people, shipped set):
 * K=3 median FRR 1.1 % (180 genuine attempts), FAR 0 of 5,220; K=5 median FRR 0.9 %, FAR 0 of 3,248; on the
 * face clip replayed in real time the median decision came 1.38 s vs 1.66 s after the first usable frame
 * (loaded machine: 148 ms per frame). docs/models.md "Decision policy". The flow decides as soon as the
 * median is settled (settledMedian): same decisions, median 1.13 s instead of 1.33 s in one bench:decision run.
 */
export const DEFAULT_FRAMES_PER_ATTEMPT = 3;

export function createFaceFlow(o: FaceFlowOptions): FaceFlow {
  let mode: Mode = { kind: 'idle' };
  const perAttempt = o.framesPerAttempt ?? DEFAULT_FRAMES_PER_ATTEMPT;
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

  /** Leaves the unlocking mode cleanly: its timer stopped, its frames wiped. */
  const leaveUnlocking = (): void => {
    if (mode.kind !== 'unlocking') return;
    clearTimeout(mode.timer);
    wipe(mode.frames);
  };
  const timeOut = (): void => {
    leaveUnlocking();
    mode = { kind: 'done', view: { kind: 'timed-out' } };
    settle();
  };
  /** Ends an attempt whose time ran out (checked on every frame and every read, plus a timer). */
  const expire = (): void => {
    if (mode.kind === 'unlocking' && now() >= mode.deadline) timeOut();
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
        return { kind: 'unlocking' };
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
  ): Promise<FrameGuidance> {
    const step = m.session.offer(a, (o.now ?? performance.now.bind(performance))());
    a.embedding?.fill(0); // the session keeps its own copy
    m.captured = step.captured;
    if (step.done) {
      const embeddings = m.session.finish();
      mode = { kind: 'idle' }; // this session is over, whatever happens next
      try {
        await auth.enrol(o.userId, embeddings, m.ticket);
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

  async function onUnlockFrame(
    m: Extract<Mode, { kind: 'unlocking' }>,
    a: FrameAnalysis,
    auth: FaceDecisions,
  ): Promise<FrameGuidance> {
    m.frames.push(a);
    const guidance = guidanceFor(a.quality.reasons)[0] ?? 'ok';
    // Asked on every frame: the median can be settled before the attempt's last frame (then exactly the
    // decision the full attempt would give, a frame or two sooner); 'pending' stores nothing.
    const framesToCome = perAttempt - m.frames.length;
    const outcome = await auth.verify(o.userId, [...m.frames], { framesToCome });
    if (outcome.decision === 'pending') return guidance;
    const frames = m.frames;
    m.frames = [];
    try {
      if (outcome.decision === 'retry') return outcome.guidance[0] ?? guidance; // keep collecting; no attempt used
      const coarse = outcome.coarse ?? 0;
      if (mode !== m) return guidance; // cancelled or timed out while deciding: the decision is not shown
      clearTimeout(m.timer);
      mode = {
        kind: 'done',
        view:
          outcome.decision === 'accept'
            ? { kind: 'accepted', coarse }
            : outcome.remainingAttempts === 0
              ? { kind: 'locked-out' }
              : { kind: 'rejected', coarse, remainingAttempts: outcome.remainingAttempts },
      };
      settle();
      return guidance;
    } finally {
      wipe(frames);
    }
  }

  const consumer: FrameConsumer = async (frame): Promise<FrameReply> => {
    const pipeline = o.pipeline();
    const auth = o.auth.current();
    expire();
    if (mode.kind === 'unlocking') {
      // A gap in the stream means the camera changed or stopped: this attempt never sees the new frames.
      if (now() - mode.lastFrameAt > maxGapMs) timeOut();
      else mode.lastFrameAt = now();
    }
    const m = mode;
    if (pipeline && auth && (m.kind === 'enrolling' || m.kind === 'unlocking')) {
      const input = { data: frame.data, width: frame.width, height: frame.height, format: 'rgba' as const };
      const a = await pipeline.analyzeFrame(input, { embed: 'if-quality-ok', liveness: 'if-quality-ok' });
      const overlay = faceOverlay(a.primary, frame.width, frame.height);
      if (mode !== m) {
        a.embedding?.fill(0); // the attempt ended while this frame was analysed
        return { guidance: guidanceFor(a.quality.reasons)[0] ?? 'ok', flow: view(), overlay };
      }
      const guidance =
        m.kind === 'enrolling' ? await onEnrolFrame(m, a, auth) : await onUnlockFrame(m, a, auth);
      return { guidance, flow: view(), overlay };
    }
    return { ...(await previewFrame(pipeline, frame)), flow: view() };
  };

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
      mode = { kind: 'enrolling', session, captured: 0, needed: session.needed, ticket };
      return view();
    },
    async startUnlock() {
      const { auth } = await ready();
      if (!(await auth.isEnrolled())) throw new EnrolmentNotFoundError();
      if ((await auth.attempts()).lockedOut) throw new LockedOutError();
      setIdle();
      const t = now();
      const timer = setTimeout(expire, attemptMs + 5);
      timer.unref?.();
      mode = { kind: 'unlocking', frames: [], deadline: t + attemptMs, lastFrameAt: t, timer };
      return view();
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
    async attempt() {
      const start = await api.startUnlock();
      if (start.kind !== 'unlocking') return start;
      return new Promise<AuthFlowState>((resolve) => waiters.push(resolve));
    },
  };
  return api;
}
