/**
 * Turns a frame analysis into the coarse guidance the renderer may see (src/shared/ipc-contract.ts). One
 * word per frame, picked by a fixed priority; never a score, a box, a landmark or an embedding, so a
 * compromised renderer cannot hill-climb on fine feedback.
 */
import type { FrameGuidance } from '../../shared/ipc-contract.ts';
import type { QualityReason, QualityReport } from './quality.ts';

const PRIORITY: ReadonlyArray<[QualityReason, FrameGuidance]> = [
  ['no-face', 'no-face'],
  ['multiple-faces', 'multiple-faces'],
  ['too-dark', 'too-dark'],
  ['too-bright', 'too-bright'],
  ['too-small', 'move-closer'],
  ['partly-outside', 'move-back'],
  ['pose-yaw', 'face-the-camera'],
  ['pose-pitch', 'face-the-camera'],
  ['pose-roll', 'face-the-camera'],
  ['too-blurry', 'hold-still'],
];

export function guidanceFor(quality: QualityReport): FrameGuidance {
  if (quality.ok) return 'ok';
  for (const [reason, guidance] of PRIORITY) if (quality.reasons.includes(reason)) return guidance;
  return 'hold-still';
}
