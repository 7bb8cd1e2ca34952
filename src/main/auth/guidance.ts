/**
 * What the renderer may learn about a frame or an attempt: coarse guidance and a score quantised to 4 levels.
 * Never the raw similarity, so a renderer cannot hill-climb a presentation attack against the threshold.
 */
import type { FaceGuidance } from '../../shared/ipc-contract.ts';
import type { QualityReason } from '../face/quality.ts';

/** The shared vocabulary (src/shared/ipc-contract.ts), so the renderer shows one set of messages. */
export type Guidance = FaceGuidance;

/** Most important first: the first entry is what a one-line UI shows. */
const BY_PRIORITY: ReadonlyArray<readonly [QualityReason, Guidance]> = [
  ['no-face', 'no-face'],
  ['multiple-faces', 'multiple-faces'],
  ['too-dark', 'too-dark'],
  ['too-bright', 'too-bright'],
  ['too-small', 'move-closer'],
  ['partly-outside', 'center-your-face'],
  ['pose-yaw', 'face-the-camera'],
  ['pose-pitch', 'face-the-camera'],
  ['pose-roll', 'face-the-camera'],
  ['too-blurry', 'hold-still'],
];

export function guidanceFor(reasons: readonly QualityReason[]): Guidance[] {
  const out = new Set<Guidance>();
  for (const [reason, g] of BY_PRIORITY) if (reasons.includes(reason)) out.add(g);
  return [...out];
}

/** 0 = clearly not a match … 3 = clearly a match; the boundary between 1 and 2 is the decision threshold. */
export type CoarseScore = 0 | 1 | 2 | 3;

export function quantiseScore(score: number, threshold: number, band = 0.15): CoarseScore {
  if (score >= threshold + band) return 3;
  if (score >= threshold) return 2;
  if (score >= threshold - band) return 1;
  return 0;
}
