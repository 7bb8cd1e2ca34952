import { describe, expect, it } from 'vitest';
import { applyHomography, fitHomography, planarity } from '../../../src/main/liveness/planarity.ts';

const grid = (): Float64Array => {
  const p: number[] = [];
  for (let y = 0; y < 6; y++) for (let x = 0; x < 6; x++) p.push(200 + x * 20, 150 + y * 24);
  return Float64Array.from(p);
};

describe('planarity (homography residual)', () => {
  it('recovers a projective map exactly and reports ~0 residual for a plane', () => {
    const H = [0.9, 0.12, 30, -0.05, 1.1, -12, 0.0004, -0.0002, 1];
    const src = grid();
    const dst = new Float64Array(src.length);
    for (let i = 0; i < src.length / 2; i++)
      [dst[2 * i], dst[2 * i + 1]] = applyHomography(H, src[2 * i]!, src[2 * i + 1]!);
    const fit = fitHomography(src, dst, src.length / 2)!;
    for (let k = 0; k < 9; k++) expect(fit[k]!).toBeCloseTo(H[k]!, 6);
    const r = planarity(src, dst, src.length / 2, 40);
    expect(r.residual).toBeLessThan(1e-6);
    expect(r.motion).toBeGreaterThan(0.3);
  });

  it('a rotating 3-D shape (points at different depths) leaves a residual no homography removes', () => {
    // A "head": points on a sphere cap; rotate about the vertical axis by 20° and project.
    const pts3: [number, number, number][] = [];
    for (let a = -1; a <= 1; a += 0.25)
      for (let b = -1; b <= 1; b += 0.25)
        pts3.push([a * 60, b * 70, -Math.sqrt(Math.max(0, 1 - (a * a + b * b) / 2)) * 50]);
    const project = (yaw: number): Float64Array => {
      const c = Math.cos(yaw),
        s = Math.sin(yaw),
        f = 700,
        z0 = 600;
      return Float64Array.from(
        pts3.flatMap(([x, y, z]) => {
          const X = c * x + s * z,
            Z = -s * x + c * z + z0;
          return [320 + (f * X) / Z, 240 + (f * y) / Z];
        }),
      );
    };
    const r = planarity(project(0), project(0.35), pts3.length, 70);
    expect(r.residual).toBeGreaterThan(0.05);
  });

  it('degenerate input gives an infinite residual (never "planar")', () => {
    const same = new Float64Array([1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(planarity(same, same, 5, 10).residual).toBe(Infinity);
    expect(fitHomography(same, same, 3)).toBeNull();
  });
});
