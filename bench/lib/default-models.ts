/**
 * Sessions for the npm-derived models in the build cache's models/ (built by `npm run models:build`) with their
 * descriptors, for tests and benchmarks (the app gets the same models from the signed catalog instead).
 * Also composes the candidate pipelines of the default-set comparison (docs/models.md "Default set").
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import type { FamilyDescriptor } from '../../src/main/face/family.ts';
import { NPM_DESCRIPTORS } from '../../tools/npm-descriptors.ts';
import { createEmbedder, createFacePipeline } from '../../src/main/face/pipeline.ts';
import { buildLayout } from '../../tools/build-layout.ts';
import { loadFrame, loadModel, type LoadedModel } from './images.ts';
import { loadReferenceDetector } from './reference-models.ts';

/** The plaintext npm-derived models live in the build cache, outside the checkout (tools/build-layout.ts). */
export const npmModelsDir = (): string => process.env.FACEVAULT_NPM_MODELS ?? buildLayout().modelsDir;

export function loadNpmModel<D extends FamilyDescriptor>(
  id: string,
  descriptor: D,
  options?: InferenceSession.SessionOptions,
): Promise<LoadedModel<D>> {
  const dir = npmModelsDir();
  if (!existsSync(join(dir, `${id}.onnx`)))
    throw new Error(`${join(dir, `${id}.onnx`)} is missing: run "npm run models:build"`);
  return loadModel(dir, `${id}.onnx`, descriptor, options);
}

export const loadBlazeface = (options?: InferenceSession.SessionOptions) =>
  loadNpmModel('human-blazeface', NPM_DESCRIPTORS.blazeface, options);
export const loadFaceapiRecognition = (options?: InferenceSession.SessionOptions) =>
  loadNpmModel('faceapi-recognition.fp16', NPM_DESCRIPTORS.faceapiRecognition, options);
export const loadFaceres = (options?: InferenceSession.SessionOptions) =>
  loadNpmModel('human-faceres.fp16', NPM_DESCRIPTORS.faceres, options);

/** Candidate embedders of the comparison; `fusion` = face-api and faceres on the same detection. */
export type DefaultEmbedderChoice = 'faceapi' | 'faceres' | 'fusion';
/** Candidate detectors; `yunet` (reference, not from npm) only isolates the embedders' accuracy. */
export type DefaultDetectorChoice = 'blazeface' | 'yunet';

export interface DefaultArm {
  readonly detector: DefaultDetectorChoice;
  readonly embedder: DefaultEmbedderChoice;
}

/** `default` (the shipped choice) or `default:<detector>+<embedder>`. */
export function parseDefaultArm(arm: string, shipped: DefaultArm): DefaultArm | undefined {
  if (arm === 'default') return shipped;
  const m = /^default:(blazeface|yunet)\+(faceapi|faceres|fusion)$/.exec(arm);
  if (m === null) return undefined;
  // The regular expression admits exactly the union members.
  return { detector: m[1] as DefaultDetectorChoice, embedder: m[2] as DefaultEmbedderChoice };
}

/** The combination `--models default` runs: what the default catalog ships (tools/default-catalog.ts). */
export const SHIPPED_DEFAULT_ARM: DefaultArm = { detector: 'blazeface', embedder: 'faceapi' };

/** Fusion embeddings are [face-api 128 | faceres 1024], each part unit length. */
export const FUSION_SPLIT = NPM_DESCRIPTORS.faceapiRecognition.embeddingDim;

export interface DefaultRunner {
  readonly scoreKind: 'cosine';
  readonly modelKey: string;
  embed(path: string): Promise<{ embedding?: Float32Array; ms: number }>;
}

/** Bench runner for one default-set arm: our pipeline on the npm models (plus faceres on the same face for fusion). */
export async function createDefaultRunner(arm: DefaultArm, flipTta: boolean): Promise<DefaultRunner> {
  const detector =
    arm.detector === 'yunet' ? await loadReferenceDetector('yunet-dynamic') : await loadBlazeface();
  const faceapi = arm.embedder === 'faceres' ? undefined : await loadFaceapiRecognition();
  const faceres = arm.embedder === 'faceapi' ? undefined : await loadFaceres();
  const primaryEmbedder = faceapi ?? faceres;
  if (primaryEmbedder === undefined) throw new Error('no embedder');
  const pipeline = createFacePipeline({ detector, embedder: primaryEmbedder }, { flipTta });
  const second =
    faceapi !== undefined && faceres !== undefined ? createEmbedder(faceres, flipTta) : undefined;
  const descriptorKey = (m: LoadedModel<FamilyDescriptor> | undefined): string =>
    m === undefined ? '-' : `${m.sha256}:${JSON.stringify({ ...m.descriptor, verifyThreshold: undefined })}`;
  return {
    scoreKind: 'cosine',
    modelKey: [
      descriptorKey(detector),
      descriptorKey(faceapi),
      descriptorKey(faceres),
      `flip=${String(flipTta)}`,
    ].join(':'),
    async embed(path) {
      const frame = await loadFrame(path);
      const t0 = performance.now();
      const r = await pipeline.analyzeFrame(frame, { embed: 'always', liveness: 'never' });
      let embedding = r.embedding;
      if (second !== undefined && embedding !== undefined && r.primary !== undefined) {
        const b = await second.embed(frame, r.primary.landmarks);
        const both = new Float32Array(embedding.length + b.length);
        both.set(embedding);
        both.set(b, embedding.length);
        embedding = both;
      }
      const ms = performance.now() - t0;
      return embedding === undefined ? { ms } : { embedding, ms };
    },
  };
}
