/**
 * Injection and replay checks on the frame stream of one attempt (issue 12 §3), pure and ML-free.
 *
 * Guarantees, per attempt:
 * - capture timestamps (FrameMeta.timestampMs, the renderer's performance.now() of the video frame) are
 *   finite and strictly increasing, no two closer than `minIntervalMs` (faster than any webcam) and no gap
 *   above `maxGapMs`;
 * - the capture clock agrees with main's own arrival clock: the elapsed capture time may not drift from
 *   the elapsed arrival time by more than `maxDriftMs` + `maxDriftRatio` × elapsed (a forged or jumped
 *   timestamp, a feed played faster or slower than it claims);
 * - the stream runs at ≥ `minFps` once `minFpsAfterMs` have passed;
 * - no frame is byte-identical to a non-adjacent earlier frame (a looped recording injected digitally),
 *   no more than `maxRepeats` byte-identical frames follow one another, and the picture does not stay
 *   still below the sensor-noise floor (`frozenMad` grey levels mean absolute difference on a point-sampled
 *   luma grid) for more than `frozenMs` (a frozen feed, or a still turned into a video);
 * - the scene stays continuous: a camera fixed to the screen sees one scene, so consecutive frames share
 *   most of the picture. A frame pair is a scene cut when more than `sceneCutFraction` of the lit grid points
 *   (either frame above `litFloor`) change by more than `sceneCutChange` grey levels once the pair's median
 *   change (an exposure step) is taken out; `sceneCutCount` cuts among the last `sceneCutWindow` pairs fail
 *   the attempt (a slideshow of the owner's photos from elsewhere, each in another pose). One cut alone
 *   (a lamp switched on, a hand across the lens) is allowed. Calibration (scene-cut-calibration.test.ts):
 *   the real face clip at every frame spacing from 15 fps down to 1.25 fps shows at most one cut in any
 *   four pairs; consecutive LFW photos of one person are cuts in almost every pair. Only lit frames are
 *   compared (≥ MIN_LIT_FRACTION of the grid above `litFloor`), each with the previous lit one: a camera
 *   starting on a black frame or a covered lens is no cut, and black frames between photos hide none.
 * What it does not guarantee: anything about a feed that a capable attacker synthesises with plausible
 * timing and noise (docs/liveness.md); that is what the challenge and PAD are for.
 */
import type { Frame } from '../face/frame.ts';

export type FeedFailure =
  | 'timestamp-invalid'
  | 'timestamp-regressed'
  | 'timestamp-implausible'
  | 'timestamp-gap'
  | 'clock-drift'
  | 'frame-rate'
  | 'looped-feed'
  | 'frozen-feed'
  | 'scene-cut';

export interface FeedLimits {
  readonly minIntervalMs: number;
  readonly maxGapMs: number;
  readonly maxDriftMs: number;
  readonly maxDriftRatio: number;
  readonly minFps: number;
  readonly minFpsAfterMs: number;
  readonly maxRepeats: number;
  readonly frozenMad: number;
  readonly frozenMs: number;
  readonly sceneCutChange: number;
  readonly sceneCutFraction: number;
  readonly sceneCutWindow: number;
  readonly sceneCutCount: number;
  readonly litFloor: number;
}

export const DEFAULT_FEED_LIMITS: FeedLimits = {
  minIntervalMs: 12,
  maxGapMs: 1500,
  maxDriftMs: 400,
  maxDriftRatio: 0.1,
  minFps: 3,
  minFpsAfterMs: 2000,
  maxRepeats: 2,
  frozenMad: 0.35,
  frozenMs: 1200,
  sceneCutChange: 20,
  sceneCutFraction: 0.55,
  sceneCutWindow: 4,
  sceneCutCount: 3,
  litFloor: 10,
};

export interface FeedObservation {
  /** Capture time from the renderer (ms, its own monotonic clock). */
  readonly captureMs: number;
  /** Main's monotonic clock when the frame arrived (ms). */
  readonly arrivalMs: number;
  /** Exact-content fingerprint (e.g. SHA-256 of the pixels). */
  readonly digest: string;
  /** Point-sampled luma grid (lumaGrid). */
  readonly luma: Uint8Array;
  /**
   * How long main itself took to answer the previous frame (ms, measured by main, never sent by the renderer).
   * The renderer captures the next frame only after that answer, so this much of the capture gap is main's
   * doing: it is excused from the gap and frame-rate checks (a loaded machine is no injection). The drift
   * check between the capture and arrival clocks is unaffected.
   */
  readonly mainBusyMs?: number;
}

export const LUMA_GRID = { w: 64, h: 48 } as const;

/** Point-sampled luma (BT.601, integer) on a 64×48 grid: single pixels, so sensor noise survives. */
export function lumaGrid(frame: Frame): Uint8Array {
  const { w, h } = LUMA_GRID;
  const out = new Uint8Array(w * h);
  const { data, stride, channels, width, height } = frame;
  for (let j = 0; j < h; j++) {
    const row = Math.min(height - 1, Math.floor(((j + 0.5) * height) / h)) * stride;
    for (let i = 0; i < w; i++) {
      const p = row + Math.min(width - 1, Math.floor(((i + 0.5) * width) / w)) * channels;
      out[j * w + i] = (299 * data[p]! + 587 * data[p + 1]! + 114 * data[p + 2]!) / 1000;
    }
  }
  return out;
}

export function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / Math.max(1, a.length);
}

/**
 * The share of lit grid points (either frame above `litFloor`) whose luma changed by more than `change` grey
 * levels between two grids, after subtracting the median change over those points (a global exposure step).
 * 0 when fewer than a tenth of the points are lit (a dark scene says nothing about continuity).
 */
export function sceneChange(a: Uint8Array, b: Uint8Array, change: number, litFloor: number): number {
  const hist = new Uint32Array(511);
  let lit = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i]! <= litFloor && b[i]! <= litFloor) continue;
    hist[b[i]! - a[i]! + 255]!++;
    lit++;
  }
  if (lit < a.length / 10) return 0;
  let median = 0;
  for (let k = 0, seen = 0; k < hist.length; k++) {
    seen += hist[k]!;
    if (seen * 2 >= lit) {
      median = k - 255;
      break;
    }
  }
  let changed = 0;
  for (let k = 0; k < hist.length; k++) if (Math.abs(k - 255 - median) > change) changed += hist[k]!;
  return changed / lit;
}

/** Share of a luma grid's points above `litFloor`. */
export function litFraction(a: Uint8Array, litFloor: number): number {
  let lit = 0;
  for (let i = 0; i < a.length; i++) if (a[i]! > litFloor) lit++;
  return lit / Math.max(1, a.length);
}

/**
 * Frames darker than this (share of lit grid points) are no scene: a camera starting on a black frame, a covered
 * lens. Scene continuity is judged between consecutive *lit* frames, so darkness is never a cut and a black
 * frame slipped between two photos hides no cut either.
 */
export const MIN_LIT_FRACTION = 0.1;

export class FeedIntegrity {
  private readonly l: FeedLimits;
  private first: FeedObservation | undefined;
  private prev: FeedObservation | undefined;
  private readonly seen = new Map<string, number>();
  private count = 0;
  private repeats = 0;
  /** Sum of mainBusyMs over the attempt (time the feed could not advance because main was busy). */
  private busyMs = 0;
  private stillSinceMs: number | undefined;
  /** Luma grid of the last lit frame (scene continuity compares lit frames only). */
  private prevLit: Uint8Array | undefined;
  /** Whether each of the last `sceneCutWindow` frame pairs was a scene cut. */
  private readonly cuts: boolean[] = [];
  private lastCut = false;
  private failure: FeedFailure | undefined;

  constructor(limits: Partial<FeedLimits> = {}) {
    this.l = { ...DEFAULT_FEED_LIMITS, ...limits };
  }

  get failed(): FeedFailure | undefined {
    return this.failure;
  }

  get frames(): number {
    return this.count;
  }

  /** Whether the last frame offered made a scene cut with the lit frame before it (enrolment counts them). */
  get lastPairCut(): boolean {
    return this.lastCut;
  }

  /** Adds one frame; returns the first failure of the attempt (sticky) or undefined. */
  offer(o: FeedObservation): FeedFailure | undefined {
    if (this.failure !== undefined) return this.failure;
    this.lastCut = false;
    this.failure = this.check(o);
    return this.failure;
  }

  private check(o: FeedObservation): FeedFailure | undefined {
    const l = this.l;
    if (!Number.isFinite(o.captureMs) || !Number.isFinite(o.arrivalMs) || o.captureMs < 0)
      return 'timestamp-invalid';
    const index = this.count++;
    const prev = this.prev;
    const first = (this.first ??= o);
    this.prev = o;
    const earlier = this.seen.get(o.digest);
    this.seen.set(o.digest, index);
    if (prev === undefined) {
      if (litFraction(o.luma, l.litFloor) >= MIN_LIT_FRACTION) this.prevLit = o.luma;
      return undefined;
    }
    const dt = o.captureMs - prev.captureMs;
    if (dt <= 0) return 'timestamp-regressed';
    if (dt < l.minIntervalMs) return 'timestamp-implausible';
    const busy = Math.max(0, Math.min(dt, o.mainBusyMs ?? 0));
    this.busyMs += busy;
    if (dt - busy > l.maxGapMs) return 'timestamp-gap';
    const elapsedCapture = o.captureMs - first.captureMs;
    const elapsedArrival = o.arrivalMs - first.arrivalMs;
    if (
      Math.abs(elapsedCapture - elapsedArrival) >
      l.maxDriftMs + l.maxDriftRatio * Math.max(elapsedCapture, elapsedArrival)
    )
      return 'clock-drift';
    // The frame rate the feed itself kept up, main's busy time left out.
    const feedMs = elapsedCapture - this.busyMs;
    if (feedMs >= l.minFpsAfterMs && (this.count - 1) / (feedMs / 1000) < l.minFps) return 'frame-rate';
    if (earlier !== undefined && earlier < index - 1) return 'looped-feed';
    if (earlier === index - 1) {
      if (++this.repeats > l.maxRepeats) return 'frozen-feed';
    } else {
      this.repeats = 0;
    }
    if (meanAbsDiff(o.luma, prev.luma) < l.frozenMad) {
      this.stillSinceMs ??= prev.captureMs;
      if (o.captureMs - this.stillSinceMs > l.frozenMs) return 'frozen-feed';
    } else {
      this.stillSinceMs = undefined;
    }
    if (litFraction(o.luma, l.litFloor) < MIN_LIT_FRACTION) return undefined; // darkness: no scene to compare
    const before = this.prevLit;
    this.prevLit = o.luma;
    if (before === undefined) return undefined;
    this.lastCut = sceneChange(before, o.luma, l.sceneCutChange, l.litFloor) > l.sceneCutFraction;
    this.cuts.push(this.lastCut);
    if (this.cuts.length > l.sceneCutWindow) this.cuts.shift();
    if (this.cuts.filter(Boolean).length >= l.sceneCutCount) return 'scene-cut';
    return undefined;
  }
}
