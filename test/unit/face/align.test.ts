import { describe, expect, it } from 'vitest';
import {
  ARCFACE_TEMPLATE_112,
  applySimilarity,
  estimateSimilarity,
  invertSimilarity,
  warpToTensor,
  type Similarity,
} from '../../../src/main/face/align.ts';
import { validateFrame } from '../../../src/main/face/frame.ts';

const transformOf = (scale: number, angleRad: number, tx: number, ty: number): Similarity => ({
  a: scale * Math.cos(angleRad),
  b: scale * Math.sin(angleRad),
  tx,
  ty,
});

const mapPoints = (t: Similarity, pts: ArrayLike<number>): Float64Array => {
  const out = new Float64Array(pts.length);
  for (let i = 0; i < pts.length; i += 2) {
    const [x, y] = applySimilarity(t, pts[i]!, pts[i + 1]!);
    out[i] = x;
    out[i + 1] = y;
  }
  return out;
};

describe('estimateSimilarity (Umeyama, 2-D, no reflection)', () => {
  const cases: [number, number, number, number][] = [
    [1, 0, 0, 0],
    [0.5, 0.3, 10, -4],
    [2.7, -1.2, -130.5, 77.25],
    [0.25, Math.PI * 0.9, 300, 12],
    [1.3, -Math.PI / 2, 0.5, 0.5],
  ];
  for (const [s, ang, tx, ty] of cases) {
    it(`recovers scale ${s}, angle ${ang.toFixed(2)}, shift (${tx}, ${ty}) exactly`, () => {
      const truth = transformOf(s, ang, tx, ty);
      const src = ARCFACE_TEMPLATE_112;
      const dst = mapPoints(truth, src);
      const est = estimateSimilarity(src, dst);
      expect(est.a).toBeCloseTo(truth.a, 9);
      expect(est.b).toBeCloseTo(truth.b, 9);
      expect(est.tx).toBeCloseTo(truth.tx, 6);
      expect(est.ty).toBeCloseTo(truth.ty, 6);
    });
  }

  it('maps real-looking landmarks onto the template with small residuals and inverts exactly', () => {
    // Template mapped down 2x, rotated 10 degrees, shifted, with 0.5 px landmark noise (= 1 px at template scale).
    const truth = invertSimilarity(transformOf(2, (10 * Math.PI) / 180, 40, 30));
    const noisy = mapPoints(truth, ARCFACE_TEMPLATE_112).map((v, i) => v + (i % 3 === 0 ? 0.5 : -0.5));
    const est = estimateSimilarity(noisy, ARCFACE_TEMPLATE_112);
    const back = mapPoints(est, noisy);
    for (let i = 0; i < back.length; i++)
      expect(Math.abs(back[i]! - ARCFACE_TEMPLATE_112[i]!)).toBeLessThan(1.5);
    const roundTrip = mapPoints(invertSimilarity(est), back);
    for (let i = 0; i < roundTrip.length; i++) expect(roundTrip[i]).toBeCloseTo(noisy[i]!, 9);
  });

  it('is the least-squares optimum: perturbing the estimate never lowers the residual', () => {
    const pts = [10, 10, 50, 12, 30, 35, 15, 60, 48, 58];
    const dst = [38, 51, 73, 52, 56, 71, 41, 92, 71, 92];
    const est = estimateSimilarity(pts, dst);
    const residual = (t: Similarity): number => {
      const m = mapPoints(t, pts);
      let r = 0;
      for (let i = 0; i < m.length; i++) r += (m[i]! - dst[i]!) ** 2;
      return r;
    };
    const base = residual(est);
    for (const d of [1e-3, -1e-3]) {
      expect(residual({ ...est, a: est.a + d })).toBeGreaterThan(base);
      expect(residual({ ...est, b: est.b + d })).toBeGreaterThan(base);
      expect(residual({ ...est, tx: est.tx + d })).toBeGreaterThan(base);
      expect(residual({ ...est, ty: est.ty + d })).toBeGreaterThan(base);
    }
  });

  it('rejects degenerate or mismatched input', () => {
    expect(() => estimateSimilarity([1, 1, 1, 1], [0, 0, 1, 1])).toThrow(RangeError);
    expect(() => estimateSimilarity([1, 2, 3, 4], [1, 2])).toThrow(RangeError);
  });
});

describe('warpToTensor', () => {
  // Synthetic 64x48 RGBA image: R = x, G = y, B = 200 (a linear ramp, so bilinear sampling is exact).
  const W = 64,
    H = 48;
  const data = new Uint8Array(W * H * 4);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data.set([x, y, 200, 255], (y * W + x) * 4);
  const frame = validateFrame({ data, width: W, height: H, format: 'rgba' });
  const raw = { channelOrder: 'rgb', mean: [0, 0, 0], std: [1, 1, 1] } as const;

  it('identity transform copies pixels into planar NCHW', () => {
    const out = new Float32Array(3 * 16 * 16);
    warpToTensor(frame, { a: 1, b: 0, tx: 0, ty: 0 }, raw, { out, offset: 0, size: 16 });
    expect(out[5 * 16 + 7]).toBe(7); // R plane = x
    expect(out[256 + 5 * 16 + 7]).toBe(5); // G plane = y
    expect(out[512 + 5 * 16 + 7]).toBe(200); // B plane
  });

  it('samples a scaled + shifted + rotated source exactly on a linear ramp', () => {
    // crop (u, v) ← source (x, y) = (10 + 0.5 v·…): build the frame→crop transform, check the inverse sampling.
    const toCrop = invertSimilarity(transformOf(0.5, 0.2, 12.3, 7.9)); // crop→frame is the given transform
    const out = new Float32Array(3 * 32 * 32);
    warpToTensor(frame, toCrop, raw, { out, offset: 0, size: 32 });
    const fromCrop = invertSimilarity(toCrop);
    for (const [u, v] of [
      [0, 0],
      [31, 0],
      [10, 20],
      [31, 31],
    ] as const) {
      const [x, y] = applySimilarity(fromCrop, u, v);
      expect(out[v * 32 + u]).toBeCloseTo(x, 3);
      expect(out[1024 + v * 32 + u]).toBeCloseTo(y, 3);
    }
  });

  it('applies BGR order, (x - mean) / std, zero border and the mirrored copy in one pass', () => {
    const spec = { channelOrder: 'bgr', mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5] } as const;
    const size = 8,
      plane = 3 * size * size;
    const out = new Float32Array(2 * plane);
    warpToTensor(frame, { a: 1, b: 0, tx: 4, ty: 0 }, spec, { out, offset: 0, size, flipOffset: plane });
    // crop u=6 ← x=2: plane 0 is B (200), plane 2 is R (x=2)
    expect(out[3 * size + 6]).toBeCloseTo((200 - 127.5) / 127.5, 6);
    expect(out[2 * size * size + 3 * size + 6]).toBeCloseTo((2 - 127.5) / 127.5, 6);
    // crop u=0 ← x=-4 is outside: border pixel 0 → -1
    expect(out[3 * size + 0]).toBeCloseTo(-1, 6);
    // mirror: column u of the flip equals column size-1-u of the original
    for (let c = 0; c < 3; c++) {
      for (let u = 0; u < size; u++) {
        expect(out[plane + c * size * size + 2 * size + u]).toBe(
          out[c * size * size + 2 * size + (size - 1 - u)],
        );
      }
    }
  });
});
