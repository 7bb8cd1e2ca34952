/**
 * The npm-derived families on real LFW photos, with the ONNX files `npm run models:build` writes to
 * build/models: BlazeFace decoding (one face, box and 5 landmarks where a face is, eyes left→right, nose
 * between eyes and mouth), dlib-chip-150 (face-api) and faceres embedders (unit vectors; probe vs an enrolled
 * template: same person above the descriptor's threshold, different people below), flip TTA, descriptor round
 * trip, the dlib template.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDefaultModels } from '../../../tools/build-default-models.ts';
import {
  loadBlazeface,
  loadFaceapiRecognition,
  loadFaceres,
  loadMobileFaceNet,
  loadOnet,
} from '../../../bench/lib/default-models.ts';
import { loadFrame } from '../../../bench/lib/images.ts';
import { dlibChipTemplate, meanFacePoint } from '../../../src/main/face/dlib-chip.ts';
import { parseDescriptor } from '../../../src/main/face/family.ts';
import { validateFrame, type Frame } from '../../../src/main/face/frame.ts';
import { buildTemplate, scoreTemplate } from '../../../src/main/face/match.ts';
import { NPM_DESCRIPTORS } from '../../../tools/npm-descriptors.ts';
import { createDetector, createEmbedder, createFacePipeline } from '../../../src/main/face/pipeline.ts';
import { lfwDir } from '../../support/shared-data.ts';

const photo = (name: string, i = 1): Promise<Frame> =>
  loadFrame(join(lfwDir(), 'images', name, `${name}_${String(i).padStart(4, '0')}.jpg`));
const cos = (a: Float32Array, b: Float32Array): number => a.reduce((acc, v, i) => acc + v * b[i]!, 0);

beforeAll(() => {
  buildDefaultModels({
    only: [
      'human-blazeface',
      'faceapi-recognition.fp16',
      'human-faceres.fp16',
      'expo-onet',
      'expo-mobilefacenet.fp16',
    ],
    log: () => {},
  });
}, 120_000);

describe('npm-derived families', () => {
  it('descriptors survive a JSON round trip through the schema', () => {
    for (const d of Object.values(NPM_DESCRIPTORS))
      expect(parseDescriptor(JSON.parse(JSON.stringify(d)))).toEqual(d);
  });

  it("the dlib template is dlib's mean face at padding 0.25 in a 150 chip", () => {
    const t = dlibChipTemplate(150, 0.25);
    // Eyes level and symmetric about the nose column (x = 0.490127 in dlib's table).
    expect(t[1]).toBeCloseTo(t[3]!, 6);
    expect((t[0]! + t[2]!) / 2).toBeCloseTo(((0.25 + 0.490127) / 1.5) * 150, 3);
    expect(meanFacePoint(30)).toEqual([0.490127, 0.515625]);
    expect(() => meanFacePoint(16)).toThrow(RangeError);
  });

  it('BlazeFace finds the face in LFW photos with plausible box and landmarks', async () => {
    const det = createDetector(await loadBlazeface());
    for (const name of ['AJ_Cook', 'Abdullah_Gul', 'Aaron_Patterson']) {
      const frame = await photo(name);
      const faces = await det.detect(frame);
      expect(faces.length, name).toBeGreaterThanOrEqual(1);
      const f = faces[0]!;
      const lm = f.landmarks;
      // LFW centres the face in a 250×250 image; the box is roughly 80–140 px wide.
      expect((f.x1 + f.x2) / 2).toBeGreaterThan(95);
      expect((f.x1 + f.x2) / 2).toBeLessThan(155);
      expect(f.x2 - f.x1).toBeGreaterThan(60);
      expect(f.x2 - f.x1).toBeLessThan(160);
      expect(f.score).toBeGreaterThan(0.5);
      expect(lm[0]).toBeLessThan(lm[2]!); // eyes image left → right
      const eyeY = (lm[1]! + lm[3]!) / 2;
      expect(lm[5]).toBeGreaterThan(eyeY); // nose below the eyes
      expect(lm[7]).toBeGreaterThan(lm[5]!); // mouth below the nose
      for (let k = 0; k < 5; k++) {
        expect(lm[2 * k]).toBeGreaterThan(f.x1);
        expect(lm[2 * k]).toBeLessThan(f.x2);
      }
    }
    // A blank frame has no face.
    const blank = validateFrame({
      data: new Uint8Array(320 * 240 * 3).fill(90),
      width: 320,
      height: 240,
      format: 'rgb',
    });
    expect(await det.detect(blank)).toHaveLength(0);
  });

  it('face-api (dlib chip) and faceres: same person above the threshold, other people below', async () => {
    for (const [load, descriptor] of [
      [loadFaceapiRecognition, NPM_DESCRIPTORS.faceapiRecognition],
      [loadFaceres, NPM_DESCRIPTORS.faceres],
    ] as const) {
      const pipeline = createFacePipeline({ detector: await loadBlazeface(), embedder: await load() });
      const emb = async (name: string, i: number): Promise<Float32Array> => {
        const r = await pipeline.analyzeFrame(await photo(name, i), { embed: 'always' });
        expect(r.embedding, `${name} ${i}`).toBeDefined();
        return r.embedding!;
      };
      // Decisions are probe vs template (mean of 5 enrolment embeddings), as the thresholds are calibrated.
      const enrol: Float32Array[] = [];
      for (const i of [1, 2, 3, 4, 5]) enrol.push(await emb('Abdullah_Gul', i));
      expect(enrol[0]).toHaveLength(descriptor.embeddingDim);
      expect(Math.hypot(...enrol[0]!)).toBeCloseTo(1, 5);
      const template = buildTemplate(enrol);
      for (const i of [6, 7])
        expect(
          scoreTemplate(await emb('Abdullah_Gul', i), template),
          `${descriptor.family} same`,
        ).toBeGreaterThan(descriptor.verifyThreshold);
      for (const name of ['Aaron_Sorkin', 'AJ_Cook', 'Aaron_Patterson']) {
        expect(scoreTemplate(await emb(name, 1), template), `${descriptor.family} ${name}`).toBeLessThan(
          descriptor.verifyThreshold,
        );
      }
    }
  });

  it('the shipped fusion: one 320-D unit vector whose cosine is the equal-weight mean of both nets, same person above 0.80 and others below', async () => {
    const fusionCfg = NPM_DESCRIPTORS.faceapiRecognition.fusion!;
    const detector = await loadBlazeface(),
      onet = await loadOnet(),
      mfn = await loadMobileFaceNet(),
      faceapi = await loadFaceapiRecognition();
    const fused = createFacePipeline({ detector, landmarks: onet, embedder: mfn, fusion: faceapi });
    const alone = (embedder: typeof mfn | typeof faceapi) =>
      createFacePipeline({ detector, landmarks: onet, embedder });
    const [pm, pf] = [alone(mfn), alone(faceapi)];
    const run = async (p: ReturnType<typeof createFacePipeline>, f: Frame) =>
      (await p.analyzeFrame(f, { embed: 'always' })).embedding!;
    const a = await photo('Abdullah_Gul', 1),
      b = await photo('Abdullah_Gul', 2),
      c = await photo('Aaron_Sorkin', 1);
    const fa = await fused.analyzeFrame(a, { embed: 'always' });
    expect(fa.embedding).toHaveLength(192 + 128);
    expect(Math.hypot(...fa.embedding!)).toBeCloseTo(1, 5);
    // identityEmbedding is MobileFaceNet's own direction (what the liveness track compares).
    expect(cos(fa.identityEmbedding!, await run(pm, a)) / Math.hypot(...fa.identityEmbedding!)).toBeCloseTo(
      1,
      5,
    );
    for (const other of [b, c]) {
      const want =
        fusionCfg.primaryWeight * cos(await run(pm, a), await run(pm, other)) +
        (1 - fusionCfg.primaryWeight) * cos(await run(pf, a), await run(pf, other));
      expect(cos(await run(fused, a), await run(fused, other))).toBeCloseTo(want, 5);
    }
    const enrol: Float32Array[] = [];
    for (const i of [1, 2, 3, 4, 5]) enrol.push(await run(fused, await photo('Abdullah_Gul', i)));
    const template = buildTemplate(enrol);
    for (const i of [6, 7])
      expect(scoreTemplate(await run(fused, await photo('Abdullah_Gul', i)), template)).toBeGreaterThan(
        fusionCfg.verifyThreshold,
      );
    for (const name of ['Aaron_Sorkin', 'AJ_Cook', 'Aaron_Patterson'])
      expect(scoreTemplate(await run(fused, await photo(name, 1)), template)).toBeLessThan(
        fusionCfg.verifyThreshold,
      );
  });

  it('flip TTA embeds a mirrored crop: close to, but not equal to, the plain embedding', async () => {
    const frame = await photo('AJ_Cook');
    const [face] = await createDetector(await loadBlazeface()).detect(frame);
    const model = await loadFaceapiRecognition();
    const plain = await createEmbedder(
      { session: model.session, descriptor: { ...model.descriptor, flipTta: false } },
      false,
    ).embed(frame, face!.landmarks);
    const flipped = await createEmbedder(model, false).embed(frame, face!.landmarks); // the shipped descriptor asks for flip TTA
    expect(model.descriptor.flipTta).toBe(true);
    expect(cos(plain, flipped)).toBeGreaterThan(0.97);
    expect(cos(plain, flipped)).toBeLessThan(0.99999);
  });
});
