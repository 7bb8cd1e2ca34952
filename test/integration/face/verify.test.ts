/**
 * Same person accepted, different person rejected: the reference pipeline (YuNet dynamic + w600k_mbf_int8)
 * on the first listed pairs of every LFW fold, at the embedder's calibrated default threshold
 * (REFERENCE_DESCRIPTORS.w600kMbf.verifyThreshold, FAR 1e-5 over all LFW impostor comparisons), and a
 * 3-image template against further images of the same and other people.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFrame } from '../../../bench/lib/images.ts';
import { parsePairs, type LfwPair } from '../../../bench/lib/lfw.ts';
import { loadReferenceDetector, loadReferenceEmbedder } from '../../../bench/lib/reference-models.ts';
import { REFERENCE_DESCRIPTORS } from '../../../src/cli/vendor/reference-descriptors.ts';
import { buildTemplate, cosine, scoreTemplate } from '../../../src/main/face/match.ts';
import { createFacePipeline, type FacePipeline } from '../../../src/main/face/pipeline.ts';
import { lfwDir } from '../../support/shared-data.ts';

const threshold = REFERENCE_DESCRIPTORS.w600kMbf.verifyThreshold;
let pipeline: FacePipeline;

const embed = async (key: string): Promise<Float32Array> => {
  const r = await pipeline.analyzeFrame(await loadFrame(join(lfwDir(), 'images', key)), { embed: 'always' });
  if (r.embedding === undefined) throw new Error(`no face in ${key}`);
  return r.embedding;
};

beforeAll(async () => {
  pipeline = createFacePipeline({
    detector: await loadReferenceDetector('yunet-dynamic'),
    embedder: await loadReferenceEmbedder(),
  });
});

describe('w600k_mbf_int8 through our pipeline at the default threshold', () => {
  const lfw = parsePairs(join(lfwDir(), 'pairs.txt'));
  const firstOfFold = (same: boolean): LfwPair[] =>
    Array.from({ length: lfw.folds }, (_, f) => lfw.pairs.find((p) => p.fold === f && p.same === same)!); // every fold has both kinds

  it('accepts the first same-person pair of every fold', async () => {
    for (const p of firstOfFold(true))
      expect(cosine(await embed(p.a), await embed(p.b)), `${p.a} ~ ${p.b}`).toBeGreaterThanOrEqual(threshold);
  });

  it('rejects the first different-person pair of every fold', async () => {
    for (const p of firstOfFold(false))
      expect(cosine(await embed(p.a), await embed(p.b)), `${p.a} ≁ ${p.b}`).toBeLessThan(threshold);
  });

  it('accepts a held-out image against a 3-image template and rejects other people', async () => {
    const person = 'Colin_Powell';
    const enrol = await Promise.all([1, 2, 3].map((i) => embed(`${person}/${person}_000${i}.jpg`)));
    const template = buildTemplate(enrol);
    expect(scoreTemplate(await embed(`${person}/${person}_0004.jpg`), template)).toBeGreaterThanOrEqual(
      threshold,
    );
    for (const other of [
      'AJ_Cook/AJ_Cook_0001.jpg',
      'Tony_Blair/Tony_Blair_0001.jpg',
      'Jennifer_Garner/Jennifer_Garner_0001.jpg',
    ]) {
      expect(scoreTemplate(await embed(other), template), other).toBeLessThan(threshold);
    }
  });
});
