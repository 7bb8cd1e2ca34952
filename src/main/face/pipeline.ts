/**
 * The face pipeline: validate frame → detect (5 landmarks) → pick the presented face → quality gates →
 * [liveness] → align + embed. Takes already-created onnxruntime sessions with their family descriptors (never
 * file paths), owns only its reusable buffers, and serialises calls so those buffers are never shared by two
 * runs. Inference runs through onnxruntime's async `run`, which computes on native threads and keeps the
 * event loop free; pre/post-processing is a few milliseconds of typed-array work on the caller's thread
 * (measurements and the reasoning in docs/face-pipeline.md).
 */
import type { LivenessChecker, LivenessResult } from './antispoof-minifasnet.ts';
import { createBlazefaceDetector } from './detect-blazeface.ts';
import { createScrfdDetector } from './detect-scrfd.ts';
import { createYunetDetector } from './detect-yunet.ts';
import type { Detection, FaceDetector } from './detection.ts';
import { createArcfaceEmbedder, type FaceEmbedder } from './embed.ts';
import { createDlibChipEmbedder, createFaceresEmbedder } from './embed-chip.ts';
import { FaceNotFoundError, FaceQualityError, ModelFamilyError } from './errors.ts';
import type { ModelHandle } from './family.ts';
import { createOnetRefiner, type LandmarkRefiner } from './landmarks-onet.ts';
import { createFacemeshEstimator, type FaceMesh, type MeshEstimator } from './facemesh.ts';
import { validateFrame, type Frame, type FrameInput } from './frame.ts';
import { createPadChecker } from './pad.ts';
import { pickPrimaryFace, QualityGate, type QualityReport, type QualityThresholds } from './quality.ts';

export interface PipelineModels {
  readonly detector: ModelHandle;
  readonly embedder?: ModelHandle;
  readonly antispoof?: readonly ModelHandle[];
  /** Optional landmark refiner (mtcnn-onet) run on the primary face before alignment. */
  readonly landmarks?: ModelHandle;
  /** Dense landmarks (FaceMesh) for the active liveness challenge. */
  readonly mesh?: ModelHandle;
  /**
   * Second embedder on the same five points (catalog role `fusion`; its descriptor's `fusion` gives the
   * weight). The frame's embedding is then `[√w·e₁ | √(1 − w)·e₂]` for the unit embeddings e₁ (embedder) and
   * e₂ (this), so its cosine with another such vector is `w·cos₁ + (1 − w)·cos₂` (score-level fusion that
   * templates and matching need not know about). Needs `embedder`.
   */
  readonly fusion?: ModelHandle;
}

export interface PipelineOptions {
  readonly quality?: QualityThresholds;
  readonly flipTta?: boolean;
}

/**
 * When to run the embedder and the anti-spoofing models: 'if-quality-ok' (default; the product path),
 * 'always' (benchmarks: run on the primary face whatever its quality), 'never'. Liveness needs models.
 */
export type StagePolicy = 'if-quality-ok' | 'always' | 'never';

export interface AnalyzeOptions {
  readonly embed?: StagePolicy;
  readonly liveness?: StagePolicy;
  /** FaceMesh on the primary face (default 'never'; the unlock flow asks for it). Needs a landmarks model. */
  readonly mesh?: StagePolicy;
}

const shouldRun = (policy: StagePolicy, qualityOk: boolean): boolean =>
  policy === 'always' || (policy === 'if-quality-ok' && qualityOk);

export interface StageTimings {
  readonly detectMs: number;
  readonly qualityMs: number;
  readonly livenessMs: number;
  /** Landmark refinement + alignment + embedding. */
  readonly embedMs: number;
  readonly meshMs?: number;
}

export interface FrameAnalysis {
  readonly faces: readonly Detection[];
  readonly primary?: Detection;
  readonly quality: QualityReport;
  readonly embedding?: Float32Array;
  /**
   * The embedder's own part of `embedding` (a view of its first elements, so wiping `embedding` wipes it):
   * what the liveness identity track compares between frames, calibrated on that embedder alone. Equal to
   * `embedding` without a fusion model.
   */
  readonly identityEmbedding?: Float32Array;
  readonly liveness?: LivenessResult;
  readonly mesh?: FaceMesh;
  readonly timings: StageTimings;
}

/** What callers that only analyse frames need (the in-thread pipeline and the worker pipeline both fit). */
export type FrameAnalyzer = Pick<FacePipeline, 'analyzeFrame'>;

export interface FacePipeline {
  readonly embeddingDim: number | undefined;
  /** Validates (FrameInvalidError) and analyses one frame. Calls are queued, never run concurrently. */
  analyzeFrame(input: FrameInput | Frame, options?: AnalyzeOptions): Promise<FrameAnalysis>;
}

export function createDetector(handle: ModelHandle): FaceDetector {
  const family = handle.descriptor.family;
  switch (family) {
    case 'yunet':
      return createYunetDetector(handle);
    case 'scrfd':
      return createScrfdDetector(handle);
    case 'blazeface':
      return createBlazefaceDetector(handle);
    default:
      throw new ModelFamilyError(`${family} is not a supported face detector family`);
  }
}

export function createEmbedder(handle: ModelHandle, flipTta: boolean): FaceEmbedder {
  const family = handle.descriptor.family;
  switch (family) {
    case 'arcface-112':
      return createArcfaceEmbedder(handle, { flipTta });
    case 'dlib-chip-150':
      return createDlibChipEmbedder(handle, { flipTta });
    case 'faceres':
      return createFaceresEmbedder(handle, { flipTta });
    default:
      throw new ModelFamilyError(`${family} is not a supported embedder family (yet)`);
  }
}

const isFrame = (x: FrameInput | Frame): x is Frame => 'channels' in x;

/** The fusion model's embedder and weight, checked against the pipeline's models (ModelFamilyError). */
function fusionOf(
  models: PipelineModels,
  embedder: FaceEmbedder | undefined,
  flipTta: boolean,
): { readonly embedder: FaceEmbedder; readonly primaryWeight: number } | undefined {
  if (models.fusion === undefined) return undefined;
  const d = models.fusion.descriptor;
  if (embedder === undefined) throw new ModelFamilyError('a fusion embedder needs the embedder it joins');
  if (!('fusion' in d) || d.fusion === undefined)
    throw new ModelFamilyError(`a ${d.family} model without fusion settings cannot be the fusion embedder`);
  return { embedder: createEmbedder(models.fusion, flipTta), primaryWeight: d.fusion.primaryWeight };
}

/**
 * `[√w·a | √(1 − w)·b]` for unit vectors a and b: unit length, and its dot product with another such vector
 * is `w·(a·a') + (1 − w)·(b·b')`. Wipes `a` and `b` (the result is the only copy).
 */
export function fuse(a: Float32Array, b: Float32Array, w: number): Float32Array {
  if (!(w > 0 && w < 1)) throw new RangeError(`fusion weight must be in (0, 1), got ${w}`);
  const out = new Float32Array(a.length + b.length);
  const ka = Math.sqrt(w),
    kb = Math.sqrt(1 - w);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! * ka;
  for (let i = 0; i < b.length; i++) out[a.length + i] = b[i]! * kb;
  a.fill(0);
  b.fill(0);
  return out;
}

export function createFacePipeline(models: PipelineModels, options: PipelineOptions = {}): FacePipeline {
  const detector = createDetector(models.detector);
  const embedder =
    models.embedder === undefined ? undefined : createEmbedder(models.embedder, options.flipTta === true);
  const fusion = fusionOf(models, embedder, options.flipTta === true);
  const liveness: LivenessChecker | undefined =
    models.antispoof === undefined || models.antispoof.length === 0
      ? undefined
      : createPadChecker(models.antispoof);
  const refiner: LandmarkRefiner | undefined =
    models.landmarks === undefined ? undefined : createOnetRefiner(models.landmarks);
  const mesher: MeshEstimator | undefined =
    models.mesh === undefined ? undefined : createFacemeshEstimator(models.mesh);
  const gate = new QualityGate(options.quality);
  let tail: Promise<unknown> = Promise.resolve();

  async function analyze(input: FrameInput | Frame, opts: AnalyzeOptions): Promise<FrameAnalysis> {
    // A caller-built Frame is revalidated too: the pipeline never trusts a shape it did not check.
    const frame = validateFrame(
      isFrame(input) ? { ...input, format: input.channels === 4 ? 'rgba' : 'rgb' } : input,
    );
    const t0 = performance.now();
    const faces = await detector.detect(frame);
    const t1 = performance.now();
    let primary = pickPrimaryFace(faces, frame);
    const quality = gate.assess(frame, faces, primary);
    const t2 = performance.now();
    let live: LivenessResult | undefined;
    if (
      liveness !== undefined &&
      primary !== undefined &&
      shouldRun(opts.liveness ?? 'if-quality-ok', quality.ok)
    ) {
      live = await liveness.check(frame, primary);
    }
    const t3 = performance.now();
    let embedding: Float32Array | undefined;
    if (
      embedder !== undefined &&
      primary !== undefined &&
      shouldRun(opts.embed ?? 'if-quality-ok', quality.ok)
    ) {
      if (refiner !== undefined) primary = await refiner.refine(frame, primary);
      embedding = await embedder.embed(frame, primary.landmarks);
      if (fusion !== undefined) {
        const second = await fusion.embedder.embed(frame, primary.landmarks);
        embedding = fuse(embedding, second, fusion.primaryWeight);
      }
    }
    const t4 = performance.now();
    let mesh: FaceMesh | undefined;
    if (mesher !== undefined && primary !== undefined && shouldRun(opts.mesh ?? 'never', quality.ok)) {
      mesh = await mesher.estimate(frame, primary);
    }
    const t5 = performance.now();
    return {
      faces,
      quality,
      timings: {
        detectMs: t1 - t0,
        qualityMs: t2 - t1,
        livenessMs: t3 - t2,
        embedMs: t4 - t3,
        meshMs: t5 - t4,
      },
      ...(mesh === undefined ? {} : { mesh }),
      ...(primary === undefined ? {} : { primary }),
      ...(embedding === undefined
        ? {}
        : { embedding, identityEmbedding: embedding.subarray(0, embedder?.dim ?? embedding.length) }),
      ...(live === undefined ? {} : { liveness: live }),
    };
  }

  return {
    embeddingDim: embedder === undefined ? undefined : embedder.dim + (fusion?.embedder.dim ?? 0),
    analyzeFrame(input, opts = {}) {
      const run = tail.then(() => analyze(input, opts));
      tail = run.catch(() => undefined); // the queue continues after a failed frame; the caller still gets the error
      return run;
    },
  };
}

/**
 * The embedding of an analysis that passed every gate, or the typed reason it did not: FaceNotFoundError
 * (FACE_NOT_FOUND) without a face, FaceQualityError (FACE_QUALITY, with the reasons) otherwise. For callers
 * that want an exception rather than a report (CLI, single-shot verification).
 */
export function requireEmbedding(a: FrameAnalysis): Float32Array {
  if (a.primary === undefined) throw new FaceNotFoundError();
  if (!a.quality.ok) throw new FaceQualityError(a.quality.reasons);
  if (a.embedding === undefined) throw new FaceQualityError(['no-embedding']);
  return a.embedding;
}
