/**
 * Human's face crop, shared by its PAD nets and FaceMesh: the detector box enlarged by `scale` around its
 * centre and squared (the larger side), sampled bilinearly (half-pixel centres) straight into an NHWC or NCHW
 * float buffer with `(pixel − mean[c]) / std[c]` in the given channel order; samples outside the frame are 0
 * (Human's crop pads with black). Pure typed-array code, no allocation per pixel.
 */
import type { Detection } from './detection.ts';
import type { Frame } from './frame.ts';

export interface SquareBox {
  /** Top-left corner and side, in frame pixels (may extend past the frame). */
  readonly x: number;
  readonly y: number;
  readonly side: number;
}

export function squareBox(face: Pick<Detection, 'x1' | 'y1' | 'x2' | 'y2'>, scale: number): SquareBox {
  const cx = (face.x1 + face.x2) / 2,
    cy = (face.y1 + face.y2) / 2;
  const side = Math.max(face.x2 - face.x1, face.y2 - face.y1) * scale;
  return { x: cx - side / 2, y: cy - side / 2, side };
}

export interface CropPixels {
  readonly layout: 'nchw' | 'nhwc';
  readonly channelOrder: 'rgb' | 'bgr';
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
}

export function fillSquareCrop(
  frame: Frame,
  box: SquareBox,
  W: number,
  H: number,
  px: CropPixels,
  out: Float32Array,
): void {
  const { data, stride, channels, width, height } = frame;
  const bgr = px.channelOrder === 'bgr';
  const c0 = bgr ? 2 : 0,
    c2 = bgr ? 0 : 2;
  const [m0, m1, m2] = px.mean;
  const [s0, s1, s2] = px.std;
  const nhwc = px.layout === 'nhwc';
  const plane = W * H;
  // Output index of channel k at pixel p: p·3 + k (NHWC) or k·plane + p (NCHW).
  const step = nhwc ? 3 : 1,
    k1 = nhwc ? 1 : plane,
    k2 = nhwc ? 2 : 2 * plane;
  const fx = box.side / W,
    fy = box.side / H;
  // Source columns and their weights, once per call rather than once per pixel and channel.
  const col0 = new Int32Array(W),
    colW = new Float64Array(W);
  for (let u = 0; u < W; u++) {
    const sx = box.x + (u + 0.5) * fx - 0.5;
    col0[u] = Math.floor(sx);
    colW[u] = sx - col0[u]!;
  }
  for (let v = 0; v < H; v++) {
    const sy = box.y + (v + 0.5) * fy - 0.5;
    const y0 = Math.floor(sy),
      wy = sy - y0;
    const wy0 = 1 - wy;
    const rowInside = y0 >= 0 && y0 + 1 < height;
    for (let u = 0, o = v * W * step; u < W; u++, o += step) {
      const x0 = col0[u]!,
        wx = colW[u]!;
      const wx0 = 1 - wx;
      let r = 0,
        g = 0,
        b = 0;
      if (rowInside && x0 >= 0 && x0 + 1 < width) {
        // Interior: all four neighbours exist. Same products and order as the border path below, so the two
        // paths give bit-identical values.
        const i00 = y0 * stride + x0 * channels,
          i01 = i00 + channels,
          i10 = i00 + stride,
          i11 = i10 + channels;
        r = data[i00 + c0]! * wy0 * wx0;
        r += data[i01 + c0]! * wy0 * wx;
        r += data[i10 + c0]! * wy * wx0;
        r += data[i11 + c0]! * wy * wx;
        g = data[i00 + 1]! * wy0 * wx0;
        g += data[i01 + 1]! * wy0 * wx;
        g += data[i10 + 1]! * wy * wx0;
        g += data[i11 + 1]! * wy * wx;
        b = data[i00 + c2]! * wy0 * wx0;
        b += data[i01 + c2]! * wy0 * wx;
        b += data[i10 + c2]! * wy * wx0;
        b += data[i11 + c2]! * wy * wx;
      } else {
        // Border: neighbours outside the frame count as 0 (Human's crop pads with black).
        for (let dy = 0; dy < 2; dy++) {
          const yy = y0 + dy;
          if (yy < 0 || yy >= height) continue;
          const wyy = dy === 0 ? wy0 : wy;
          for (let dx = 0; dx < 2; dx++) {
            const xx = x0 + dx;
            if (xx < 0 || xx >= width) continue;
            const w = dx === 0 ? wx0 : wx;
            const p = yy * stride + xx * channels;
            r += data[p + c0]! * wyy * w;
            g += data[p + 1]! * wyy * w;
            b += data[p + c2]! * wyy * w;
          }
        }
      }
      out[o] = (r - m0) / s0;
      out[o + k1] = (g - m1) / s1;
      out[o + k2] = (b - m2) / s2;
    }
  }
}
