/**
 * Strictness levels (issue 12 §4): what each level asks of a face-unlock attempt. Pure data + one lookup; the
 * stored level comes from the settings concern through `StrictnessSource` (vault's settings:* channels), the
 * level recorded at enrolment from the enrolment record (enrolment-record.ts), so a later downgrade is
 * visible (`downgradedFrom`). Costs to a genuine user are measured by bench:pad and stated in docs/liveness.md.
 *
 * Every level keeps the checks that cost a genuine user nothing (frame timestamps, duplicate / frozen frames,
 * identity tracking, one active challenge at least); higher levels add challenges, shorten time limits, raise
 * the passive PAD threshold, refuse a changed or virtual camera.
 */
import type { ChallengeKind, StrictnessLevel } from '../../shared/ipc-contract.ts';

export const STRICTNESS_LEVELS: readonly StrictnessLevel[] = ['convenience', 'balanced', 'strict'] as const;
export const DEFAULT_STRICTNESS: StrictnessLevel = 'balanced';

export interface LivenessPolicy {
  readonly level: StrictnessLevel;
  /** Challenges per attempt, drawn without repetition from `pool`. */
  readonly challenges: number;
  readonly pool: readonly ChallengeKind[];
  /** Time limit for each challenge, from its prompt. */
  readonly challengeTimeoutMs: number;
  /** Fused passive-PAD live score an attempt needs (0 disables the passive gate). */
  readonly padThreshold: number;
  /** Largest homography residual (fraction of the eye distance) that still counts as a flat picture. */
  readonly planarResidual: number;
  /** A camera other than the one pinned at enrolment fails the attempt ('flag' records it only). */
  readonly cameraChange: 'refuse' | 'flag';
  /** Refuse known virtual cameras (v4l2loopback, OBS, "Virtual" in the label) and frames without camera info. */
  readonly refuseVirtualCamera: boolean;
  readonly requireCameraInfo: boolean;
}

const ALL: readonly ChallengeKind[] = ['blink', 'turn-left', 'turn-right', 'look-up', 'move-closer'];

export const LIVENESS_POLICIES: Readonly<Record<StrictnessLevel, LivenessPolicy>> = {
  convenience: {
    level: 'convenience',
    challenges: 1,
    pool: ['turn-left', 'turn-right'],
    challengeTimeoutMs: 8000,
    padThreshold: 0.2,
    planarResidual: 0.04,
    cameraChange: 'flag',
    refuseVirtualCamera: false,
    requireCameraInfo: false,
  },
  balanced: {
    level: 'balanced',
    challenges: 1,
    pool: ALL,
    challengeTimeoutMs: 6000,
    padThreshold: 0.5,
    planarResidual: 0.04,
    cameraChange: 'refuse',
    refuseVirtualCamera: false,
    requireCameraInfo: false,
  },
  strict: {
    level: 'strict',
    challenges: 2,
    pool: ALL,
    challengeTimeoutMs: 5000,
    padThreshold: 0.7,
    planarResidual: 0.05,
    cameraChange: 'refuse',
    refuseVirtualCamera: true,
    requireCameraInfo: true,
  },
};

export const isStrictnessLevel = (x: unknown): x is StrictnessLevel =>
  typeof x === 'string' && (STRICTNESS_LEVELS as readonly string[]).includes(x);

export const strictnessRank = (l: StrictnessLevel): number => STRICTNESS_LEVELS.indexOf(l);

/**
 * Where the flow reads the level the owner chose: the vault's authenticated settings in the app
 * (create-main-services.ts; changing it needs the owner's proof, vault.ts setSettings). Read at the start of
 * every unlock attempt and at every enrolment, so a change applies to the next attempt.
 */
export interface StrictnessSource {
  current(): StrictnessLevel | Promise<StrictnessLevel>;
}

export const fixedStrictness = (level: StrictnessLevel): StrictnessSource => ({ current: () => level });

export interface EffectiveStrictness {
  readonly policy: LivenessPolicy;
  /** The level recorded at enrolment when the current one is lower (a visible downgrade), else null. */
  readonly downgradedFrom: StrictnessLevel | null;
}

/** The stricter of two levels. */
export const stricterOf = (a: StrictnessLevel, b: StrictnessLevel): StrictnessLevel =>
  strictnessRank(a) >= strictnessRank(b) ? a : b;

/**
 * The current level's policy, and whether it is below the one recorded at enrolment. `atLeast` raises the level
 * for callers that demand more than the owner's choice (the background desktop unlock: always 'strict').
 */
export function effectiveStrictness(
  current: StrictnessLevel,
  enrolled: StrictnessLevel | null,
  atLeast?: StrictnessLevel,
): EffectiveStrictness {
  const policy = LIVENESS_POLICIES[atLeast === undefined ? current : stricterOf(current, atLeast)];
  const downgradedFrom =
    enrolled !== null && strictnessRank(current) < strictnessRank(enrolled) ? enrolled : null;
  return { policy, downgradedFrom };
}
