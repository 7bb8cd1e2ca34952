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
  const order = bgr ? [2, 1, 0] : [0, 1, 2];
  const plane = W * H;
  const fx = box.side / W,
    fy = box.side / H;
  for (let v = 0; v < H; v++) {
    const sy = box.y + (v + 0.5) * fy - 0.5;
    const y0 = Math.floor(sy),
      wy = sy - y0;
    for (let u = 0; u < W; u++) {
      const sx = box.x + (u + 0.5) * fx - 0.5;
      const x0 = Math.floor(sx),
        wx = sx - x0;
      for (let k = 0; k < 3; k++) {
        const c = order[k]!;
        let acc = 0;
        for (let dy = 0; dy < 2; dy++) {
          const yy = y0 + dy;
          if (yy < 0 || yy >= height) continue;
          const wyy = dy === 0 ? 1 - wy : wy;
          for (let dx = 0; dx < 2; dx++) {
            const xx = x0 + dx;
            if (xx < 0 || xx >= width) continue;
            acc += data[yy * stride + xx * channels + c]! * wyy * (dx === 0 ? 1 - wx : wx);
          }
        }
        const val = (acc - px.mean[k]!) / px.std[k]!;
        out[px.layout === 'nhwc' ? (v * W + u) * 3 + k : k * plane + v * W + u] = val;
      }
    }
  }
}
