/**
 * Guided enrolment capture: accepts pipeline analyses one by one, keeps only frames that passed the quality
 * gates (and liveness, when measured), refuses near-duplicates, and asks for a little head movement until the
 * captured yaw range shows some pose variety. `finish()` gives the embeddings to store as the template.
 */
import type { FrameAnalysis } from '../face/pipeline.ts';
import { cosine } from '../face/match.ts';
import { guidanceFor, type Guidance } from './guidance.ts';

export interface EnrollmentOptions {
  readonly captures: number;
  /** Minimum spread of the nose-offset yaw measure over the captures (0 disables). */
  readonly minYawSpread: number;
  readonly minLiveScore: number;
  /** A capture this similar to an earlier one adds nothing and is skipped. */
  readonly maxSimilarityToPrevious: number;
}

export const DEFAULT_ENROLLMENT: EnrollmentOptions = {
  captures: 5,
  minYawSpread: 0.1,
  minLiveScore: 0.8,
  maxSimilarityToPrevious: 0.97,
};

export interface EnrollmentStep {
  readonly accepted: boolean;
  readonly captured: number;
  readonly needed: number;
  readonly done: boolean;
  readonly guidance: readonly Guidance[];
}

export class EnrollmentSession {
  private readonly opts: EnrollmentOptions;
  private readonly embeddings: Float32Array[] = [];
  private readonly yaws: number[] = [];

  constructor(options: Partial<EnrollmentOptions> = {}) {
    this.opts = { ...DEFAULT_ENROLLMENT, ...options };
  }

  private spread(extra?: number): number {
    const ys = extra === undefined ? this.yaws : [...this.yaws, extra];
    return ys.length === 0 ? 0 : Math.max(...ys) - Math.min(...ys);
  }

  private step(accepted: boolean, guidance: Guidance[]): EnrollmentStep {
    const captured = this.embeddings.length;
    return { accepted, captured, needed: this.opts.captures, done: captured >= this.opts.captures, guidance };
  }

  offer(a: FrameAnalysis): EnrollmentStep {
    if (this.embeddings.length >= this.opts.captures) return this.step(false, []);
    if (!a.quality.ok || a.embedding === undefined || a.quality.metrics === undefined)
      return this.step(false, guidanceFor(a.quality.reasons));
    if (a.liveness !== undefined && a.liveness.liveScore < this.opts.minLiveScore)
      return this.step(false, ['hold-still']);
    const e = a.embedding;
    if (this.embeddings.some((p) => cosine(p, e) > this.opts.maxSimilarityToPrevious))
      return this.step(false, ['turn-head-slightly']);
    const yaw = a.quality.metrics.pose.yaw;
    // The last capture must bring the pose spread up to the minimum.
    if (this.embeddings.length === this.opts.captures - 1 && this.spread(yaw) < this.opts.minYawSpread) {
      return this.step(false, ['turn-head-slightly']);
    }
    this.embeddings.push(Float32Array.from(e));
    this.yaws.push(yaw);
    const done = this.embeddings.length >= this.opts.captures;
    return this.step(true, done || this.spread() >= this.opts.minYawSpread ? [] : ['turn-head-slightly']);
  }

  /** How many captures the template needs. */
  get needed(): number {
    return this.opts.captures;
  }

  finish(): Float32Array[] {
    if (this.embeddings.length < this.opts.captures)
      throw new RangeError(`enrolment needs ${this.opts.captures} captures, has ${this.embeddings.length}`);
    return this.embeddings.map((e) => Float32Array.from(e));
  }
}
