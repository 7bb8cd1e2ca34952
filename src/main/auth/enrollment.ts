/**
 * Guided enrolment capture: accepts pipeline analyses one by one, keeps only frames that passed the quality
 * gates (and liveness, when measured), and makes the captured views really differ, because a template of
 * five near-identical frames from one short stretch of video rejects its owner later (issue 13: the owner
 * was rejected after set-ups that finished in 2.0–2.6 s):
 * - time: a capture is taken at least `minIntervalMs` after the previous one, and the last one at least
 *   `minSpanMs` after the first (expression, blinks and small movements change in between);
 * - pose: each capture's (yaw, pitch) lies at least `minPoseStep` from every earlier capture's, and the
 *   set spans at least `minYawSpread` in yaw (the last capture must bring it there);
 * - appearance: a capture more similar than `maxSimilarityToPrevious` to an earlier one adds nothing.
 * `offer(a, atMs)` takes the frame's capture time (monotonic ms; default performance.now()).
 * `finish()` gives the embeddings to store as the template.
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
  /** Minimum time between two captures (ms). */
  readonly minIntervalMs: number;
  /** Minimum time from the first to the last capture (ms). */
  readonly minSpanMs: number;
  /** Minimum (yaw, pitch) distance of a capture from every earlier one (quality.ts pose units). */
  readonly minPoseStep: number;
}

/**
 * Defaults (bench/decision.ts replays the face clip and LFW photo sets through them): 5 captures ≥ 0.6 s
 * apart over ≥ 4 s, each ≥ 0.03 from the others in pose, 0.1 yaw spread.
 */
export const DEFAULT_ENROLLMENT: EnrollmentOptions = {
  captures: 5,
  minYawSpread: 0.1,
  minLiveScore: 0.8,
  maxSimilarityToPrevious: 0.97,
  minIntervalMs: 600,
  minSpanMs: 4000,
  minPoseStep: 0.03,
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
  private readonly pitches: number[] = [];
  private readonly times: number[] = [];

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

  offer(a: FrameAnalysis, atMs: number = performance.now()): EnrollmentStep {
    if (this.embeddings.length >= this.opts.captures) return this.step(false, []);
    if (!a.quality.ok || a.embedding === undefined || a.quality.metrics === undefined)
      return this.step(false, guidanceFor(a.quality.reasons));
    if (a.liveness !== undefined && a.liveness.liveScore < this.opts.minLiveScore)
      return this.step(false, ['hold-still']);
    const last = this.times[this.times.length - 1];
    const first = this.times[0];
    // Too soon after the previous capture, or the last capture before the minimum span: wait (no new guidance).
    if (last !== undefined && atMs - last < this.opts.minIntervalMs)
      return this.step(false, this.spread() >= this.opts.minYawSpread ? [] : ['turn-head-slightly']);
    if (
      first !== undefined &&
      this.embeddings.length === this.opts.captures - 1 &&
      atMs - first < this.opts.minSpanMs
    )
      return this.step(false, []);
    const e = a.embedding;
    if (this.embeddings.some((p) => cosine(p, e) > this.opts.maxSimilarityToPrevious))
      return this.step(false, ['turn-head-slightly']);
    const yaw = a.quality.metrics.pose.yaw;
    const pitch = a.quality.metrics.pose.pitch;
    if (this.yaws.some((y, i) => Math.hypot(y - yaw, this.pitches[i]! - pitch) < this.opts.minPoseStep))
      return this.step(false, ['turn-head-slightly']);
    // The last capture must bring the pose spread up to the minimum.
    if (this.embeddings.length === this.opts.captures - 1 && this.spread(yaw) < this.opts.minYawSpread) {
      return this.step(false, ['turn-head-slightly']);
    }
    this.embeddings.push(Float32Array.from(e));
    this.yaws.push(yaw);
    this.pitches.push(pitch);
    this.times.push(atMs);
    const done = this.embeddings.length >= this.opts.captures;
    return this.step(true, done || this.spread() >= this.opts.minYawSpread ? [] : ['turn-head-slightly']);
  }

  /** How many captures the template needs. */
  get needed(): number {
    return this.opts.captures;
  }

  /** Zeroes the captured embeddings and forgets them (a refused or restarted enrolment keeps nothing). */
  wipe(): void {
    for (const e of this.embeddings) e.fill(0);
    this.embeddings.length = 0;
    this.yaws.length = 0;
    this.pitches.length = 0;
    this.times.length = 0;
  }

  finish(): Float32Array[] {
    if (this.embeddings.length < this.opts.captures)
      throw new RangeError(`enrolment needs ${this.opts.captures} captures, has ${this.embeddings.length}`);
    return this.embeddings.map((e) => Float32Array.from(e));
  }
}
