/**
 * The active, randomised liveness challenge (issue 12 §2), pure and ML-free: draws challenges fresh for each
 * attempt from the platform CSPRNG, and judges them from per-frame landmark observations over time.
 *
 * Conventions: frames are the camera's own (not mirrored); yaw is the nose offset from the eye midpoint along
 * the eye line over the eye distance (quality.ts estimatePose), so a head turned to the user's LEFT moves the
 * nose to the image's right: yaw rises. Pitch is the nose height between eye line (0) and mouth line (1): looking
 * up lowers it. Scale is the face height from dense landmarks (the eye distance without them). Eye openness (blink) needs dense landmarks (FaceMesh): upper–lower
 * lid distance over the eye width, both eyes averaged.
 *
 * Guarantees, for each challenge in turn:
 * - a baseline is taken from the first `baselineFrames` observations after the prompt (medians), or from
 *   those within `baselineMs` of the first one when frames come slower (main answering slowly on a loaded
 *   machine: at 4 fps three frames would span the whole of a quick turn);
 * - the requested motion must exceed its threshold against the baseline on `holdFrames` consecutive frames
 *   (or on one frame that came `holdGapMs` or more after the previous face frame: slow frames)
 *   (a turn must also end `turnAbsolute` past the frontal pose, so the way back from the other side is no turn)
 *   (blink: lids closed to ≤ `blinkClosed` × baseline, then open again ≥ `blinkOpen` ×), no earlier than
 *   `minObserveMs` after the prompt, within `timeoutMs` (else `challenge-timeout`);
 * - a clearly different motion first (another challenge's threshold × `wrongFactor`; blinks never count)
 *   fails it (`wrong-action`): replaying a recording of an earlier attempt answers the wrong challenge;
 * - no face for more than `maxFaceGapMs` after a face was seen fails it (`face-lost`), and so does no face at
 *   all within the first challenge's time limit (frames before the first face, e.g. while a camera starts,
 *   are no gap);
 * - for head motions the landmark motion from the baseline to the peak must not be explained by one
 *   homography (planarity.ts): a flat picture tilted, turned or moved fails with `planar-motion`.
 * What it does not guarantee: that a 3-D mask or a real-time deepfake cannot perform the motion.
 */
import type { ChallengeKind } from '../../shared/ipc-contract.ts';
import { planarity } from './planarity.ts';

export interface ChallengeObservation {
  readonly tMs: number;
  /** Whether the tracked face was seen in this frame (the rest is ignored when not). */
  readonly face: boolean;
  readonly yaw?: number;
  readonly pitch?: number;
  readonly eyeDistancePx?: number;
  /**
   * Face size for "move closer" (pixels): forehead-to-chin from dense landmarks, which a head turn hardly
   * changes (the eye distance shrinks with yaw); the eye distance when absent.
   */
  readonly faceSizePx?: number;
  /** Mean eye openness from dense landmarks (undefined without them). */
  readonly eyeOpenness?: number;
  /** 2-D landmark points (x, y interleaved) used for the planarity test, same indices in every frame. */
  readonly points?: Float32Array;
}

export interface ChallengeThresholds {
  readonly turn: number;
  /** A turn must also end at least this far from the frontal pose (yaw 0): coming back from the other side is no turn. */
  readonly turnAbsolute: number;
  /**
   * After a passed challenge the user is often still finishing that motion: for this long after the next
   * prompt, motion on the same axis away from the requested side re-anchors the baseline instead of counting
   * as a wrong action.
   */
  readonly settleMs: number;
  readonly lookUp: number;
  readonly closer: number;
  readonly blinkClosed: number;
  readonly blinkOpen: number;
  readonly wrongFactor: number;
  readonly baselineFrames: number;
  /** The baseline also ends with the first frame more than this after the baseline's first frame. */
  readonly baselineMs: number;
  readonly holdFrames: number;
  /** A frame this long after the previous face frame holds the motion on its own. */
  readonly holdGapMs: number;
  readonly minObserveMs: number;
  readonly maxFaceGapMs: number;
  /** Blink: face frames without eye openness before any had it that mean "no mesh model" (fail closed). */
  readonly meshlessBlinkFrames: number;
}

export const DEFAULT_CHALLENGE_THRESHOLDS: ChallengeThresholds = {
  turn: 0.15,
  turnAbsolute: 0.12,
  settleMs: 1500,
  lookUp: 0.1,
  closer: 1.2,
  blinkClosed: 0.55,
  blinkOpen: 0.8,
  wrongFactor: 2,
  baselineFrames: 3,
  baselineMs: 150,
  holdFrames: 2,
  holdGapMs: 150,
  minObserveMs: 800,
  maxFaceGapMs: 800,
  meshlessBlinkFrames: 3,
};

export type ChallengeFailure =
  'challenge-timeout' | 'wrong-action' | 'face-lost' | 'planar-motion' | 'challenge-unsupported';

export type ChallengeStatus =
  | {
      readonly state: 'active';
      readonly challenge: ChallengeKind;
      readonly index: number;
      readonly remainingMs: number;
    }
  | { readonly state: 'passed' }
  | { readonly state: 'failed'; readonly reason: ChallengeFailure; readonly challenge: ChallengeKind };

/** Uniform integer in [0, n) from the platform CSPRNG (Web Crypto), rejection-sampled (no modulo bias). */
export function randomIndex(
  n: number,
  random: (buf: Uint32Array) => Uint32Array = (b) => crypto.getRandomValues(b),
): number {
  if (!Number.isInteger(n) || n < 1 || n > 2 ** 31) throw new RangeError('n must be an integer 1..2^31');
  const limit = Math.floor(2 ** 32 / n) * n;
  const buf = new Uint32Array(1);
  for (;;) {
    const v = random(buf)[0]!;
    if (v < limit) return v % n;
  }
}

/**
 * `count` distinct challenges from `pool`, never starting with `avoid` (the previous attempt's first
 * challenge), so a recording of the last attempt always faces a different first challenge.
 */
export function drawChallenges(
  pool: readonly ChallengeKind[],
  count: number,
  avoid?: ChallengeKind,
  random?: (buf: Uint32Array) => Uint32Array,
): ChallengeKind[] {
  const left = [...new Set(pool)];
  if (count < 1 || count > left.length)
    throw new RangeError(`cannot draw ${count} challenges from ${left.length}`);
  const out: ChallengeKind[] = [];
  while (out.length < count) {
    const candidates =
      out.length === 0 && avoid !== undefined && left.length > 1 ? left.filter((k) => k !== avoid) : left;
    const pick = candidates[randomIndex(candidates.length, random)]!;
    out.push(pick);
    left.splice(left.indexOf(pick), 1);
  }
  return out;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

interface Baseline {
  readonly yaw: number;
  readonly pitch: number;
  readonly eye: number;
  readonly size: number;
  readonly open: number | undefined;
  readonly points: Float32Array | undefined;
}

export interface ChallengeRunOptions {
  readonly timeoutMs: number;
  /** Homography residual (fraction of the eye distance) at or below which a head motion counts as planar. */
  readonly planarResidual: number;
  readonly thresholds?: Partial<ChallengeThresholds>;
}

export interface ChallengeEvidence {
  readonly challenge: ChallengeKind;
  readonly passedAtMs: number;
  /** Homography residual / motion of the planarity test (head motions only). */
  readonly planarResidual?: number;
  readonly motion?: number;
}

/** A sequence of challenges judged one after the other from the frames of one attempt. */
export class ChallengeRun {
  readonly kinds: readonly ChallengeKind[];
  private readonly o: ChallengeRunOptions;
  private readonly t: ChallengeThresholds;
  private index = 0;
  private startMs: number | undefined;
  private lastFaceMs: number | undefined;
  private base: Baseline | undefined;
  private readonly pending: ChallengeObservation[] = [];
  private held = 0;
  private metAtMs: number | undefined;
  private peak: { score: number; obs: ChallengeObservation } | undefined;
  private closedSeen = false;
  /** Blink: whether any face frame of this challenge had eye openness, and how many had none before that. */
  private opennessSeen = false;
  private meshless = 0;
  private result: ChallengeStatus | undefined;
  private readonly evidenceList: ChallengeEvidence[] = [];

  constructor(kinds: readonly ChallengeKind[], options: ChallengeRunOptions) {
    if (kinds.length === 0) throw new RangeError('a challenge run needs at least one challenge');
    this.kinds = kinds;
    this.o = options;
    this.t = { ...DEFAULT_CHALLENGE_THRESHOLDS, ...options.thresholds };
  }

  get evidence(): readonly ChallengeEvidence[] {
    return this.evidenceList;
  }

  /** The status without a new frame (e.g. for the first reply), `nowMs` on the frames' clock. */
  status(nowMs?: number): ChallengeStatus {
    if (this.result !== undefined) return this.result;
    const kind = this.kinds[this.index]!;
    const elapsed = this.startMs === undefined || nowMs === undefined ? 0 : nowMs - this.startMs;
    return {
      state: 'active',
      challenge: kind,
      index: this.index,
      remainingMs: Math.max(0, Math.round(this.o.timeoutMs - elapsed)),
    };
  }

  offer(obs: ChallengeObservation): ChallengeStatus {
    if (this.result !== undefined) return this.result;
    const kind = this.kinds[this.index]!;
    this.startMs ??= obs.tMs;
    const elapsed = obs.tMs - this.startMs;
    // Nobody in view for the whole challenge (a camera still adjusting, the user not there yet) is 'face-lost',
    // which costs no attempt: a try is only used by a face that was presented and failed.
    if (elapsed > this.o.timeoutMs)
      return this.fail(this.lastFaceMs === undefined && this.index === 0 ? 'face-lost' : 'challenge-timeout');
    if (!obs.face || obs.yaw === undefined || obs.pitch === undefined || obs.eyeDistancePx === undefined) {
      // The face gap counts from the last face seen; frames before the first face (dark frames while a camera
      // starts) are no gap.
      if (this.lastFaceMs !== undefined && obs.tMs - this.lastFaceMs > this.t.maxFaceGapMs)
        return this.fail('face-lost');
      return this.status(obs.tMs);
    }
    const previousFaceMs = this.lastFaceMs;
    this.lastFaceMs = obs.tMs;
    if (kind === 'blink' && obs.eyeOpenness === undefined) {
      // No lids on this face frame. With no mesh model there never are: fail closed at once (the first
      // `meshlessBlinkFrames` face frames). Once lids were seen, a frame without them (FaceMesh's face flag
      // dropping for a frame or two mid-turn or at a motion blur: in the face clip 53 of 150 frames) is simply
      // not judged — it says nothing about the lids, and failing on it made blink fail closed on real video.
      if (!this.opennessSeen && ++this.meshless >= this.t.meshlessBlinkFrames)
        return this.fail('challenge-unsupported');
      return this.status(obs.tMs);
    }
    if (kind === 'blink') this.opennessSeen = true;
    if (this.base === undefined) {
      const first = this.pending[0];
      if (first !== undefined && obs.tMs - first.tMs > this.t.baselineMs) {
        // Slow frames: the baseline is what came within baselineMs, and this frame is already judged.
        this.base = this.baselineOf(this.pending);
      } else {
        this.pending.push(obs);
        if (this.pending.length >= this.t.baselineFrames) this.base = this.baselineOf(this.pending);
        return this.status(obs.tMs);
      }
    }
    if (this.index > 0 && elapsed < this.t.settleMs && (kind === 'turn-left' || kind === 'turn-right')) {
      // Still finishing the previous motion: follow it (re-anchor) rather than call it a wrong action.
      const away = kind === 'turn-left' ? obs.yaw < this.base.yaw : obs.yaw > this.base.yaw;
      if (away) {
        this.base = { ...this.base, yaw: obs.yaw, points: obs.points };
        this.peak = undefined;
        this.held = 0;
        return this.status(obs.tMs);
      }
    }
    const b = this.base;
    const d = {
      yaw: obs.yaw - b.yaw,
      pitch: obs.pitch - b.pitch,
      scale: (obs.faceSizePx ?? obs.eyeDistancePx) / b.size,
      open:
        obs.eyeOpenness !== undefined && b.open !== undefined && b.open > 0
          ? obs.eyeOpenness / b.open
          : undefined,
    };
    const t = this.t;
    const score: Record<ChallengeKind, number> = {
      'turn-left': d.yaw / t.turn,
      'turn-right': -d.yaw / t.turn,
      'look-up': -d.pitch / t.lookUp,
      'move-closer': (d.scale - 1) / (t.closer - 1),
      blink: 0,
    };
    for (const other of ['turn-left', 'turn-right', 'look-up', 'move-closer'] as const) {
      if (other !== kind && score[other] >= t.wrongFactor) return this.fail('wrong-action');
    }
    let met: boolean;
    if (kind === 'blink') {
      if (d.open !== undefined && d.open <= t.blinkClosed) this.closedSeen = true;
      met = this.closedSeen && d.open !== undefined && d.open >= t.blinkOpen;
    } else {
      const s = score[kind];
      if (this.peak === undefined || s > this.peak.score) this.peak = { score: s, obs };
      const absoluteOk =
        kind === 'turn-left'
          ? obs.yaw >= t.turnAbsolute
          : kind === 'turn-right'
            ? obs.yaw <= -t.turnAbsolute
            : true;
      this.held = s >= 1 && absoluteOk ? this.held + 1 : 0;
      const slowFrame = previousFaceMs !== undefined && obs.tMs - previousFaceMs >= t.holdGapMs;
      met = this.held >= t.holdFrames || (this.held >= 1 && slowFrame);
    }
    if (met) this.metAtMs ??= obs.tMs;
    if (this.metAtMs !== undefined && elapsed >= t.minObserveMs) return this.pass(kind, obs.tMs);
    return this.status(obs.tMs);
  }

  private baselineOf(obs: readonly ChallengeObservation[]): Baseline {
    const opens = obs.map((o) => o.eyeOpenness).filter((x): x is number => x !== undefined);
    const yaw = median(obs.map((o) => o.yaw!));
    // The baseline view for planarity: the observation whose yaw is closest to the median.
    let best = obs[0]!;
    for (const o of obs) if (Math.abs(o.yaw! - yaw) < Math.abs(best.yaw! - yaw)) best = o;
    return {
      yaw,
      pitch: median(obs.map((o) => o.pitch!)),
      eye: median(obs.map((o) => o.eyeDistancePx!)),
      size: median(obs.map((o) => o.faceSizePx ?? o.eyeDistancePx!)),
      open: opens.length === obs.length ? median(opens) : undefined,
      points: best.points,
    };
  }

  private pass(kind: ChallengeKind, tMs: number): ChallengeStatus {
    let planar: { residual: number; motion: number } | undefined;
    if (kind !== 'blink') {
      const a = this.base?.points,
        p = this.peak?.obs.points;
      if (a !== undefined && p !== undefined && a.length === p.length && a.length >= 10) {
        planar = planarity(a, p, a.length / 2, this.base!.eye);
        if (planar.residual <= this.o.planarResidual) return this.fail('planar-motion');
      } else {
        // Without landmarks to test, a head motion cannot be told from a tilted picture: fail closed.
        return this.fail('challenge-unsupported');
      }
    }
    this.evidenceList.push({
      challenge: kind,
      passedAtMs: tMs,
      ...(planar === undefined ? {} : { planarResidual: planar.residual, motion: planar.motion }),
    });
    this.index++;
    if (this.index >= this.kinds.length) {
      this.result = { state: 'passed' };
      return this.result;
    }
    // Next challenge: fresh prompt, baseline and state, from this frame on.
    this.startMs = tMs;
    this.base = undefined;
    this.pending.length = 0;
    this.held = 0;
    this.metAtMs = undefined;
    this.peak = undefined;
    this.closedSeen = false;
    this.opennessSeen = false;
    this.meshless = 0;
    return this.status(tMs);
  }

  private fail(reason: ChallengeFailure): ChallengeStatus {
    this.result = { state: 'failed', reason, challenge: this.kinds[this.index]! };
    return this.result;
  }
}
