/**
 * Is a landmark motion that of a flat picture? A plane seen by a pinhole camera maps between two views by a
 * homography (Hartley & Zisserman, Multiple View Geometry, 2nd ed., §2.3 and §13.1): every point of a photo
 * or a screen, however it is tilted, turned or moved, follows one 3×3 projective map. A head is not flat:
 * when it turns, the nose tip moves against the cheeks and the face outline (motion parallax), which no single
 * homography explains. So: fit the homography from the first view's landmarks to the second's (normalised
 * DLT, H&Z Algorithm 4.2, solved with h33 = 1 by least squares), and report the RMS transfer residual as a
 * fraction of the eye distance. Small residual = planar = a picture.
 * Pure maths, no allocation beyond a few small arrays.
 */

/** Similarity normalisation (H&Z §4.4.4): centroid to the origin, mean distance √2. Returns [s, tx, ty]. */
function normaliser(pts: Float64Array, n: number): [number, number, number] {
  let cx = 0,
    cy = 0;
  for (let i = 0; i < n; i++) {
    cx += pts[2 * i]!;
    cy += pts[2 * i + 1]!;
  }
  cx /= n;
  cy /= n;
  let d = 0;
  for (let i = 0; i < n; i++) d += Math.hypot(pts[2 * i]! - cx, pts[2 * i + 1]! - cy);
  const s = d > 0 ? (Math.SQRT2 * n) / d : 1;
  return [s, -s * cx, -s * cy];
}

/** Solves A x = b (n×n, row-major, in place) by Gaussian elimination with partial pivoting; null if singular. */
function solve(A: Float64Array, b: Float64Array, n: number): Float64Array | null {
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r * n + c]!) > Math.abs(A[p * n + c]!)) p = r;
    if (Math.abs(A[p * n + c]!) < 1e-12) return null;
    if (p !== c) {
      for (let k = 0; k < n; k++) {
        const t = A[c * n + k]!;
        A[c * n + k] = A[p * n + k]!;
        A[p * n + k] = t;
      }
      const t = b[c]!;
      b[c] = b[p]!;
      b[p] = t;
    }
    for (let r = c + 1; r < n; r++) {
      const f = A[r * n + c]! / A[c * n + c]!;
      if (f === 0) continue;
      for (let k = c; k < n; k++) A[r * n + k] = A[r * n + k]! - f * A[c * n + k]!;
      b[r] = b[r]! - f * b[c]!;
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r]!;
    for (let k = r + 1; k < n; k++) s -= A[r * n + k]! * x[k]!;
    x[r] = s / A[r * n + r]!;
  }
  return x;
}

/**
 * Least-squares homography mapping src → dst (n ≥ 4 point pairs, interleaved x,y). Returns the 3×3 matrix
 * row-major with h33 = 1 in pixel coordinates, or null for a degenerate configuration.
 */
export function fitHomography(
  src: ArrayLike<number>,
  dst: ArrayLike<number>,
  n: number,
): Float64Array | null {
  if (n < 4) return null;
  const a = Float64Array.from({ length: 2 * n }, (_, i) => src[i]!);
  const b = Float64Array.from({ length: 2 * n }, (_, i) => dst[i]!);
  const [sa, ax, ay] = normaliser(a, n);
  const [sb, bx, by] = normaliser(b, n);
  const M = new Float64Array(64);
  const v = new Float64Array(8);
  const row = new Float64Array(8);
  const add = (r: Float64Array, rhs: number): void => {
    for (let i = 0; i < 8; i++) {
      v[i] = v[i]! + r[i]! * rhs;
      for (let j = 0; j < 8; j++) M[i * 8 + j] = M[i * 8 + j]! + r[i]! * r[j]!;
    }
  };
  for (let i = 0; i < n; i++) {
    const x = sa * a[2 * i]! + ax,
      y = sa * a[2 * i + 1]! + ay;
    const u = sb * b[2 * i]! + bx,
      w = sb * b[2 * i + 1]! + by;
    row.set([x, y, 1, 0, 0, 0, -u * x, -u * y]);
    add(row, u);
    row.set([0, 0, 0, x, y, 1, -w * x, -w * y]);
    add(row, w);
  }
  const h = solve(M, v, 8);
  if (h === null) return null;
  // Hn = Tb · H · Ta⁻¹  →  H = Tb⁻¹ · Hn · Ta
  const Hn = [h[0]!, h[1]!, h[2]!, h[3]!, h[4]!, h[5]!, h[6]!, h[7]!, 1];
  const Ta = [sa, 0, ax, 0, sa, ay, 0, 0, 1];
  const TbInv = [1 / sb, 0, -bx / sb, 0, 1 / sb, -by / sb, 0, 0, 1];
  const mul = (P: number[], Q: number[]): number[] =>
    Array.from({ length: 9 }, (_, k) => {
      const r = Math.floor(k / 3),
        c = k % 3;
      return P[r * 3]! * Q[c]! + P[r * 3 + 1]! * Q[3 + c]! + P[r * 3 + 2]! * Q[6 + c]!;
    });
  const H = mul(mul(TbInv, Hn), Ta);
  const k = H[8]!;
  if (Math.abs(k) < 1e-12) return null;
  return Float64Array.from(H, (x) => x / k);
}

export function applyHomography(H: ArrayLike<number>, x: number, y: number): [number, number] {
  const w = H[6]! * x + H[7]! * y + H[8]!;
  return [(H[0]! * x + H[1]! * y + H[2]!) / w, (H[3]! * x + H[4]! * y + H[5]!) / w];
}

export interface PlanarityReport {
  /** RMS transfer residual of the best homography, as a fraction of `scale`. */
  readonly residual: number;
  /** RMS landmark displacement between the views, same unit (how much motion there was to explain). */
  readonly motion: number;
}

/** Homography residual of the motion src → dst relative to `scale` (the eye distance in pixels). */
export function planarity(
  src: ArrayLike<number>,
  dst: ArrayLike<number>,
  n: number,
  scale: number,
): PlanarityReport {
  const H = fitHomography(src, dst, n);
  let r2 = 0,
    m2 = 0;
  for (let i = 0; i < n; i++) {
    const sx = src[2 * i]!,
      sy = src[2 * i + 1]!,
      dx = dst[2 * i]!,
      dy = dst[2 * i + 1]!;
    m2 += (dx - sx) ** 2 + (dy - sy) ** 2;
    if (H !== null) {
      const [px, py] = applyHomography(H, sx, sy);
      r2 += (px - dx) ** 2 + (py - dy) ** 2;
    }
  }
  const s = scale > 0 ? scale : 1;
  return { residual: H === null ? Infinity : Math.sqrt(r2 / n) / s, motion: Math.sqrt(m2 / n) / s };
}
