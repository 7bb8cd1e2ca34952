/**
 * Descriptor decoding for each family on real images: the reference descriptors survive a JSON round trip
 * through the zod schema (as they would from a bundle header), each family's stage runs on a real LFW photo
 * and yields well-formed output, and wrong or malformed descriptors are refused with typed errors.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { loadFrame } from '../../../bench/lib/images.ts';
import {
  loadReferenceAntispoof,
  loadReferenceDetector,
  loadReferenceEmbedder,
} from '../../../bench/lib/reference-models.ts';
import { ModelFamilyError } from '../../../src/main/face/errors.ts';
import { parseDescriptor, type ModelHandle } from '../../../src/main/face/family.ts';
import { REFERENCE_DESCRIPTORS } from '../../../src/cli/vendor/reference-descriptors.ts';
import { NPM_DESCRIPTORS } from '../../../tools/npm-descriptors.ts';
import { createFacePipeline, createDetector, createEmbedder } from '../../../src/main/face/pipeline.ts';
import { lfwDir } from '../../support/shared-data.ts';

const photo = (): ReturnType<typeof loadFrame> =>
  loadFrame(join(lfwDir(), 'images', 'AJ_Cook', 'AJ_Cook_0001.jpg'));

describe('family descriptors', () => {
  it('round-trip every reference descriptor through JSON and the schema', () => {
    for (const d of Object.values(REFERENCE_DESCRIPTORS))
      expect(parseDescriptor(JSON.parse(JSON.stringify(d)))).toEqual(d);
  });

  it('refuse malformed descriptors', () => {
    const bad = [
      { ...REFERENCE_DESCRIPTORS.w600kMbf, std: [0, 1, 1] },
      { ...REFERENCE_DESCRIPTORS.yunet, channelOrder: 'rbg' },
      { ...REFERENCE_DESCRIPTORS.scrfd, decoding: { ...REFERENCE_DESCRIPTORS.scrfd.decoding, strides: [7] } },
      { ...REFERENCE_DESCRIPTORS.minifasnetV2, extra: 1 },
      { family: 'unknown' },
    ];
    for (const b of bad) expect(() => parseDescriptor(b)).toThrow(ZodError);
  });

  it('decode each family on a real photo through a descriptor that came from JSON', async () => {
    const frame = await photo();
    const fromJson = <T>(d: T): T => JSON.parse(JSON.stringify(d)) as T; // same shape back; the schema test covers parsing
    for (const choice of ['yunet', 'yunet-dynamic', 'scrfd'] as const) {
      const m = await loadReferenceDetector(choice);
      const faces = await createDetector({ session: m.session, descriptor: fromJson(m.descriptor) }).detect(
        frame,
      );
      expect(faces.length, choice).toBeGreaterThanOrEqual(1);
      expect(faces[0]!.landmarks).toHaveLength(10);
    }
    const det = createDetector(await loadReferenceDetector('yunet-dynamic'));
    const face = (await det.detect(frame))[0]!;
    const emb = await createEmbedder(await loadReferenceEmbedder(), false).embed(frame, face.landmarks);
    expect(emb).toHaveLength(512);
    expect(Math.hypot(...emb)).toBeCloseTo(1, 5);
    const pipeline = createFacePipeline({
      detector: await loadReferenceDetector('yunet-dynamic'),
      antispoof: await loadReferenceAntispoof(),
    });
    const r = await pipeline.analyzeFrame(frame);
    expect(r.liveness?.perModel).toHaveLength(2);
    for (const p of r.liveness?.perModel ?? []) expect(p).toBeGreaterThanOrEqual(0);
  });

  it('refuse a handle of the wrong family with ModelFamilyError', async () => {
    const embedder = await loadReferenceEmbedder();
    expect(() => createDetector(embedder)).toThrow(ModelFamilyError);
    // The npm families are NHWC: an NCHW faceres descriptor does not parse; a faceres embedder is no detector.
    expect(() =>
      parseDescriptor({
        family: 'faceres',
        input: { width: 224, height: 224, dynamic: false },
        layout: 'nchw',
        channelOrder: 'rgb',
        mean: [0, 0, 0],
        std: [255, 255, 255],
      }),
    ).toThrow(ZodError);
    const faceres: ModelHandle = {
      session: embedder.session,
      descriptor: parseDescriptor(JSON.parse(JSON.stringify(NPM_DESCRIPTORS.faceres))),
    };
    expect(() => createDetector(faceres)).toThrow(expect.objectContaining({ code: 'BUNDLE_UNSUPPORTED' }));
    const blazeface: ModelHandle = { session: embedder.session, descriptor: NPM_DESCRIPTORS.blazeface };
    expect(() => createEmbedder(blazeface, false)).toThrow(ModelFamilyError);
  });
});
