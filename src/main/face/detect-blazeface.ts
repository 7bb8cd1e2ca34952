/**
 * BlazeFace face detector (MediaPipe "back" model as shipped in @vladmandic/human 3.3.6, converted to ONNX by
 * tools/convert). Decoding follows Human's src/face/blazeface.ts + facemeshutil.ts `generateAnchors`:
 * SSD anchors with centres `stride·(col + 0.5), stride·(row + 0.5)` in input pixels, `anchorsPerCell` identical
 * anchors per cell, layers in `strides` order (16 → 2 anchors, 32 → 6 for the 256×256 model); per anchor a
 * logit (score = sigmoid) and 16 regressors in input pixels: box centre offset (2), box size (2), then 6
 * keypoints as offsets from the anchor centre. Score and regressor outputs are identified by shape
 * ([1, n, 1] / [1, n, 16], n → layer), so the converter's output names do not matter.
 *
 * Differences from Human, on purpose: the frame is letterboxed (aspect kept, centred, padded with pixel 0)
 * instead of stretched to a square, and NMS is our greedy NMS in frame coordinates. The input is NHWC RGB
 * `(x − 127.5) / 127.5`, written in one pass (bilinear, half-pixel centres) into a reused buffer by the
 * Letterboxer every detector shares (detection.ts).
 *
 * Keypoints → the pipeline's 5 landmarks (image left→right eye, eye, nose, mouth, mouth): BlazeFace gives the
 * two eye centres, the nose tip and the MOUTH CENTRE (plus two ear tragions, unused). The mouth centre is
 * written into both mouth slots. For any least-squares similarity fit this equals fitting the mouth centre
 * to the midpoint of the template's two mouth corners with weight 2 (the constant residual does not change
 * the solution), and the quality gate's pose estimate only uses the mouth midpoint, so every downstream stage
 * stays correct; only "mouth corner" geometry itself is not available from this detector.
 */
import { Letterboxer, nms, runLetterboxed, type Detection, type FaceDetector } from './detection.ts';
import { ModelFamilyError } from './errors.ts';
import { expectFamily, type ModelHandle } from './family.ts';
import type { Frame } from './frame.ts';
import { floatOutput, outputDims } from './ort-io.ts';

const REGRESSORS = 16;

interface Layer {
  readonly stride: number;
  readonly cols: number;
  readonly anchorsPerCell: number;
  /** Anchors in this layer (rows·cols·anchorsPerCell). */
  readonly count: number;
}

/** Anchor layers for a square input (Human's generateAnchors with explicit strides). */
export function blazefaceLayers(
  size: number,
  strides: readonly number[],
  anchorsPerCell: readonly number[],
): Layer[] {
  if (strides.length !== anchorsPerCell.length)
    throw new ModelFamilyError('blazeface: strides and anchorsPerCell differ in length');
  return strides.map((stride, i) => {
    const cols = Math.floor((size + stride - 1) / stride);
    const a = anchorsPerCell[i]!;
    return { stride, cols, anchorsPerCell: a, count: cols * cols * a };
  });
}

export function createBlazefaceDetector(handle: ModelHandle): FaceDetector {
  const { session, descriptor: d } = expectFamily(handle, 'blazeface');
  if (d.input.width !== d.input.height || d.input.dynamic)
    throw new ModelFamilyError('blazeface needs a fixed square input');
  const size = d.input.width;
  const { scoreThreshold, nmsIou, maxFaces, strides, anchorsPerCell } = d.decoding;
  const layers = blazefaceLayers(size, strides, anchorsPerCell);
  if (new Set(layers.map((l) => l.count)).size !== layers.length)
    throw new ModelFamilyError('blazeface: two layers have the same anchor count');
  const logitThreshold = Math.log(scoreThreshold / (1 - scoreThreshold));
  // Letterboxed centred, aspect kept (Human stretches to a square instead; see above).
  const letterbox = new Letterboxer(d);

  return {
    async detect(frame: Frame): Promise<Detection[]> {
      const { results, geo } = await runLetterboxed(session, letterbox, frame, d.input, 'centre');
      const { scale, offsetX: dx, offsetY: dy } = geo;
      const scores = new Map<number, Float32Array>();
      const regs = new Map<number, Float32Array>();
      for (const name of session.outputNames) {
        const dims = outputDims(results, name);
        const last = dims[dims.length - 1];
        const data = floatOutput(results, name);
        if (last === 1) scores.set(data.length, data);
        else if (last === REGRESSORS) regs.set(data.length / REGRESSORS, data);
        else throw new ModelFamilyError(`blazeface output ${name} has last dimension ${String(last)}`);
      }
      const inv = 1 / scale;
      const candidates: Detection[] = [];
      for (const layer of layers) {
        const sc = scores.get(layer.count);
        const rg = regs.get(layer.count);
        if (sc === undefined || rg === undefined)
          throw new ModelFamilyError(
            `blazeface: no outputs with ${layer.count} anchors (stride ${layer.stride})`,
          );
        for (let i = 0; i < layer.count; i++) {
          const logit = sc[i]!;
          if (!(logit >= logitThreshold)) continue;
          const cell = Math.floor(i / layer.anchorsPerCell);
          const row = Math.floor(cell / layer.cols);
          const col = cell - row * layer.cols;
          const ax = layer.stride * (col + 0.5),
            ay = layer.stride * (row + 0.5);
          const r = i * REGRESSORS;
          const cx = rg[r]! + ax,
            cy = rg[r + 1]! + ay;
          const w = rg[r + 2]!,
            h = rg[r + 3]!;
          const toX = (v: number): number => (v - dx) * inv;
          const toY = (v: number): number => (v - dy) * inv;
          // Keypoints 0, 1: eyes; 2: nose tip; 3: mouth centre (4, 5: ears, unused).
          let e0x = toX(rg[r + 4]! + ax),
            e0y = toY(rg[r + 5]! + ay);
          let e1x = toX(rg[r + 6]! + ax),
            e1y = toY(rg[r + 7]! + ay);
          if (e1x < e0x) [e0x, e0y, e1x, e1y] = [e1x, e1y, e0x, e0y];
          const nx = toX(rg[r + 8]! + ax),
            ny = toY(rg[r + 9]! + ay);
          const mx = toX(rg[r + 10]! + ax),
            my = toY(rg[r + 11]! + ay);
          candidates.push({
            x1: toX(cx - w / 2),
            y1: toY(cy - h / 2),
            x2: toX(cx + w / 2),
            y2: toY(cy + h / 2),
            score: 1 / (1 + Math.exp(-logit)),
            landmarks: Float32Array.of(e0x, e0y, e1x, e1y, nx, ny, mx, my, mx, my),
          });
        }
      }
      return nms(candidates, nmsIou, maxFaces);
    },
  };
}
