/**
 * The worker-thread pipeline gives the same answers as the in-thread one and returns typed errors.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadFrame } from '../../../bench/lib/images.ts';
import {
  loadReferenceDetector,
  loadReferenceEmbedder,
  referenceModelSources,
} from '../../../bench/lib/reference-models.ts';
import { createFacePipeline } from '../../../src/main/face/pipeline.ts';
import { createWorkerPipeline, type WorkerPipeline } from '../../../src/main/face/pipeline-worker-host.ts';
import { lfwDir } from '../../support/shared-data.ts';

let worker: WorkerPipeline | undefined;
afterAll(async () => {
  await worker?.close();
});

describe('worker-thread pipeline', () => {
  it('matches the in-thread embedding and rejects a malformed frame with FRAME_INVALID', async () => {
    const frame = await loadFrame(join(lfwDir(), 'images', 'AJ_Cook', 'AJ_Cook_0001.jpg'));
    const local = createFacePipeline({
      detector: await loadReferenceDetector('yunet-dynamic'),
      embedder: await loadReferenceEmbedder(),
    });
    const expected = await local.analyzeFrame(frame, { embed: 'always' });
    const { antispoof: _unused, ...models } = referenceModelSources('yunet-dynamic');
    worker = await createWorkerPipeline(models);
    const got = await worker.analyzeFrame(frame, { embed: 'always' });
    expect(got.faces.length).toBe(expected.faces.length);
    expect(got.embedding).toBeDefined();
    expect(Array.from(got.embedding ?? [])).toEqual(Array.from(expected.embedding ?? []));
    await expect(
      worker.analyzeFrame({ data: new Uint8Array(10), width: 64, height: 64, format: 'rgba' }),
    ).rejects.toMatchObject({
      code: 'FRAME_INVALID',
    });
  });
});
