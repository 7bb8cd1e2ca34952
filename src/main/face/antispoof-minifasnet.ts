/**
 * Passive anti-spoofing with Silent-Face MiniFASNet models (minivision-ai/Silent-Face-Anti-Spoofing), following
 * ../shared/models/reference/minifasnet/README.txt and upstream CropImage._get_new_box: expand the face box
 * around its centre by the model's `cropScale` (reduced so it fits the frame, then shifted inside the borders),
 * crop, resize to the input size (bilinear, half-pixel centres like cv2.resize), channel order and raw 0..255
 * per the descriptor, softmax. With several models the live probabilities are averaged (upstream sums the
 * softmaxes and halves). The score is a heuristic signal, not a certified presentation-attack detector.
 */
import type { Detection } from './detection.ts';
import { ModelFamilyError } from './errors.ts';
import { expectFamily, type MinifasnetDescriptor, type ModelHandle } from './family.ts';
import type { Frame } from './frame.ts';
import { floatOutput, floatTensor, runSingle } from './ort-io.ts';

export interface LivenessResult {
  /** Mean probability of the live class over the models, 0..1. */
  readonly liveScore: number;
  readonly perModel: readonly number[];
}

export interface LivenessChecker {
  check(frame: Frame, face: Detection): Promise<LivenessResult>;
}

/** Upstream's box expansion, in integer pixel coordinates (inclusive corners). */
export function minifasnetCropBox(
  frameW: number,
  frameH: number,
  face: Detection,
  cropScale: number,
): { x1: number; y1: number; x2: number; y2: number } {
  const bw = face.x2 - face.x1,
    bh = face.y2 - face.y1;
  const scale = Math.min((frameH - 1) / bh, (frameW - 1) / bw, cropScale);
  const nw = bw * scale,
    nh = bh * scale;
  const cx = face.x1 + bw / 2,
    cy = face.y1 + bh / 2;
  let lx = cx - nw / 2,
    ly = cy - nh / 2,
    rx = cx + nw / 2,
    ry = cy + nh / 2;
  if (lx < 0) {
    rx -= lx;
    lx = 0;
  }
  if (ly < 0) {
    ry -= ly;
    ly = 0;
  }
  if (rx > frameW - 1) {
    lx -= rx - frameW + 1;
    rx = frameW - 1;
  }
  if (ry > frameH - 1) {
    ly -= ry - frameH + 1;
    ry = frameH - 1;
  }
  return { x1: Math.trunc(lx), y1: Math.trunc(ly), x2: Math.trunc(rx), y2: Math.trunc(ry) };
}

interface Stage {
  readonly handle: ModelHandle<MinifasnetDescriptor>;
  readonly input: Float32Array;
}

function fillCrop(frame: Frame, d: MinifasnetDescriptor, face: Detection, out: Float32Array): void {
  const { data, stride, channels } = frame;
  const W = d.input.width,
    H = d.input.height,
    plane = W * H;
  const box = minifasnetCropBox(frame.width, frame.height, face, d.cropScale);
  const cw = box.x2 - box.x1 + 1,
    ch = box.y2 - box.y1 + 1;
  const bgr = d.channelOrder === 'bgr';
  const c0 = bgr ? 2 : 0,
    c2 = bgr ? 0 : 2;
  const [m0, m1, m2] = d.mean;
  const k0 = 1 / d.std[0],
    k1 = 1 / d.std[1],
    k2 = 1 / d.std[2];
  const fx = cw / W,
    fy = ch / H;
  for (let v = 0; v < H; v++) {
    const sy = Math.min(ch - 1, Math.max(0, (v + 0.5) * fy - 0.5));
    const y0 = Math.floor(sy),
      y1 = Math.min(ch - 1, y0 + 1),
      wy = sy - y0;
    const r0 = (box.y1 + y0) * stride,
      r1 = (box.y1 + y1) * stride;
    for (let u = 0; u < W; u++) {
      const sx = Math.min(cw - 1, Math.max(0, (u + 0.5) * fx - 0.5));
      const x0 = Math.floor(sx),
        x1 = Math.min(cw - 1, x0 + 1),
        wx = sx - x0;
      const a = (box.x1 + x0) * channels,
        b = (box.x1 + x1) * channels;
      const w00 = (1 - wx) * (1 - wy),
        w01 = wx * (1 - wy),
        w10 = (1 - wx) * wy,
        w11 = wx * wy;
      const o = v * W + u;
      out[o] =
        (data[r0 + a + c0]! * w00 +
          data[r0 + b + c0]! * w01 +
          data[r1 + a + c0]! * w10 +
          data[r1 + b + c0]! * w11 -
          m0) *
        k0;
      out[plane + o] =
        (data[r0 + a + 1]! * w00 +
          data[r0 + b + 1]! * w01 +
          data[r1 + a + 1]! * w10 +
          data[r1 + b + 1]! * w11 -
          m1) *
        k1;
      out[2 * plane + o] =
        (data[r0 + a + c2]! * w00 +
          data[r0 + b + c2]! * w01 +
          data[r1 + a + c2]! * w10 +
          data[r1 + b + c2]! * w11 -
          m2) *
        k2;
    }
  }
}

/** Softmax probability of class `k` from logits. */
export function softmaxAt(logits: Float32Array, k: number): number {
  let max = -Infinity;
  for (const l of logits) max = Math.max(max, l);
  let sum = 0;
  for (const l of logits) sum += Math.exp(l - max);
  return Math.exp((logits[k] ?? -Infinity) - max) / sum;
}

export function createMinifasnetChecker(handles: readonly ModelHandle[]): LivenessChecker {
  if (handles.length === 0) throw new ModelFamilyError('anti-spoofing needs at least one MiniFASNet model');
  const stages: Stage[] = handles.map((h) => {
    const handle = expectFamily(h, 'minifasnet');
    const { width, height } = handle.descriptor.input;
    return { handle, input: new Float32Array(3 * width * height) };
  });
  return {
    async check(frame: Frame, face: Detection): Promise<LivenessResult> {
      const perModel: number[] = [];
      for (const { handle, input } of stages) {
        const d = handle.descriptor;
        fillCrop(frame, d, face, input);
        const results = await runSingle(
          handle.session,
          floatTensor(input, [1, 3, d.input.height, d.input.width]),
          d.input.name,
        );
        const outName = handle.session.outputNames[0];
        if (outName === undefined) throw new ModelFamilyError('MiniFASNet model has no outputs');
        perModel.push(softmaxAt(floatOutput(results, outName, d.classes), d.liveClass));
      }
      return { liveScore: perModel.reduce((a, b) => a + b, 0) / perModel.length, perModel };
    },
  };
}
