/**
 * YuNet (fixed and dynamic input) and SCRFD on real LFW photos: one central face with its 5 landmarks in
 * anatomically plausible places. LFW deep-funneled images are 250x250 with the subject centred.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFrame } from '../../../bench/lib/images.ts';
import { listImages } from '../../../bench/lib/lfw.ts';
import { loadReferenceDetector, type DetectorChoice } from '../../../bench/lib/reference-models.ts';
import type { Detection, FaceDetector } from '../../../src/main/face/detection.ts';
import type { Frame } from '../../../src/main/face/frame.ts';
import { createDetector } from '../../../src/main/face/pipeline.ts';
import { pickPrimaryFace } from '../../../src/main/face/quality.ts';
import { lfwDir } from '../../support/shared-data.ts';

const SAMPLE = 8;

function expectPlausible(face: Detection, frame: Frame): void {
  const [ex1, ey1, ex2, ey2, nx, ny, mx1, my1, mx2, my2] = Array.from(face.landmarks);
  const inBox = (x: number, y: number): boolean => x > face.x1 && x < face.x2 && y > face.y1 && y < face.y2;
  // Centred subject: the box contains the image centre.
  expect(inBox(frame.width / 2, frame.height / 2)).toBe(true);
  for (let k = 0; k < 5; k++) expect(inBox(face.landmarks[2 * k]!, face.landmarks[2 * k + 1]!)).toBe(true);
  // Image-left eye/mouth corner first; eyes above nose above mouth.
  expect(ex1!).toBeLessThan(ex2!);
  expect(mx1!).toBeLessThan(mx2!);
  expect(Math.max(ey1!, ey2!)).toBeLessThan(ny!);
  expect(ny!).toBeLessThan(Math.min(my1!, my2!));
  expect(nx!).toBeGreaterThan(Math.min(ex1!, mx1!));
  expect(nx!).toBeLessThan(Math.max(ex2!, mx2!));
  // Face size in LFW: inter-ocular distance roughly 30-60 px.
  const eyes = Math.hypot(ex2! - ex1!, ey2! - ey1!);
  expect(eyes).toBeGreaterThan(25);
  expect(eyes).toBeLessThan(70);
}

describe.each<DetectorChoice>(['yunet', 'yunet-dynamic', 'scrfd'])('%s on LFW', (choice) => {
  let detector: FaceDetector;
  const frames: Frame[] = [];
  beforeAll(async () => {
    detector = createDetector(await loadReferenceDetector(choice));
    // Every 97th image: a spread of identities without hand-picking.
    const all = listImages(join(lfwDir(), 'images'));
    for (let i = 0; i < SAMPLE; i++) frames.push(await loadFrame(join(lfwDir(), 'images', all[i * 97]!.key)));
  });

  it('finds the central face with plausible landmarks on every sampled image', async () => {
    for (const frame of frames) {
      const faces = await detector.detect(frame);
      expect(faces.length).toBeGreaterThanOrEqual(1);
      const primary = pickPrimaryFace(faces, frame);
      expect(primary).toBeDefined();
      expectPlausible(primary!, frame); // defined: asserted on the line above
      expect(primary!.score).toBeGreaterThan(0.6);
    }
  });

  it('finds nothing in a flat grey frame', async () => {
    const grey = {
      data: new Uint8Array(320 * 240 * 3).fill(128),
      width: 320,
      height: 240,
      channels: 3 as const,
      stride: 960,
    };
    expect(await detector.detect(grey)).toEqual([]);
  });
});
