/**
 * The feed and identity checks of a guided enrolment (issue 12): whoever enrols is the owner by definition
 * (the first enrolment needs no proof), but the template must still come from one live, continuous scene of
 * one person. Pure and ML-free apart from node:crypto's SHA-256 (the duplicate-frame fingerprint). Runs on
 * every enrolment frame, not only on the captured views. Guarantees:
 * - the feed checks of an unlock attempt (feed-integrity.ts, the same limits): capture timestamps finite,
 *   increasing, plausible, gap-free and agreeing with main's clock; no looped (byte-identical) frames, no
 *   frozen picture, no slideshow (scene cuts) — any of these refuses the enrolment (`failed`);
 * - one camera throughout: a frame from another camera (deviceId or label) than the first refuses it;
 * - one person throughout (identity-track.ts, the unlock limits): the embedding of every quality-passing frame
 *   (the only frames a view can come from; the flow embeds no others at enrolment) against the previous one
 *   (a swap of person: `identity-changed`) refuses the enrolment, so a template never mixes two people; the
 *   face box of every frame is tracked too;
 * - a break in the track that is not a proven swap (no face for longer than the track's gap, or the face box
 *   jumping further than a head moves between frames) cannot prove the same person either side: the views
 *   captured so far are discarded and the capture starts again on the new track (`restart`), which costs a
 *   genuine user only the repeat and never lets views of two people into one template;
 * - one scene: a single scene cut (feed-integrity.ts's definition) also restarts the capture, since the
 *   views either side of it are not one scene; `ENROL_SCENE_CUTS.count` cuts within `windowMs` refuse the
 *   enrolment as a slideshow ('scene-cut'). The unlock rule (3 cuts among 4 consecutive frame pairs) misses
 *   a slideshow that holds each photo for a few frames; an enrolment lasts seconds, so it counts cuts in time.
 *   A live webcam shows none (the face clip, which has real shot changes, at most 1 in any 4 pairs).
 * What it does not guarantee: that the person is live (no challenge runs at enrolment; docs/liveness.md), or
 * anything about a feed synthesised with plausible timing, noise and one consistent face.
 */
import type { CameraInfo } from '../../shared/ipc-contract.ts';
import type { FrameAnalysis } from '../face/pipeline.ts';
import { FeedIntegrity, type FeedFailure, type FeedLimits } from './feed-integrity.ts';
import { IdentityTrack, type TrackLimits } from './identity-track.ts';
import { DEFAULT_TRACK_LIMITS, feedObservation, type UnlockFrame } from './unlock-attempt.ts';

export type EnrolmentFeedFailure = FeedFailure | 'identity-changed' | 'camera-changed';

/** Scene cuts (capture clock) that refuse an enrolment as a slideshow. */
export const ENROL_SCENE_CUTS = { count: 3, windowMs: 10_000 } as const;

export type EnrolmentFeedStep =
  | { readonly state: 'ok' }
  /** The track or the scene broke without a proven swap: discard the views captured so far, capture again. */
  | { readonly state: 'restart'; readonly reason: 'face-lost' | 'track-jump' | 'scene-cut' }
  | { readonly state: 'failed'; readonly reason: EnrolmentFeedFailure };

export interface EnrolmentFeedOptions {
  readonly feed?: Partial<FeedLimits>;
  readonly track?: TrackLimits;
}

export class EnrolmentFeedGuard {
  private readonly feed: FeedIntegrity;
  private readonly trackLimits: TrackLimits;
  private track: IdentityTrack;
  private camera: CameraInfo | undefined;
  private seenFrame = false;
  private readonly cutTimes: number[] = [];
  private failure: EnrolmentFeedFailure | undefined;
  /** Times the capture started again after a track break (diagnostics). */
  restarts = 0;

  constructor(o: EnrolmentFeedOptions = {}) {
    this.feed = new FeedIntegrity(o.feed);
    this.trackLimits = o.track ?? DEFAULT_TRACK_LIMITS;
    this.track = new IdentityTrack(this.trackLimits);
  }

  get failed(): EnrolmentFeedFailure | undefined {
    return this.failure;
  }

  offer(frame: UnlockFrame, a: FrameAnalysis): EnrolmentFeedStep {
    if (this.failure !== undefined) return { state: 'failed', reason: this.failure };
    if (!this.seenFrame) {
      this.seenFrame = true;
      this.camera = frame.camera;
    } else if (!sameCamera(this.camera, frame.camera)) return this.fail('camera-changed');
    const feed = this.feed.offer(feedObservation(frame));
    if (feed !== undefined) return this.fail(feed);
    // Scene continuity between consecutive lit frames, judged by the feed check itself (darkness is no cut).
    const cut = this.feed.lastPairCut;
    const p = a.primary;
    const sample = {
      tMs: frame.captureMs,
      ...(p === undefined ? {} : { box: { x1: p.x1, y1: p.y1, x2: p.x2, y2: p.y2 } }),
      // The track's limits are calibrated on the identity embedder's own vectors (as unlock-attempt.ts).
      ...(a.embedding === undefined ? {} : { embedding: a.identityEmbedding ?? a.embedding }),
      ...(frame.mainBusyMs === undefined ? {} : { mainBusyMs: frame.mainBusyMs }),
    };
    if (cut) {
      this.cutTimes.push(frame.captureMs);
      while (this.cutTimes[0]! < frame.captureMs - ENROL_SCENE_CUTS.windowMs) this.cutTimes.shift();
      if (this.cutTimes.length >= ENROL_SCENE_CUTS.count) return this.fail('scene-cut');
    }
    const tr = cut ? 'scene-cut' : this.track.offer(sample);
    if (tr === 'identity-changed') return this.fail('identity-changed');
    if (tr !== undefined) {
      // A new track from this frame on (it is the first of the new track when it has a face).
      this.track.wipe();
      this.track = new IdentityTrack(this.trackLimits);
      this.track.offer(sample);
      this.restarts++;
      return { state: 'restart', reason: tr };
    }
    return { state: 'ok' };
  }

  wipe(): void {
    this.track.wipe();
  }

  private fail(reason: EnrolmentFeedFailure): EnrolmentFeedStep {
    this.failure = reason;
    this.track.wipe();
    return { state: 'failed', reason };
  }
}

const sameCamera = (a: CameraInfo | undefined, b: CameraInfo | undefined): boolean =>
  a === undefined ? b === undefined : b !== undefined && a.deviceId === b.deviceId && a.label === b.label;
