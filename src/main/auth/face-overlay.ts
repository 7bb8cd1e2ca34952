/**
 * The face box and five landmarks the renderer draws over its preview during enrolment and unlock.
 * Coarse geometry only: normalised to the frame and rounded to 1/100 of its side (about 6 px on a 640 px
 * frame), never a detection score, so the page learns where the face is and nothing it could hill-climb on.
 */
import type { FaceOverlay } from '../../shared/ipc-contract.ts';
import type { Detection } from '../face/detection.ts';

const STEP = 100;
const coarse = (v: number, side: number): number =>
  Math.round(Math.min(1, Math.max(0, v / side)) * STEP) / STEP;

export function faceOverlay(
  primary: Detection | undefined,
  width: number,
  height: number,
): FaceOverlay | null {
  if (!primary || width <= 0 || height <= 0) return null;
  const x = coarse(primary.x1, width);
  const y = coarse(primary.y1, height);
  const w = Math.max(0, coarse(primary.x2, width) - x);
  const h = Math.max(0, coarse(primary.y2, height) - y);
  const landmarks: [number, number][] = [];
  for (let k = 0; k + 1 < primary.landmarks.length && landmarks.length < 5; k += 2) {
    landmarks.push([coarse(primary.landmarks[k]!, width), coarse(primary.landmarks[k + 1]!, height)]);
  }
  return { box: [x, y, Math.round(w * STEP) / STEP, Math.round(h * STEP) / STEP], landmarks };
}
