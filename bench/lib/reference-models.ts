/**
 * Sessions for the reference models in ../shared/models/reference with their descriptors, as tests and
 * benchmarks use them (the app receives the same handles from decrypted bundles instead).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { referenceModelsDir } from '../../test/support/shared-data.ts';
import type {
  ArcfaceDescriptor,
  MinifasnetDescriptor,
  ScrfdDescriptor,
  YunetDescriptor,
} from '../../src/main/face/family.ts';
import { REFERENCE_DESCRIPTORS as R } from '../../src/cli/vendor/reference-descriptors.ts';
import type { WorkerModels } from '../../src/main/face/worker-protocol.ts';
import { loadModel, type LoadedModel } from './images.ts';

export type DetectorChoice = 'yunet' | 'yunet-dynamic' | 'scrfd';

export const loadReferenceDetector = (
  choice: DetectorChoice,
  options?: InferenceSession.SessionOptions,
): Promise<LoadedModel<YunetDescriptor | ScrfdDescriptor>> => {
  const dir = referenceModelsDir();
  switch (choice) {
    case 'yunet':
      return loadModel(join(dir, 'yunet'), 'face_detection_yunet_2023mar.onnx', R.yunet, options);
    case 'yunet-dynamic':
      return loadModel(join(dir, 'yunet'), 'yunet_n_dynamic.onnx', R.yunetDynamic, options);
    case 'scrfd':
      return loadModel(join(dir, 'scrfd_500m'), 'det_500m.onnx', R.scrfd, options);
  }
};

export const loadReferenceEmbedder = (
  options?: InferenceSession.SessionOptions,
): Promise<LoadedModel<ArcfaceDescriptor>> =>
  loadModel(join(referenceModelsDir(), 'w600k_mbf_int8'), 'w600k_mbf_int8_dynamic.onnx', R.w600kMbf, options);

export const loadReferenceAntispoof = (
  options?: InferenceSession.SessionOptions,
): Promise<LoadedModel<MinifasnetDescriptor>[]> =>
  Promise.all([
    loadModel(
      join(referenceModelsDir(), 'minifasnet'),
      '2.7_80x80_MiniFASNetV2.onnx',
      R.minifasnetV2,
      options,
    ),
    loadModel(
      join(referenceModelsDir(), 'minifasnet'),
      '4_0_0_80x80_MiniFASNetV1SE.onnx',
      R.minifasnetV1SE,
      options,
    ),
  ]);

/** Raw bytes + descriptors of the reference models, for the worker-thread pipeline (it creates its own sessions). */
export function referenceModelSources(choice: DetectorChoice): WorkerModels {
  const dir = referenceModelsDir();
  const read = (sub: string, file: string): Uint8Array => new Uint8Array(readFileSync(join(dir, sub, file)));
  const detector =
    choice === 'scrfd'
      ? { bytes: read('scrfd_500m', 'det_500m.onnx'), descriptor: R.scrfd }
      : choice === 'yunet'
        ? { bytes: read('yunet', 'face_detection_yunet_2023mar.onnx'), descriptor: R.yunet }
        : { bytes: read('yunet', 'yunet_n_dynamic.onnx'), descriptor: R.yunetDynamic };
  return {
    detector,
    embedder: { bytes: read('w600k_mbf_int8', 'w600k_mbf_int8_dynamic.onnx'), descriptor: R.w600kMbf },
    antispoof: [
      { bytes: read('minifasnet', '2.7_80x80_MiniFASNetV2.onnx'), descriptor: R.minifasnetV2 },
      { bytes: read('minifasnet', '4_0_0_80x80_MiniFASNetV1SE.onnx'), descriptor: R.minifasnetV1SE },
    ],
  };
}
