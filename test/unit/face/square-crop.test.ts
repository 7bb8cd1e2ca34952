import { describe, expect, it } from 'vitest';
import { validateFrame, type Frame } from '../../../src/main/face/frame.ts';
import {
  fillSquareCrop,
  squareBox,
  type CropPixels,
  type SquareBox,
} from '../../../src/main/face/square-crop.ts';

/**
 * The crop's definition written the plain way (per pixel, per channel, per neighbour): bilinear sampling at
 * half-pixel centres, neighbours outside the frame count as 0, then (value − mean) / std. The product code
 * is an optimised form of exactly this and must give bit-identical values.
 */
function referenceCrop(frame: Frame, box: SquareBox, W: number, H: number, px: CropPixels): Float32Array {
  const out = new Float32Array(W * H * 3);
  const order = px.channelOrder === 'bgr' ? [2, 1, 0] : [0, 1, 2];
  for (let v = 0; v < H; v++) {
    const sy = box.y + (v + 0.5) * (box.side / H) - 0.5;
    const y0 = Math.floor(sy),
      wy = sy - y0;
    for (let u = 0; u < W; u++) {
      const sx = box.x + (u + 0.5) * (box.side / W) - 0.5;
      const x0 = Math.floor(sx),
        wx = sx - x0;
      for (let k = 0; k < 3; k++) {
        let acc = 0;
        for (let dy = 0; dy < 2; dy++) {
          const yy = y0 + dy;
          if (yy < 0 || yy >= frame.height) continue;
          for (let dx = 0; dx < 2; dx++) {
            const xx = x0 + dx;
            if (xx < 0 || xx >= frame.width) continue;
            acc +=
              frame.data[yy * frame.stride + xx * frame.channels + order[k]!]! *
              (dy === 0 ? 1 - wy : wy) *
              (dx === 0 ? 1 - wx : wx);
          }
        }
        const i = px.layout === 'nhwc' ? (v * W + u) * 3 + k : k * W * H + v * W + u;
        out[i] = (acc - px.mean[k]!) / px.std[k]!;
      }
    }
  }
  return out;
}

function randomFrame(width: number, height: number, channels: 3 | 4, seed: number): Frame {
  let s = seed >>> 0;
  const data = new Uint8Array(width * height * channels);
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s >>> 24;
  }
  return validateFrame({ data, width, height, format: channels === 4 ? 'rgba' : 'rgb' });
}

describe('fillSquareCrop', () => {
  const pixels: CropPixels[] = [
    { layout: 'nhwc', channelOrder: 'rgb', mean: [0, 0, 0], std: [255, 255, 255] },
    { layout: 'nchw', channelOrder: 'bgr', mean: [127.5, 120, 100], std: [128, 60, 1] },
  ];
  // Inside the frame, across each edge and corner, larger than the frame, and sub-pixel placements.
  const faces = [
    { x1: 40, y1: 30, x2: 90, y2: 95 },
    { x1: -20, y1: 10, x2: 30, y2: 70 },
    { x1: 100, y1: 60, x2: 150, y2: 130 },
    { x1: -50, y1: -40, x2: 200, y2: 170 },
    { x1: 10.3, y1: 7.7, x2: 23.9, y2: 21.1 },
  ];
  for (const channels of [3, 4] as const)
    for (const px of pixels)
      faces.forEach((face, n) => {
        it(`matches the plain definition bit for bit (${channels} channels, ${px.layout} ${px.channelOrder}, box ${n})`, () => {
          const frame = randomFrame(128, 96, channels, 7 + n);
          const box = squareBox(face, 1.4);
          for (const [W, H] of [
            [32, 32],
            [48, 40],
          ] as const) {
            const got = new Float32Array(W * H * 3).fill(Number.NaN);
            fillSquareCrop(frame, box, W, H, px, got);
            expect(
              Buffer.from(got.buffer).equals(Buffer.from(referenceCrop(frame, box, W, H, px).buffer)),
            ).toBe(true);
          }
        });
      });
});
