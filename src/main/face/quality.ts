/**
 * Cheap quality gates on one detected face, run before any embedding: exactly one face, size (inter-ocular
 * distance), sharpness (variance of the 4-neighbour Laplacian of the luma crop resampled to 64x64, so the
 * figure does not depend on face size), exposure (mean luma and clipped fraction of the same crop) and pose
 * from the 5 landmarks (roll from the eye line, yaw from the nose offset against the eye midpoint, pitch from
 * the nose height between eyes and mouth). Reasons are typed so the UI can turn them into guidance.
 * The sampling buffer is allocated once per `QualityGate`.
 */
import type { Detection } from './detection.ts';
import type { Frame } from './frame.ts';

export type QualityReason =
  | 'no-face'
  | 'multiple-faces'
  | 'too-small'
  | 'partly-outside'
  | 'too-blurry'
  | 'too-dark'
  | 'too-bright'
  | 'pose-roll'
  | 'pose-yaw'
  | 'pose-pitch';

export interface QualityThresholds {
  readonly minEyeDistancePx: number;
  /** A second face counts when its box area is at least this fraction of the primary face's. */
  readonly secondFaceAreaRatio: number;
  readonly minSharpness: number;
  readonly minMeanLuma: number;
  readonly maxMeanLuma: number;
  readonly maxClippedFraction: number;
  readonly maxRollDeg: number;
  /** |nose x − eye-midpoint x| / eye distance; ~0.5 is a profile-ish turn. */
  readonly maxYaw: number;
  /** Nose height between eye line (0) and mouth line (1); frontal ≈ 0.5. */
  readonly pitchRange: readonly [number, number];
}

export const DEFAULT_QUALITY: QualityThresholds = {
  minEyeDistancePx: 28,
  secondFaceAreaRatio: 0.25,
  minSharpness: 20,
  minMeanLuma: 45,
  maxMeanLuma: 215,
  maxClippedFraction: 0.35,
  maxRollDeg: 25,
  maxYaw: 0.35,
  pitchRange: [0.25, 0.8],
};

export interface PoseEstimate {
  readonly rollDeg: number;
  readonly yaw: number;
  readonly pitch: number;
}

export interface QualityMetrics {
  readonly faceCount: number;
  readonly eyeDistancePx: number;
  readonly sharpness: number;
  readonly meanLuma: number;
  readonly clippedFraction: number;
  readonly pose: PoseEstimate;
}

export interface QualityReport {
  readonly ok: boolean;
  readonly reasons: readonly QualityReason[];
  readonly metrics?: QualityMetrics;
}

/** Pose from 5 landmarks (eye, eye, nose, mouth, mouth; image left→right). */
export function estimatePose(lm: ArrayLike<number>): PoseEstimate {
  const ex = (lm[0]! + lm[2]!) / 2,
    ey = (lm[1]! + lm[3]!) / 2;
  const mx = (lm[6]! + lm[8]!) / 2,
    my = (lm[7]! + lm[9]!) / 2;
  const dx = lm[2]! - lm[0]!,
    dy = lm[3]! - lm[1]!;
  const eyeDist = Math.hypot(dx, dy) || 1;
  const rollDeg = (Math.atan2(dy, dx) * 180) / Math.PI;
  // Project the nose onto the face's own axes (undo roll) before measuring offsets.
  const c = dx / eyeDist,
    s = dy / eyeDist;
  const nx = lm[4]! - ex,
    ny = lm[5]! - ey;
  const along = nx * c + ny * s;
  const down = -nx * s + ny * c;
  const mouthDown = -(mx - ex) * s + (my - ey) * c;
  return { rollDeg, yaw: along / eyeDist, pitch: mouthDown > 0 ? down / mouthDown : 0 };
}

/**
 * The face the user is presenting: box area weighted by centrality, the weight falling to 0 at half the
 * frame's shorter side from the centre (a larger face at the edge — a bystander, or a neighbour in a news
 * photo — must not win over the centred subject).
 */
export function pickPrimaryFace(faces: readonly Detection[], frame: Frame): Detection | undefined {
  let best: Detection | undefined;
  let bestScore = -Infinity;
  const cx = frame.width / 2,
    cy = frame.height / 2;
  const reach = Math.min(frame.width, frame.height) / 2;
  for (const f of faces) {
    const area = (f.x2 - f.x1) * (f.y2 - f.y1);
    const d = Math.hypot((f.x1 + f.x2) / 2 - cx, (f.y1 + f.y2) / 2 - cy);
    const w = Math.max(0, 1 - d / reach);
    const s = area * w * w;
    if (s > bestScore) {
      bestScore = s;
      best = f;
    }
  }
  return best;
}

const GRID = 64;

export class QualityGate {
  private readonly luma = new Float32Array(GRID * GRID);
  private readonly t: QualityThresholds;

  constructor(thresholds: QualityThresholds = DEFAULT_QUALITY) {
    this.t = thresholds;
  }

  assess(frame: Frame, faces: readonly Detection[], primary: Detection | undefined): QualityReport {
    if (primary === undefined) return { ok: false, reasons: ['no-face'] };
    const t = this.t;
    const reasons: QualityReason[] = [];
    const area = (primary.x2 - primary.x1) * (primary.y2 - primary.y1);
    let faceCount = 1;
    for (const f of faces) {
      if (f !== primary && (f.x2 - f.x1) * (f.y2 - f.y1) >= t.secondFaceAreaRatio * area) faceCount++;
    }
    if (faceCount > 1) reasons.push('multiple-faces');
    const lm = primary.landmarks;
    const eyeDistancePx = Math.hypot(lm[2]! - lm[0]!, lm[3]! - lm[1]!);
    if (eyeDistancePx < t.minEyeDistancePx) reasons.push('too-small');
    const margin = 0.1 * (primary.x2 - primary.x1);
    if (
      primary.x1 < -margin ||
      primary.y1 < -margin ||
      primary.x2 > frame.width + margin ||
      primary.y2 > frame.height + margin
    ) {
      reasons.push('partly-outside');
    }
    const { sharpness, meanLuma, clippedFraction } = this.measureCrop(frame, primary);
    if (sharpness < t.minSharpness) reasons.push('too-blurry');
    if (meanLuma < t.minMeanLuma) reasons.push('too-dark');
    if (meanLuma > t.maxMeanLuma) reasons.push('too-bright');
    if (
      clippedFraction > t.maxClippedFraction &&
      !reasons.includes('too-dark') &&
      !reasons.includes('too-bright')
    ) {
      reasons.push(meanLuma < 128 ? 'too-dark' : 'too-bright');
    }
    const pose = estimatePose(lm);
    if (Math.abs(pose.rollDeg) > t.maxRollDeg) reasons.push('pose-roll');
    if (Math.abs(pose.yaw) > t.maxYaw) reasons.push('pose-yaw');
    if (pose.pitch < t.pitchRange[0] || pose.pitch > t.pitchRange[1]) reasons.push('pose-pitch');
    return {
      ok: reasons.length === 0,
      reasons,
      metrics: { faceCount, eyeDistancePx, sharpness, meanLuma, clippedFraction, pose },
    };
  }

  /** Samples the face box (clamped to the frame) on a 64x64 grid of luma, then Laplacian variance and exposure. */
  private measureCrop(
    frame: Frame,
    f: Detection,
  ): { sharpness: number; meanLuma: number; clippedFraction: number } {
    const { data, width, height, stride, channels } = frame;
    const x1 = Math.max(0, f.x1),
      y1 = Math.max(0, f.y1);
    const x2 = Math.min(width - 1, f.x2),
      y2 = Math.min(height - 1, f.y2);
    const sx = Math.max(0, x2 - x1) / GRID,
      sy = Math.max(0, y2 - y1) / GRID;
    const L = this.luma;
    let sum = 0,
      clipped = 0;
    for (let j = 0; j < GRID; j++) {
      const row = Math.min(height - 1, Math.floor(y1 + (j + 0.5) * sy)) * stride;
      for (let i = 0; i < GRID; i++) {
        const p = row + Math.min(width - 1, Math.floor(x1 + (i + 0.5) * sx)) * channels;
        // BT.601 luma.
        const y = 0.299 * data[p]! + 0.587 * data[p + 1]! + 0.114 * data[p + 2]!;
        L[j * GRID + i] = y;
        sum += y;
        if (y < 8 || y > 247) clipped++;
      }
    }
    let ls = 0,
      ls2 = 0;
    const n = (GRID - 2) * (GRID - 2);
    for (let j = 1; j < GRID - 1; j++) {
      for (let i = 1; i < GRID - 1; i++) {
        const k = j * GRID + i;
        const lap = L[k - 1]! + L[k + 1]! + L[k - GRID]! + L[k + GRID]! - 4 * L[k]!;
        ls += lap;
        ls2 += lap * lap;
      }
    }
    const mean = ls / n;
    return {
      sharpness: ls2 / n - mean * mean,
      meanLuma: sum / (GRID * GRID),
      clippedFraction: clipped / (GRID * GRID),
    };
  }
}
