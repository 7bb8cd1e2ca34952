/**
 * Enrolment, multi-frame verification and lock-out over a TemplateVault and an AttemptCounter. Keys are
 * supplied by the caller (template key = deriveKey('template'), counter key = a separate derived key) and
 * never stored here. A verification attempt decides on several frames: frames that fail quality/liveness do
 * not count; with too few good frames the attempt is 'retry' (no failure recorded); otherwise the median
 * template score against the threshold decides, and a reject counts towards the 5-failure lock-out. The
 * caller (IPC layer) forwards only `decision`, `coarse`, `guidance` and `remainingAttempts`.
 */
import type { FrameAnalysis } from '../face/pipeline.ts';
import { buildTemplate, scoreTemplate, type TemplateMode } from '../face/match.ts';
import { AttemptCounter, MAX_FAILED_ATTEMPTS } from './attempt-counter.ts';
import { EnrolmentNotFoundError, LockedOutError } from './errors.ts';
import { guidanceFor, quantiseScore, type CoarseScore, type Guidance } from './guidance.ts';
import { TemplateVault } from './template-vault.ts';

export interface FaceAuthOptions {
  readonly dir: string;
  readonly templateKey: Uint8Array;
  readonly counterKey: Uint8Array;
  /** Cosine threshold for the target FAR (the embedder descriptor's `verifyThreshold`). */
  readonly threshold: number;
  readonly minGoodFrames?: number;
  readonly minLiveScore?: number;
  readonly templateMode?: TemplateMode;
  readonly maxFailures?: number;
}

export interface VerifyOutcome {
  readonly decision: 'accept' | 'reject' | 'retry';
  readonly coarse?: CoarseScore;
  readonly guidance: readonly Guidance[];
  readonly remainingAttempts: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export class FaceAuth {
  private readonly vault: TemplateVault;
  private readonly counter: AttemptCounter;
  private readonly o: FaceAuthOptions;
  private readonly maxFailures: number;

  constructor(options: FaceAuthOptions) {
    this.o = options;
    this.maxFailures = options.maxFailures ?? MAX_FAILED_ATTEMPTS;
    this.vault = new TemplateVault(options.dir);
    this.counter = new AttemptCounter(options.dir, options.counterKey, this.maxFailures);
  }

  /** Stores (or replaces) the template and starts a fresh attempt counter. */
  async enrol(userId: string, embeddings: readonly Float32Array[]): Promise<void> {
    await this.vault.save(userId, embeddings, this.o.templateKey);
    await this.counter.reset(userId);
  }

  /** Deletes template and counter (template bytes overwritten before unlinking). */
  async deleteEnrolment(userId: string): Promise<void> {
    await this.vault.delete(userId);
    await this.counter.remove(userId);
  }

  /** Called by the recovery-passphrase flow after it has verified the passphrase. */
  async unlockAfterRecovery(userId: string): Promise<void> {
    await this.counter.reset(userId);
  }

  async isEnrolled(userId: string): Promise<boolean> {
    return this.vault.exists(userId);
  }

  /** Lock-out state for the UI; a tampered counter reads as STATE_CORRUPT (fail closed), like verify(). */
  async attempts(
    userId: string,
  ): Promise<{ readonly lockedOut: boolean; readonly remainingAttempts: number }> {
    if (!(await this.vault.exists(userId))) return { lockedOut: false, remainingAttempts: this.maxFailures };
    const s = await this.counter.read(userId);
    return { lockedOut: s.lockedOut, remainingAttempts: Math.max(0, this.maxFailures - s.failures) };
  }

  async verify(userId: string, frames: readonly FrameAnalysis[]): Promise<VerifyOutcome> {
    if (!(await this.vault.exists(userId))) throw new EnrolmentNotFoundError();
    // Throws STATE_CORRUPT (fail closed) when the counter is missing or tampered with.
    const state = await this.counter.read(userId);
    if (state.lockedOut) throw new LockedOutError();
    const remainingBefore = this.maxFailures - state.failures;
    const minLive = this.o.minLiveScore ?? 0.8;
    const good = frames.filter(
      (f) =>
        f.quality.ok &&
        f.embedding !== undefined &&
        (f.liveness === undefined || f.liveness.liveScore >= minLive),
    );
    if (good.length < (this.o.minGoodFrames ?? 2)) {
      const reasons = frames.flatMap((f) => f.quality.reasons);
      const spoofy = frames.some((f) => f.liveness !== undefined && f.liveness.liveScore < minLive);
      return {
        decision: 'retry',
        guidance: [...guidanceFor(reasons), ...(spoofy ? (['hold-still'] as const) : [])],
        remainingAttempts: remainingBefore,
      };
    }
    const stored = await this.vault.load(userId, this.o.templateKey);
    if (stored === null) throw new EnrolmentNotFoundError();
    const template = buildTemplate(stored);
    const score = median(
      good.map((f) => scoreTemplate(f.embedding!, template, this.o.templateMode ?? 'mean')),
    ); // filtered to defined above
    const coarse = quantiseScore(score, this.o.threshold);
    if (score >= this.o.threshold) {
      await this.counter.recordSuccess(userId);
      return { decision: 'accept', coarse, guidance: [], remainingAttempts: this.maxFailures };
    }
    const after = await this.counter.recordFailure(userId);
    return {
      decision: 'reject',
      coarse,
      guidance: [],
      remainingAttempts: Math.max(0, this.maxFailures - after.failures),
    };
  }
}
