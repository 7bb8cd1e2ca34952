/**
 * One face-unlock attempt's liveness judgement (issue 12), pure and ML-free: it combines, frame by frame,
 * the feed checks (feed-integrity.ts), the camera check (camera-policy.ts, once per attempt), the identity
 * track (identity-track.ts), the active challenge(s) (challenge.ts) and, once every challenge has passed,
 * the fused passive-PAD score (pad-fusion.ts) against the strictness level's threshold (strictness.ts).
 * The face match itself stays with FaceAuth; this decides only whether the attempt may be matched at all.
 *
 * Spec followed for the terms: ISO/IEC 30107-1:2016 (presentation attack detection framework: PAD
 * subsystem, bona fide / attack presentation) and 30107-3:2017 for how bench:pad reports APCER/BPCER.
 */
import type { ChallengeKind } from '../../shared/ipc-contract.ts';
import { judgeCamera, type CameraInfo, type PinnedCamera } from './camera-policy.ts';
import {
  ChallengeRun,
  type ChallengeEvidence,
  type ChallengeFailure,
  type ChallengeObservation,
} from './challenge.ts';
import { FeedIntegrity, type FeedFailure, type FeedLimits, type FeedObservation } from './feed-integrity.ts';
import { IdentityTrack, type TrackFailure, type TrackLimits, type TrackSample } from './identity-track.ts';
import { fusePadScores, type PadFusion } from './pad-fusion.ts';
import type { LivenessPolicy } from './strictness.ts';

export type LivenessFailure =
  | FeedFailure
  | ChallengeFailure
  | TrackFailure
  | 'camera-virtual'
  | 'camera-changed'
  | 'camera-unknown'
  | 'pad-spoof'
  | 'pad-insufficient';

/** The coarse category the renderer may see (never which threshold or score). */
export type LivenessRejectCategory =
  'challenge-failed' | 'presentation-attack' | 'camera-not-allowed' | 'face-lost';

export function categoryOf(f: LivenessFailure): LivenessRejectCategory {
  switch (f) {
    case 'challenge-timeout':
    case 'wrong-action':
    case 'challenge-unsupported':
      return 'challenge-failed';
    case 'face-lost':
      return 'face-lost';
    case 'camera-virtual':
    case 'camera-changed':
    case 'camera-unknown':
      return 'camera-not-allowed';
    default:
      return 'presentation-attack';
  }
}

/** Liveness failures that count towards the 5-failure lock-out (all but a face that simply left). */
export const countsAsFailure = (f: LivenessFailure): boolean => f !== 'face-lost';

export interface LivenessFrame {
  readonly feed: FeedObservation;
  readonly challenge: ChallengeObservation;
  readonly track: TrackSample;
  /** Passive PAD live score of this frame (undefined when PAD did not run). */
  readonly padScore?: number;
}

export type LivenessStep =
  | {
      readonly state: 'challenge';
      readonly challenge: ChallengeKind;
      readonly index: number;
      readonly of: number;
      readonly remainingMs: number;
    }
  | {
      readonly state: 'passed';
      readonly pad: PadFusion | undefined;
      readonly evidence: readonly ChallengeEvidence[];
    }
  | { readonly state: 'failed'; readonly reason: LivenessFailure };

export interface LivenessAttemptOptions {
  readonly policy: LivenessPolicy;
  readonly challenges: readonly ChallengeKind[];
  readonly camera: CameraInfo | undefined;
  readonly pinnedCamera: PinnedCamera | null;
  readonly hashDeviceId: (id: string) => string;
  readonly track: TrackLimits;
  readonly feed?: Partial<FeedLimits>;
  /** Whether a passive PAD model is loaded (without one the passive gate cannot run: strict fails closed). */
  readonly padAvailable: boolean;
}

export class LivenessAttempt {
  readonly challenges: readonly ChallengeKind[];
  private readonly o: LivenessAttemptOptions;
  private readonly feed: FeedIntegrity;
  private readonly track: IdentityTrack;
  private readonly run: ChallengeRun;
  private readonly pad: number[] = [];
  private done: LivenessStep | undefined;
  /** A camera other than the pinned one was used but only flagged (convenience level). */
  readonly cameraChanged: boolean;

  constructor(o: LivenessAttemptOptions) {
    this.o = o;
    this.challenges = o.challenges;
    this.feed = new FeedIntegrity(o.feed);
    this.track = new IdentityTrack(o.track);
    this.run = new ChallengeRun(o.challenges, {
      timeoutMs: o.policy.challengeTimeoutMs,
      planarResidual: o.policy.planarResidual,
    });
    const cam = judgeCamera(
      o.camera,
      o.pinnedCamera,
      {
        refuseVirtual: o.policy.refuseVirtualCamera,
        requireInfo: o.policy.requireCameraInfo,
        onChange: o.policy.cameraChange,
      },
      o.hashDeviceId,
    );
    this.cameraChanged = cam.ok && cam.changed;
    if (!cam.ok) this.done = { state: 'failed', reason: cam.reason };
  }

  /** The step before any frame (the first prompt). */
  first(): LivenessStep {
    return this.done ?? this.fromChallenge(this.run.status());
  }

  /** Every frame must come from the camera the attempt started with. */
  sameCamera(cam: CameraInfo | undefined): boolean {
    const a = this.o.camera;
    return a === undefined
      ? cam === undefined
      : cam !== undefined && cam.deviceId === a.deviceId && cam.label === a.label;
  }

  offer(f: LivenessFrame, camera: CameraInfo | undefined): LivenessStep {
    if (this.done !== undefined) return this.done;
    if (!this.sameCamera(camera)) return this.finish({ state: 'failed', reason: 'camera-changed' });
    const feed = this.feed.offer(f.feed);
    if (feed !== undefined) return this.finish({ state: 'failed', reason: feed });
    const tr = this.track.offer(f.track);
    if (tr !== undefined) return this.finish({ state: 'failed', reason: tr });
    if (f.padScore !== undefined) this.pad.push(f.padScore);
    const s = this.run.offer(f.challenge);
    if (s.state === 'failed') return this.finish({ state: 'failed', reason: s.reason });
    if (s.state === 'active') return this.fromChallenge(s);
    // Every challenge passed: the passive gate on the fused score of all frames seen.
    const fused = fusePadScores(this.pad);
    const p = this.o.policy;
    if (p.padThreshold > 0) {
      if (!this.o.padAvailable) {
        if (p.level === 'strict') return this.finish({ state: 'failed', reason: 'pad-insufficient' });
      } else if (fused === undefined) {
        return this.finish({ state: 'failed', reason: 'pad-insufficient' });
      } else if (fused.score < p.padThreshold) {
        return this.finish({ state: 'failed', reason: 'pad-spoof' });
      }
    }
    return this.finish({ state: 'passed', pad: fused, evidence: this.run.evidence });
  }

  /** Feed and track checks keep running on the frames collected after the challenges (for the match). */
  offerAfter(f: LivenessFrame, camera: CameraInfo | undefined): LivenessFailure | undefined {
    if (!this.sameCamera(camera)) return 'camera-changed';
    return this.feed.offer(f.feed) ?? this.track.offer(f.track);
  }

  get evidence(): readonly ChallengeEvidence[] {
    return this.run.evidence;
  }

  /** The fused PAD score of the frames so far. */
  get padFused(): PadFusion | undefined {
    return fusePadScores(this.pad);
  }

  get padScores(): readonly number[] {
    return this.pad;
  }

  get lowestTrackCosine(): number {
    return this.track.minCosineSeen;
  }

  wipe(): void {
    this.track.wipe();
  }

  private fromChallenge(s: ReturnType<ChallengeRun['status']>): LivenessStep {
    if (s.state === 'active')
      return {
        state: 'challenge',
        challenge: s.challenge,
        index: s.index,
        of: this.challenges.length,
        remainingMs: s.remainingMs,
      };
    if (s.state === 'failed') return { state: 'failed', reason: s.reason };
    return { state: 'passed', pad: undefined, evidence: this.run.evidence };
  }

  private finish(step: LivenessStep): LivenessStep {
    this.done = step;
    return step;
  }
}
