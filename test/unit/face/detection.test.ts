/**
 * The parts every detector shares (src/main/face/detection.ts): the input geometry, the one-pass letterbox
 * in both layouts and both alignments, checked element by element against a plain bilinear resize written
 * here from its definition (half-pixel centres, clamped edges, as cv2.resize INTER_LINEAR), and greedy NMS.
 */
import { describe, expect, it } from 'vitest';
import {
  Letterboxer,
  letterboxGeometry,
  nms,
  type Detection,
  type LetterboxGeometry,
  type LetterboxSpec,
} from '../../../src/main/face/detection.ts';
import { validateFrame, type Frame } from '../../../src/main/face/frame.ts';

function randomFrame(width: number, height: number, format: 'rgb' | 'rgba', seed: number): Frame {
  const channels = format === 'rgba' ? 4 : 3;
  const data = new Uint8Array(width * height * channels);
  let x = seed;
  for (let i = 0; i < data.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    data[i] = x >>> 24;
  }
  return validateFrame({ data, width, height, format });
}

/** Source pixel channel c sampled at network pixel (x, y) of the picture area, by the definition. */
function bilinear(frame: Frame, scale: number, x: number, y: number, c: number): number {
  const src = (v: number, max: number): [number, number, number] => {
    const s = Math.max(0, (v + 0.5) / scale - 0.5);
    const a = Math.min(max, Math.floor(s));
    return [a, Math.min(max, a + 1), s - a];
  };
  const [x0, x1, wx] = src(x, frame.width - 1);
  const [y0, y1, wy] = src(y, frame.height - 1);
  const at = (px: number, py: number): number => frame.data[py * frame.stride + px * frame.channels + c]!;
  return (
    at(x0, y0) * (1 - wx) * (1 - wy) +
    at(x1, y0) * wx * (1 - wy) +
    at(x0, y1) * (1 - wx) * wy +
    at(x1, y1) * wx * wy
  );
}

/** The whole expected input tensor, element by element (padding: pixel value 0, normalised). */
function expected(frame: Frame, geo: LetterboxGeometry, spec: LetterboxSpec): Float32Array {
  const { inWidth: W, inHeight: H, scale, offsetX: ox, offsetY: oy } = geo;
  const usedW = Math.min(W - ox, Math.round(frame.width * scale));
  const usedH = Math.min(H - oy, Math.round(frame.height * scale));
  const out = new Float32Array(3 * W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const inside = x >= ox && x < ox + usedW && y >= oy && y < oy + usedH;
      for (let c = 0; c < 3; c++) {
        const src = spec.channelOrder === 'bgr' ? 2 - c : c;
        const v = inside ? bilinear(frame, scale, x - ox, y - oy, src) : 0;
        const i = spec.layout === 'nchw' ? c * W * H + y * W + x : 3 * (y * W + x) + c;
        out[i] = (v - spec.mean[c]!) / spec.std[c]!;
      }
    }
  }
  return out;
}

const maxAbsDiff = (a: Float32Array, b: Float32Array): number =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

const NCHW_BGR: LetterboxSpec = { layout: 'nchw', channelOrder: 'bgr', mean: [0, 0, 0], std: [1, 1, 1] };
const NHWC_RGB: LetterboxSpec = {
  layout: 'nhwc',
  channelOrder: 'rgb',
  mean: [127.5, 127.5, 127.5],
  std: [127.5, 127.5, 127.5],
};

describe('letterboxGeometry', () => {
  it('fixed inputs fit the frame inside, top-left or centred', () => {
    const fixed = { width: 256, height: 256, dynamic: false, multipleOf: 32 };
    expect(letterboxGeometry(640, 480, fixed)).toEqual({
      inWidth: 256,
      inHeight: 256,
      scale: 0.4,
      offsetX: 0,
      offsetY: 0,
    });
    // 640×480 → 256×192, centred: 32 rows of padding above and below.
    expect(letterboxGeometry(640, 480, fixed, 'centre')).toMatchObject({
      scale: 0.4,
      offsetX: 0,
      offsetY: 32,
    });
    expect(letterboxGeometry(100, 250, fixed, 'centre')).toMatchObject({
      scale: 1.024,
      offsetX: 77,
      offsetY: 0,
    });
  });

  it('dynamic inputs never upscale and pad up to the multiple', () => {
    const dyn = { width: 640, height: 640, dynamic: true, multipleOf: 32 };
    expect(letterboxGeometry(320, 250, dyn)).toMatchObject({ inWidth: 320, inHeight: 256, scale: 1 });
    expect(letterboxGeometry(1280, 720, dyn)).toMatchObject({ inWidth: 640, inHeight: 384, scale: 0.5 });
  });
});

describe('Letterboxer', () => {
  const cases: Array<[string, LetterboxSpec, 'top-left' | 'centre', number, number, 'rgb' | 'rgba', object]> =
    [
      [
        'NCHW BGR top-left, downscaled (SCRFD/YuNet)',
        NCHW_BGR,
        'top-left',
        97,
        61,
        'rgba',
        { width: 64, height: 48 },
      ],
      [
        'NCHW BGR top-left, scale 1 (dynamic input)',
        NCHW_BGR,
        'top-left',
        50,
        37,
        'rgb',
        { width: 64, dynamic: true },
      ],
      [
        'NHWC RGB centred, downscaled (BlazeFace)',
        NHWC_RGB,
        'centre',
        90,
        60,
        'rgba',
        { width: 32, height: 32 },
      ],
      [
        'NHWC RGB centred, upscaled (BlazeFace)',
        NHWC_RGB,
        'centre',
        40,
        33,
        'rgb',
        { width: 64, height: 64 },
      ],
    ];

  it.each(cases)(
    '%s: every element matches the bilinear definition',
    (_name, spec, align, w, h, fmt, inp) => {
      const input = { width: 32, height: 32, dynamic: false, multipleOf: 16, ...inp };
      const frame = randomFrame(w, h, fmt, w * 31 + h);
      const geo = letterboxGeometry(w, h, input, align);
      const lb = new Letterboxer(spec);
      const got = lb.fill(frame, geo);
      expect(got.length).toBe(3 * geo.inWidth * geo.inHeight);
      expect(maxAbsDiff(got, expected(frame, geo, spec))).toBeLessThan(1e-4 * (spec.std[0] === 1 ? 255 : 2));
      expect(lb.dims(geo)).toEqual(
        spec.layout === 'nchw' ? [1, 3, geo.inHeight, geo.inWidth] : [1, geo.inHeight, geo.inWidth, 3],
      );
    },
  );

  it('reuses its buffer across frames and leaves nothing of a larger frame behind', () => {
    const lb = new Letterboxer(NCHW_BGR);
    const input = { width: 64, height: 64, dynamic: true, multipleOf: 16 };
    const big = randomFrame(64, 64, 'rgb', 1);
    const first = lb.fill(big, letterboxGeometry(64, 64, input));
    const small = randomFrame(40, 34, 'rgb', 2);
    const geo = letterboxGeometry(40, 34, input);
    const second = lb.fill(small, geo);
    expect(second.buffer).toBe(first.buffer);
    expect(maxAbsDiff(second, expected(small, geo, NCHW_BGR))).toBe(0); // exact at scale 1
  });
});

describe('nms', () => {
  const box = (x1: number, y1: number, size: number, score: number): Detection => ({
    x1,
    y1,
    x2: x1 + size,
    y2: y1 + size,
    score,
    landmarks: new Float32Array(10),
  });

  it('keeps the best of overlapping boxes, best first, at most maxFaces', () => {
    const a = box(0, 0, 10, 0.7);
    const aOverlap = box(1, 1, 10, 0.9); // IoU with a: 81 / 119 ≈ 0.68
    const b = box(50, 50, 10, 0.8);
    const c = box(100, 0, 10, 0.6);
    expect(nms([a, aOverlap, b, c], 0.5, 5)).toEqual([aOverlap, b, c]);
    expect(nms([a, aOverlap, b, c], 0.7, 5)).toEqual([aOverlap, b, a, c]);
    expect(nms([a, aOverlap, b, c], 0.5, 2)).toEqual([aOverlap, b]);
    expect(nms([], 0.5, 5)).toEqual([]);
  });
});
