/**
 * Face alignment: least-squares similarity transform from 5 detected landmarks to a canonical template
 * (Umeyama 1991, "Least-squares estimation of transformation parameters between two point patterns", the
 * estimator InsightFace uses through skimage's SimilarityTransform), then one warp pass that samples the frame
 * bilinearly (cv2.warpAffine convention: integer pixel coordinates, constant 0 border), applies the channel
 * order and `(x - mean) / std`, and writes planar NCHW floats straight into the model's input buffer.
 *
 * In 2-D with no reflection allowed Umeyama's SVD solution reduces to a closed form: with centred points
 * p (source) and q (target), a = Σ(p·q)/Σ|p|², b = Σ(p×q)/Σ|p|², giving x' = a·x − b·y + tx, y' = b·x + a·y + ty.
 */
import type { PixelSpec } from './detection.ts';
import type { Frame } from './frame.ts';

/** ArcFace 112x112 five-point template (InsightFace arcface_dst), image left→right eye, nose, mouth corners. */
export const ARCFACE_TEMPLATE_112: Float32Array = Float32Array.of(
  38.2946,
  51.6963,
  73.5318,
  51.5014,
  56.0252,
  71.7366,
  41.5493,
  92.3655,
  70.7299,
  92.2041,
);

/** x' = a·x − b·y + tx, y' = b·x + a·y + ty (scale = hypot(a, b), rotation = atan2(b, a)). */
export interface Similarity {
  readonly a: number;
  readonly b: number;
  readonly tx: number;
  readonly ty: number;
}

/** Least-squares similarity mapping `src` points onto `dst` points (flat x,y arrays of equal length ≥ 4). */
export function estimateSimilarity(src: ArrayLike<number>, dst: ArrayLike<number>): Similarity {
  const n = src.length >> 1;
  if (n < 2 || src.length !== dst.length || src.length % 2 !== 0) {
    throw new RangeError(
      `need two equal-length flat point lists with ≥ 2 points, got ${src.length} and ${dst.length} values`,
    );
  }
  let sx = 0,
    sy = 0,
    dx = 0,
    dy = 0;
  for (let i = 0; i < n; i++) {
    sx += src[2 * i]!;
    sy += src[2 * i + 1]!;
    dx += dst[2 * i]!;
    dy += dst[2 * i + 1]!;
  }
  sx /= n;
  sy /= n;
  dx /= n;
  dy /= n;
  let dot = 0,
    cross = 0,
    norm = 0;
  for (let i = 0; i < n; i++) {
    const px = src[2 * i]! - sx,
      py = src[2 * i + 1]! - sy;
    const qx = dst[2 * i]! - dx,
      qy = dst[2 * i + 1]! - dy;
    dot += px * qx + py * qy;
    cross += px * qy - py * qx;
    norm += px * px + py * py;
  }
  if (!(norm > 1e-9)) throw new RangeError('source points are degenerate (all coincide)');
  const a = dot / norm,
    b = cross / norm;
  return { a, b, tx: dx - (a * sx - b * sy), ty: dy - (b * sx + a * sy) };
}

export function invertSimilarity(t: Similarity): Similarity {
  const d = t.a * t.a + t.b * t.b;
  const a = t.a / d,
    b = -t.b / d;
  return { a, b, tx: -(a * t.tx - b * t.ty), ty: -(b * t.tx + a * t.ty) };
}

export function applySimilarity(t: Similarity, x: number, y: number): [number, number] {
  return [t.a * x - t.b * y + t.tx, t.b * x + t.a * y + t.ty];
}

/** Where a warp writes: `size`x`size` planes at `offset` in `out`; `flipOffset` also writes the mirror image. */
export interface WarpTarget {
  readonly out: Float32Array;
  readonly offset: number;
  readonly size: number;
  readonly flipOffset?: number;
}

/**
 * Warps `frame` through `toCrop` (frame → crop coordinates) into the target, normalised per `spec`.
 * Allocation-free: the inverse map is stepped incrementally along each row.
 */
export function warpToTensor(frame: Frame, toCrop: Similarity, spec: PixelSpec, target: WarpTarget): void {
  const inv = invertSimilarity(toCrop);
  const { data, width: W, height: H, stride, channels } = frame;
  const { out, offset, size } = target;
  const plane = size * size;
  const flip = target.flipOffset;
  const bgr = spec.channelOrder === 'bgr';
  const c0 = bgr ? 2 : 0,
    c2 = bgr ? 0 : 2;
  const [m0, m1, m2] = spec.mean;
  const k0 = 1 / spec.std[0],
    k1 = 1 / spec.std[1],
    k2 = 1 / spec.std[2];
  for (let v = 0; v < size; v++) {
    // Source position of (u = 0, v); each step in u adds (a, b).
    let x = -inv.b * v + inv.tx;
    let y = inv.a * v + inv.ty;
    for (let u = 0; u < size; u++, x += inv.a, y += inv.b) {
      const x0 = Math.floor(x),
        y0 = Math.floor(y);
      const fx = x - x0,
        fy = y - y0;
      let r = 0,
        g = 0,
        bl = 0;
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < W && y0 + 1 < H) {
        const i00 = y0 * stride + x0 * channels;
        const i01 = i00 + channels,
          i10 = i00 + stride,
          i11 = i10 + channels;
        const w00 = (1 - fx) * (1 - fy),
          w01 = fx * (1 - fy),
          w10 = (1 - fx) * fy,
          w11 = fx * fy;
        r = data[i00 + c0]! * w00 + data[i01 + c0]! * w01 + data[i10 + c0]! * w10 + data[i11 + c0]! * w11;
        g = data[i00 + 1]! * w00 + data[i01 + 1]! * w01 + data[i10 + 1]! * w10 + data[i11 + 1]! * w11;
        bl = data[i00 + c2]! * w00 + data[i01 + c2]! * w01 + data[i10 + c2]! * w10 + data[i11 + c2]! * w11;
      } else if (x0 >= -1 && y0 >= -1 && x0 < W && y0 < H) {
        // Border: neighbours outside the frame count as 0 (cv2 BORDER_CONSTANT).
        for (let j = 0; j < 2; j++) {
          const yy = y0 + j;
          if (yy < 0 || yy >= H) continue;
          const wy = j === 0 ? 1 - fy : fy;
          for (let i = 0; i < 2; i++) {
            const xx = x0 + i;
            if (xx < 0 || xx >= W) continue;
            const w = wy * (i === 0 ? 1 - fx : fx);
            const p = yy * stride + xx * channels;
            r += data[p + c0]! * w;
            g += data[p + 1]! * w;
            bl += data[p + c2]! * w;
          }
        }
      }
      const v0 = (r - m0) * k0,
        v1 = (g - m1) * k1,
        v2 = (bl - m2) * k2;
      const o = offset + v * size + u;
      out[o] = v0;
      out[o + plane] = v1;
      out[o + 2 * plane] = v2;
      if (flip !== undefined) {
        const f = flip + v * size + (size - 1 - u);
        out[f] = v0;
        out[f + plane] = v1;
        out[f + 2 * plane] = v2;
      }
    }
  }
}
