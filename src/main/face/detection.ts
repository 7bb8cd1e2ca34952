/**
 * What every detector family produces, plus the two steps they share: the one-pass letterbox
 * (resize + channel order + normalisation straight into the NCHW input tensor, top-left aligned, padding
 * with pixel value 0 as InsightFace/OpenCV do) and greedy NMS. Buffers are owned by a `Letterboxer` and reused
 * across frames; they are only reallocated when the input geometry grows.
 */
import type { Frame } from './frame.ts';

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

export interface InputSpec {
  readonly width: number;
  readonly height: number;
  readonly dynamic: boolean;
  readonly multipleOf: number;
}

/** Geometry of one letterboxed input: network size and the factor from frame to network coordinates. */
export interface LetterboxGeometry {
  readonly inWidth: number;
  readonly inHeight: number;
  readonly scale: number;
}

/**
 * Chooses the network input size for a frame. Fixed inputs: fit the frame inside (up- or down-scaling).
 * Dynamic inputs: never upscale, shrink so the longer side fits `width`, pad up to `multipleOf`.
 */
export function letterboxGeometry(frameW: number, frameH: number, input: InputSpec): LetterboxGeometry {
  if (!input.dynamic) {
    return {
      inWidth: input.width,
      inHeight: input.height,
      scale: Math.min(input.width / frameW, input.height / frameH),
    };
  }
  const scale = Math.min(1, input.width / Math.max(frameW, frameH));
  const m = input.multipleOf;
  return {
    inWidth: Math.max(m, Math.ceil((frameW * scale) / m) * m),
    inHeight: Math.max(m, Math.ceil((frameH * scale) / m) * m),
    scale,
  };
}

/** Reusable one-pass letterbox writer. Not re-entrant: one per detector, used by one run at a time. */
export class Letterboxer {
  private buffer = new Float32Array(0);
  private xIndex = new Int32Array(0);
  private xWeight = new Float32Array(0);
  private cachedKey = '';
  private readonly spec: PixelSpec;

  constructor(spec: PixelSpec) {
    this.spec = spec;
  }

  /** Writes `frame` into a [1,3,inH,inW] float view and returns it (a view into the reused buffer). */
  fill(frame: Frame, geo: LetterboxGeometry): Float32Array {
    const { inWidth: W, inHeight: H, scale } = geo;
    const plane = W * H;
    if (this.buffer.length < 3 * plane) this.buffer = new Float32Array(3 * plane);
    const out = this.buffer.subarray(0, 3 * plane);
    const { data, stride, channels } = frame;
    const [m0, m1, m2] = this.spec.mean;
    const [s0, s1, s2] = this.spec.std;
    // Output plane p takes source channel srcC[p]; with the mean/std of that output plane.
    const bgr = this.spec.channelOrder === 'bgr';
    const c0 = bgr ? 2 : 0;
    const c2 = bgr ? 0 : 2;
    const k0 = 1 / s0,
      k1 = 1 / s1,
      k2 = 1 / s2;
    const pad0 = -m0 * k0,
      pad1 = -m1 * k1,
      pad2 = -m2 * k2;
    const usedW = Math.min(W, Math.round(frame.width * scale));
    const usedH = Math.min(H, Math.round(frame.height * scale));
    const o1 = plane,
      o2 = 2 * plane;

    if (scale === 1) {
      for (let y = 0; y < usedH; y++) {
        let src = y * stride;
        let dst = y * W;
        for (let x = 0; x < usedW; x++, src += channels, dst++) {
          out[dst] = (data[src + c0]! - m0) * k0;
          out[o1 + dst] = (data[src + 1]! - m1) * k1;
          out[o2 + dst] = (data[src + c2]! - m2) * k2;
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
        let dst = y * W;
        for (let x = 0; x < usedW; x++, dst++) {
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
          out[o1 + dst] =
            (data[i00 + 1]! * w00 + data[i01 + 1]! * w01 + data[i10 + 1]! * w10 + data[i11 + 1]! * w11 - m1) *
            k1;
          out[o2 + dst] =
            (data[i00 + c2]! * w00 +
              data[i01 + c2]! * w01 +
              data[i10 + c2]! * w10 +
              data[i11 + c2]! * w11 -
              m2) *
            k2;
        }
      }
    }
    // Padding: right of the image on the used rows, then whole rows below.
    if (usedW < W) {
      for (let y = 0; y < usedH; y++) {
        const row = y * W;
        out.fill(pad0, row + usedW, row + W);
        out.fill(pad1, o1 + row + usedW, o1 + row + W);
        out.fill(pad2, o2 + row + usedW, o2 + row + W);
      }
    }
    if (usedH < H) {
      out.fill(pad0, usedH * W, plane);
      out.fill(pad1, o1 + usedH * W, o1 + plane);
      out.fill(pad2, o2 + usedH * W, o2 + plane);
    }
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
