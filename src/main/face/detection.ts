/**
 * What every detector family produces, plus the steps they share: the one-pass letterbox (resize + channel
 * order + normalisation straight into the input tensor, NCHW or NHWC, the picture top-left aligned as
 * InsightFace/OpenCV do or centred as BlazeFace's own code does, padding with pixel value 0), running the
 * network on it, and greedy NMS. Buffers are owned by a `Letterboxer` and reused across frames; they are only
 * reallocated when the input geometry grows.
 */
import type { InferenceSession } from 'onnxruntime-node';
import type { Frame } from './frame.ts';
import { floatTensor, runSingle, type OrtResults } from './ort-io.ts';

/** One face in frame coordinates. Landmarks: 5 (x, y) pairs in image left→right order: eye, eye, nose, mouth, mouth. */
export interface Detection {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
  readonly score: number;
  readonly landmarks: Float32Array;
}

export interface PixelSpec {
  readonly channelOrder: 'rgb' | 'bgr';
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
}

/** How the network wants its input tensor: planes ([1,3,H,W]) or interleaved pixels ([1,H,W,3]). */
export interface LetterboxSpec extends PixelSpec {
  readonly layout: 'nchw' | 'nhwc';
}

export interface InputSpec {
  readonly width: number;
  readonly height: number;
  readonly dynamic: boolean;
  readonly multipleOf: number;
}

/**
 * Geometry of one letterboxed input: network size, the factor from frame to network coordinates, and where
 * the picture starts in the input (network = frame · scale + offset).
 */
export interface LetterboxGeometry {
  readonly inWidth: number;
  readonly inHeight: number;
  readonly scale: number;
  readonly offsetX: number;
  readonly offsetY: number;
}

/**
 * Chooses the network input size for a frame. Fixed inputs: fit the frame inside (up- or down-scaling).
 * Dynamic inputs: never upscale, shrink so the longer side fits `width`, pad up to `multipleOf`. The picture
 * sits top-left, or centred in the padding with `align: 'centre'` (whole input pixels, rounded down).
 */
export function letterboxGeometry(
  frameW: number,
  frameH: number,
  input: InputSpec,
  align: 'top-left' | 'centre' = 'top-left',
): LetterboxGeometry {
  let inWidth: number, inHeight: number, scale: number;
  if (!input.dynamic) {
    inWidth = input.width;
    inHeight = input.height;
    scale = Math.min(input.width / frameW, input.height / frameH);
  } else {
    scale = Math.min(1, input.width / Math.max(frameW, frameH));
    const m = input.multipleOf;
    inWidth = Math.max(m, Math.ceil((frameW * scale) / m) * m);
    inHeight = Math.max(m, Math.ceil((frameH * scale) / m) * m);
  }
  if (align === 'top-left') return { inWidth, inHeight, scale, offsetX: 0, offsetY: 0 };
  const { usedW, usedH } = usedSize(frameW, frameH, inWidth, inHeight, scale, 0, 0);
  return {
    inWidth,
    inHeight,
    scale,
    offsetX: Math.floor((inWidth - usedW) / 2),
    offsetY: Math.floor((inHeight - usedH) / 2),
  };
}

/** Input pixels the picture covers (the rest is padding). */
function usedSize(
  frameW: number,
  frameH: number,
  inW: number,
  inH: number,
  scale: number,
  offsetX: number,
  offsetY: number,
): { usedW: number; usedH: number } {
  return {
    usedW: Math.min(inW - offsetX, Math.round(frameW * scale)),
    usedH: Math.min(inH - offsetY, Math.round(frameH * scale)),
  };
}

/** Reusable one-pass letterbox writer. Not re-entrant: one per detector, used by one run at a time. */
export class Letterboxer {
  private buffer = new Float32Array(0);
  private xIndex = new Int32Array(0);
  private xWeight = new Float32Array(0);
  private cachedKey = '';
  private readonly spec: LetterboxSpec;

  constructor(spec: LetterboxSpec) {
    this.spec = spec;
  }

  /** The input tensor's dims for `geo` in this letterboxer's layout. */
  dims(geo: LetterboxGeometry): number[] {
    return this.spec.layout === 'nhwc'
      ? [1, geo.inHeight, geo.inWidth, 3]
      : [1, 3, geo.inHeight, geo.inWidth];
  }

  /** Writes `frame` into the input (layout as `dims`) and returns it (a view into the reused buffer). */
  fill(frame: Frame, geo: LetterboxGeometry): Float32Array {
    const { inWidth: W, inHeight: H, scale, offsetX: ox, offsetY: oy } = geo;
    const plane = W * H;
    if (this.buffer.length < 3 * plane) this.buffer = new Float32Array(3 * plane);
    const out = this.buffer.subarray(0, 3 * plane);
    const { data, stride, channels } = frame;
    const [m0, m1, m2] = this.spec.mean;
    const [s0, s1, s2] = this.spec.std;
    // Output channel 0/1/2 takes source channel c0/1/c2, with that output channel's mean/std.
    const bgr = this.spec.channelOrder === 'bgr';
    const c0 = bgr ? 2 : 0;
    const c2 = bgr ? 0 : 2;
    const k0 = 1 / s0,
      k1 = 1 / s1,
      k2 = 1 / s2;
    // Element of input pixel p, channel c: p·ps + c·cs.
    const nhwc = this.spec.layout === 'nhwc';
    const ps = nhwc ? 3 : 1;
    const cs = nhwc ? 1 : plane;
    const { usedW, usedH } = usedSize(frame.width, frame.height, W, H, scale, ox, oy);

    if (scale === 1) {
      for (let y = 0; y < usedH; y++) {
        let src = y * stride;
        let dst = ((oy + y) * W + ox) * ps;
        for (let x = 0; x < usedW; x++, src += channels, dst += ps) {
          out[dst] = (data[src + c0]! - m0) * k0;
          out[dst + cs] = (data[src + 1]! - m1) * k1;
          out[dst + 2 * cs] = (data[src + c2]! - m2) * k2;
        }
      }
    } else {
      this.prepareColumns(frame.width, usedW, scale, channels);
      const xi = this.xIndex,
        xw = this.xWeight;
      const maxY = frame.height - 1;
      for (let y = 0; y < usedH; y++) {
        // Half-pixel centres, like cv2.resize(INTER_LINEAR).
        let sy = (y + 0.5) / scale - 0.5;
        if (sy < 0) sy = 0;
        const y0 = Math.min(maxY, Math.floor(sy));
        const y1 = Math.min(maxY, y0 + 1);
        const wy = sy - y0;
        const r0 = y0 * stride,
          r1 = y1 * stride;
        let dst = ((oy + y) * W + ox) * ps;
        for (let x = 0; x < usedW; x++, dst += ps) {
          const a = xi[2 * x]!,
            b = xi[2 * x + 1]!,
            wx = xw[x]!;
          const i00 = r0 + a,
            i01 = r0 + b,
            i10 = r1 + a,
            i11 = r1 + b;
          const w00 = (1 - wx) * (1 - wy),
            w01 = wx * (1 - wy),
            w10 = (1 - wx) * wy,
            w11 = wx * wy;
          out[dst] =
            (data[i00 + c0]! * w00 +
              data[i01 + c0]! * w01 +
              data[i10 + c0]! * w10 +
              data[i11 + c0]! * w11 -
              m0) *
            k0;
          out[dst + cs] =
            (data[i00 + 1]! * w00 + data[i01 + 1]! * w01 + data[i10 + 1]! * w10 + data[i11 + 1]! * w11 - m1) *
            k1;
          out[dst + 2 * cs] =
            (data[i00 + c2]! * w00 +
              data[i01 + c2]! * w01 +
              data[i10 + c2]! * w10 +
              data[i11 + c2]! * w11 -
              m2) *
            k2;
        }
      }
    }
    // Padding (pixel value 0): the rows above and below the picture, and left and right of it on its rows.
    const pad = [-m0 * k0, -m1 * k1, -m2 * k2] as const;
    const padPixels = (from: number, to: number): void => {
      if (to <= from) return;
      if (!nhwc) {
        for (let c = 0; c < 3; c++) out.fill(pad[c]!, c * plane + from, c * plane + to);
        return;
      }
      for (let p = from; p < to; p++) {
        out[3 * p] = pad[0];
        out[3 * p + 1] = pad[1];
        out[3 * p + 2] = pad[2];
      }
    };
    padPixels(0, oy * W);
    for (let y = oy; y < oy + usedH; y++) {
      padPixels(y * W, y * W + ox);
      padPixels(y * W + ox + usedW, (y + 1) * W);
    }
    padPixels((oy + usedH) * W, plane);
    return out;
  }

  /** Column source offsets (byte offsets of the two neighbours) and weights, cached per geometry. */
  private prepareColumns(srcW: number, usedW: number, scale: number, channels: number): void {
    const key = `${srcW}:${usedW}:${scale}:${channels}`;
    if (key === this.cachedKey) return;
    if (this.xWeight.length < usedW) {
      this.xIndex = new Int32Array(2 * usedW);
      this.xWeight = new Float32Array(usedW);
    }
    const maxX = srcW - 1;
    for (let x = 0; x < usedW; x++) {
      let sx = (x + 0.5) / scale - 0.5;
      if (sx < 0) sx = 0;
      const x0 = Math.min(maxX, Math.floor(sx));
      const x1 = Math.min(maxX, x0 + 1);
      this.xIndex[2 * x] = x0 * channels;
      this.xIndex[2 * x + 1] = x1 * channels;
      this.xWeight[x] = sx - x0;
    }
    this.cachedKey = key;
  }
}

/**
 * The step every detector starts with: letterbox `frame` into the network's input and run the network on
 * it. Returns the outputs and the geometry that maps network coordinates back to the frame
 * (frame = (network − offset) / scale).
 */
export async function runLetterboxed(
  session: InferenceSession,
  letterbox: Letterboxer,
  frame: Frame,
  input: InputSpec & { readonly name?: string | undefined },
  align: 'top-left' | 'centre' = 'top-left',
): Promise<{ results: OrtResults; geo: LetterboxGeometry }> {
  const geo = letterboxGeometry(frame.width, frame.height, input, align);
  const data = letterbox.fill(frame, geo);
  const results = await runSingle(session, floatTensor(data, letterbox.dims(geo)), input.name);
  return { results, geo };
}

const iou = (a: Detection, b: Detection): number => {
  const ix = Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1));
  const iy = Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1));
  const inter = ix * iy;
  const union = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter;
  return union > 0 ? inter / union : 0;
};

/** Greedy non-maximum suppression; returns at most `maxFaces` detections, best first. */
export function nms(candidates: Detection[], iouThreshold: number, maxFaces: number): Detection[] {
  candidates.sort((a, b) => b.score - a.score);
  const kept: Detection[] = [];
  for (const c of candidates) {
    if (kept.length >= maxFaces) break;
    if (kept.every((k) => iou(k, c) <= iouThreshold)) kept.push(c);
  }
  return kept;
}

/** A detector stage: frame in, faces out (frame coordinates). */
export interface FaceDetector {
  detect(frame: Frame): Promise<Detection[]>;
}
