/**
 * SCRFD face detector with keypoints (InsightFace det_*.onnx). Decoding follows InsightFace's scrfd.py and
 * ../shared/models/reference/scrfd_500m/README.txt: per stride s, `anchorsPerCell` identical anchor centres
 * (col·s, row·s) per cell; scores already sigmoid; box = centre ∓ distance·s (l, t, r, b); keypoints =
 * centre + offset·s. Output tensors are identified by shape (last dim 1/4/10, row count → stride), so the
 * numeric output names of different exports do not matter.
 */
import { Letterboxer, nms, runLetterboxed, type Detection, type FaceDetector } from './detection.ts';
import { ModelFamilyError } from './errors.ts';
import { expectFamily, type ModelHandle } from './family.ts';
import type { Frame } from './frame.ts';
import { floatOutput, outputDims, type OrtResults } from './ort-io.ts';

interface StrideOutputs {
  scores?: Float32Array;
  boxes?: Float32Array;
  kps?: Float32Array;
}

function groupByStride(
  results: OrtResults,
  names: readonly string[],
  rowsPerStride: Map<number, number>,
): Map<number, StrideOutputs> {
  const byRows = new Map<number, number>();
  for (const [s, rows] of rowsPerStride) byRows.set(rows, s);
  const groups = new Map<number, StrideOutputs>();
  for (const name of names) {
    const dims = outputDims(results, name);
    const last = dims[dims.length - 1] ?? 0;
    const data = floatOutput(results, name);
    const rows = last > 0 ? data.length / last : 0;
    const s = byRows.get(rows);
    if (s === undefined)
      throw new ModelFamilyError(`SCRFD output ${name} has ${rows} rows, matching no stride`);
    const g = groups.get(s) ?? {};
    if (last === 1) g.scores = data;
    else if (last === 4) g.boxes = data;
    else if (last === 10) g.kps = data;
    else throw new ModelFamilyError(`SCRFD output ${name} has last dimension ${last}`);
    groups.set(s, g);
  }
  return groups;
}

export function createScrfdDetector(handle: ModelHandle): FaceDetector {
  const { session, descriptor: d } = expectFamily(handle, 'scrfd');
  const letterbox = new Letterboxer(d);
  const { strides, scoreThreshold, nmsIou, maxFaces, anchorsPerCell: A } = d.decoding;

  return {
    async detect(frame: Frame): Promise<Detection[]> {
      const { results, geo } = await runLetterboxed(session, letterbox, frame, d.input);
      const rowsPerStride = new Map<number, number>();
      for (const s of strides) rowsPerStride.set(s, (geo.inWidth / s) * (geo.inHeight / s) * A);
      const groups = groupByStride(results, session.outputNames, rowsPerStride);
      const inv = 1 / geo.scale;
      const candidates: Detection[] = [];
      for (const s of strides) {
        const g = groups.get(s);
        if (g?.scores === undefined || g.boxes === undefined || g.kps === undefined) {
          throw new ModelFamilyError(
            `SCRFD outputs for stride ${s} are incomplete (need scores, boxes, keypoints)`,
          );
        }
        const { scores, boxes, kps } = g;
        const cols = geo.inWidth / s;
        for (let i = 0; i < scores.length; i++) {
          const score = scores[i]!;
          if (score < scoreThreshold) continue;
          const cell = Math.floor(i / A);
          const row = Math.floor(cell / cols);
          const cx = (cell - row * cols) * s;
          const cy = row * s;
          const landmarks = new Float32Array(10);
          for (let k = 0; k < 5; k++) {
            landmarks[2 * k] = (cx + kps[10 * i + 2 * k]! * s) * inv;
            landmarks[2 * k + 1] = (cy + kps[10 * i + 2 * k + 1]! * s) * inv;
          }
          candidates.push({
            x1: (cx - boxes[4 * i]! * s) * inv,
            y1: (cy - boxes[4 * i + 1]! * s) * inv,
            x2: (cx + boxes[4 * i + 2]! * s) * inv,
            y2: (cy + boxes[4 * i + 3]! * s) * inv,
            score,
            landmarks,
          });
        }
      }
      return nms(candidates, nmsIou, maxFaces);
    },
  };
}
