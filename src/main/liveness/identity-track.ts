/**
 * Same face throughout the attempt (issue 12 §2): the presented face is tracked frame to frame, and a swap
 * (another person, or a photo of the owner slid in after someone else did the challenge) breaks the track.
 * Two signals, both between consecutive observations, where a genuine face changes little:
 * - geometry: between two frames the box centre moves at most `maxJump` box widths, or `maxJumpPerSecond`
 *   × the capture time between them when that is more, and the box size changes by at most `maxScaleStep`×,
 *   or `maxScalePerSecond` to the power of the seconds between them when that is more. Per frame pair alone
 *   failed a genuine owner on a loaded machine, where main answers slowly, the renderer captures the next
 *   frame only then, and a head really moves further in 1.5 s than in 67 ms;
 * - appearance: consecutive embeddings of the tracked face stay within cosine `minCosine` (the embedder's own
 *   scale; FaceAuth still matches the attempt against the template at its calibrated threshold), or
 *   `minCosineSlow` between frames `slowAfterMs` or more apart, where a head turning between them changes
 *   its pose, and so its embedding, more.
 * Frames without a face are allowed up to `maxGapMs`; longer loses the track. Pure.
 */
import { cosine } from '../face/match.ts';

export interface TrackSample {
  readonly tMs: number;
  readonly box?: { readonly x1: number; readonly y1: number; readonly x2: number; readonly y2: number };
  readonly embedding?: Float32Array;
  /** How long main took over the previous frame (feed-integrity.ts FeedObservation.mainBusyMs), when known. */
  readonly mainBusyMs?: number;
}

export interface TrackLimits {
  readonly maxJump: number;
  readonly maxScaleStep: number;
  /** Box widths per second of capture time: the jump allowed between frames far apart. */
  readonly maxJumpPerSecond: number;
  /** Size factor per second of capture time (compounded): the scale step allowed between frames far apart. */
  readonly maxScalePerSecond: number;
  readonly minCosine: number;
  /** The appearance bound between frames at least `slowAfterMs` apart. */
  readonly minCosineSlow: number;
  readonly slowAfterMs: number;
  readonly maxGapMs: number;
}

export type TrackFailure = 'identity-changed' | 'track-jump' | 'face-lost';

export class IdentityTrack {
  private readonly l: TrackLimits;
  private lastBox: TrackSample['box'];
  private lastBoxMs: number | undefined;
  private lastEmbedding: Float32Array | undefined;
  private lastEmbeddingMs: number | undefined;
  private lastFaceMs: number | undefined;
  private failure: TrackFailure | undefined;
  /** Lowest consecutive-embedding cosine seen (bench diagnostics). */
  minCosineSeen = Infinity;

  constructor(limits: TrackLimits) {
    this.l = limits;
  }

  private busySinceFace = 0;

  get failed(): TrackFailure | undefined {
    return this.failure;
  }

  offer(s: TrackSample): TrackFailure | undefined {
    if (this.failure !== undefined) return this.failure;
    this.failure = this.check(s);
    return this.failure;
  }

  private check(s: TrackSample): TrackFailure | undefined {
    const l = this.l;
    // Time since the last face, less what main itself spent on the frames in between (the renderer sends the
    // next frame only once main answered): a loaded machine is no lost face. A swap in that time is still
    // caught by the embedding check below.
    this.busySinceFace += Math.max(0, s.mainBusyMs ?? 0);
    const away = (): number =>
      this.lastFaceMs === undefined
        ? 0
        : s.tMs - this.lastFaceMs - Math.min(this.busySinceFace, s.tMs - this.lastFaceMs);
    if (s.box === undefined) {
      if (away() > l.maxGapMs) return 'face-lost';
      return undefined;
    }
    if (away() > l.maxGapMs) return 'face-lost';
    this.lastFaceMs = s.tMs;
    this.busySinceFace = 0;
    const b = s.box,
      p = this.lastBox;
    if (p !== undefined) {
      const w = p.x2 - p.x1,
        w2 = b.x2 - b.x1;
      const jump =
        Math.hypot((b.x1 + b.x2 - p.x1 - p.x2) / 2, (b.y1 + b.y2 - p.y1 - p.y2) / 2) / Math.max(1, w);
      const step = Math.max(w2 / Math.max(1, w), w / Math.max(1, w2));
      const seconds = Math.max(0, s.tMs - (this.lastBoxMs ?? s.tMs)) / 1000;
      const jumpLimit = Math.max(l.maxJump, l.maxJumpPerSecond * seconds);
      const stepLimit = Math.max(l.maxScaleStep, l.maxScalePerSecond ** seconds);
      if (jump > jumpLimit || step > stepLimit) return 'track-jump';
    }
    this.lastBox = b;
    this.lastBoxMs = s.tMs;
    if (s.embedding !== undefined) {
      if (this.lastEmbedding !== undefined) {
        const c = cosine(this.lastEmbedding, s.embedding);
        this.minCosineSeen = Math.min(this.minCosineSeen, c);
        const slow = s.tMs - (this.lastEmbeddingMs ?? s.tMs) >= l.slowAfterMs;
        if (c < (slow ? l.minCosineSlow : l.minCosine)) return 'identity-changed';
      }
      this.lastEmbedding = Float32Array.from(s.embedding);
      this.lastEmbeddingMs = s.tMs;
    }
    return undefined;
  }

  /** Wipes the copy of the last embedding. */
  wipe(): void {
    this.lastEmbedding?.fill(0);
    this.lastEmbedding = undefined;
  }
}
