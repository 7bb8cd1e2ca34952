/**
 * Turns one pipeline analysis into what the liveness checks read: the challenge observation (pose, scale,
 * eye openness and planarity points from FaceMesh when present, else the 5 detector landmarks) and the
 * track sample (box, embedding). Pure.
 */
import type { FaceMesh } from '../face/facemesh.ts';
import type { FrameAnalysis } from '../face/pipeline.ts';
import type { ChallengeObservation } from './challenge.ts';

/** MediaPipe FaceMesh indices (canonical face model): eye corners and lid midpoints. */
const EYE = {
  right: { outer: 33, inner: 133, upper: 159, lower: 145 },
  left: { outer: 263, inner: 362, upper: 386, lower: 374 },
} as const;

/**
 * Planarity points: rigid-ish mesh points spread over the face at different depths (face oval, brows, eye
 * corners, nose bridge/tip, cheeks, chin); lids and lips are left out so a blink or speech is no parallax.
 */
export const PLANARITY_POINTS: readonly number[] = [
  10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148, 176, 149,
  150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109, 70, 63, 105, 66, 107, 336, 296, 334, 293,
  300, 33, 133, 362, 263, 168, 6, 197, 195, 5, 4, 1, 19, 94, 2, 98, 327, 50, 280, 117, 346, 205, 425, 187,
  411,
];

const dist = (p: Float32Array, a: number, b: number): number =>
  Math.hypot(p[3 * a]! - p[3 * b]!, p[3 * a + 1]! - p[3 * b + 1]!);

/** Mean eye openness: lid distance over eye width, both eyes. */
export function eyeOpenness(mesh: FaceMesh): number {
  const p = mesh.points;
  const r =
    dist(p, EYE.right.upper, EYE.right.lower) / Math.max(1e-6, dist(p, EYE.right.outer, EYE.right.inner));
  const l = dist(p, EYE.left.upper, EYE.left.lower) / Math.max(1e-6, dist(p, EYE.left.outer, EYE.left.inner));
  return (r + l) / 2;
}

export function planarityPoints(mesh: FaceMesh): Float32Array {
  const out = new Float32Array(PLANARITY_POINTS.length * 2);
  PLANARITY_POINTS.forEach((k, i) => {
    out[2 * i] = mesh.points[3 * k]!;
    out[2 * i + 1] = mesh.points[3 * k + 1]!;
  });
  return out;
}

export function challengeObservation(a: FrameAnalysis, tMs: number): ChallengeObservation {
  const m = a.quality.metrics;
  if (a.primary === undefined || m === undefined) return { tMs, face: false };
  const base = { tMs, face: true, yaw: m.pose.yaw, pitch: m.pose.pitch, eyeDistancePx: m.eyeDistancePx };
  if (a.mesh !== undefined) {
    return {
      ...base,
      faceSizePx: dist(a.mesh.points, 10, 152),
      eyeOpenness: eyeOpenness(a.mesh),
      points: planarityPoints(a.mesh),
    };
  }
  return { ...base, points: Float32Array.from(a.primary.landmarks) };
}
