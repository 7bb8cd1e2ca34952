/**
 * Face embedder for the `arcface-112` family (ArcFace / MobileFaceNet-style, e.g. InsightFace w600k_mbf):
 * 5-point similarity alignment to ARCFACE_TEMPLATE_112, one-pass warp + normalisation into a reused input
 * buffer, run, L2-normalise. Optional horizontal-flip test-time augmentation runs the mirrored crop in the
 * same batch and sums the two embeddings before normalising. Not re-entrant: the pipeline serialises calls.
 */
import { ARCFACE_TEMPLATE_112, estimateSimilarity, warpToTensor } from './align.ts';
import { ModelFamilyError } from './errors.ts';
import { expectFamily, type ModelHandle } from './family.ts';
import type { Frame } from './frame.ts';
import { floatOutput, floatTensor, runSingle } from './ort-io.ts';

export interface EmbedderOptions {
  /** Also embed the mirrored crop and average (≈ 2x embed time). Default false. */
  readonly flipTta?: boolean;
}

export interface FaceEmbedder {
  readonly dim: number;
  /** Unit-length embedding of the face whose 5 landmarks (frame coordinates) are given. */
  embed(frame: Frame, landmarks: ArrayLike<number>): Promise<Float32Array>;
}

/** In-place L2 normalisation; returns the input. A zero vector stays zero. */
/**
 * One unit embedding from the model's output for 1 view, or 2 views (original + horizontal flip): the sum of
 * the two unit vectors, so each view weighs the same whatever its raw norm, normalised again.
 */
export function combineViews(raw: Float32Array, dim: number, views: number): Float32Array {
  const e = new Float32Array(dim);
  if (views === 1) {
    e.set(raw.subarray(0, dim));
  } else {
    let n0 = 0,
      n1 = 0;
    for (let i = 0; i < dim; i++) {
      n0 += raw[i]! ** 2;
      n1 += raw[dim + i]! ** 2;
    }
    const k0 = n0 > 0 ? 1 / Math.sqrt(n0) : 0,
      k1 = n1 > 0 ? 1 / Math.sqrt(n1) : 0;
    for (let i = 0; i < dim; i++) e[i] = raw[i]! * k0 + raw[dim + i]! * k1;
  }
  return l2normalize(e);
}

export function l2normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  const k = s > 0 ? 1 / Math.sqrt(s) : 0;
  for (let i = 0; i < v.length; i++) v[i] = v[i]! * k;
  return v;
}

export function createArcfaceEmbedder(handle: ModelHandle, options: EmbedderOptions = {}): FaceEmbedder {
  const { session, descriptor: d } = expectFamily(handle, 'arcface-112');
  if (d.input.width !== d.input.height)
    throw new ModelFamilyError('arcface-112 embedders need a square input');
  const size = d.input.width;
  const scale = size / 112;
  const template = ARCFACE_TEMPLATE_112.map((v) => v * scale);
  const batch = options.flipTta === true || d.flipTta === true ? 2 : 1;
  const plane = 3 * size * size;
  const input = new Float32Array(batch * plane);
  const tensor = floatTensor(input, [batch, 3, size, size]);
  const dim = d.embeddingDim;

  return {
    dim,
    async embed(frame: Frame, landmarks: ArrayLike<number>): Promise<Float32Array> {
      if (landmarks.length !== 10)
        throw new RangeError(`expected 5 landmarks (10 numbers), got ${landmarks.length}`);
      const toCrop = estimateSimilarity(landmarks, template);
      warpToTensor(
        frame,
        toCrop,
        d,
        batch === 2 ? { out: input, offset: 0, size, flipOffset: plane } : { out: input, offset: 0, size },
      );
      const results = await runSingle(session, tensor, d.input.name);
      const outName = session.outputNames[0];
      if (outName === undefined) throw new ModelFamilyError('embedder has no outputs');
      const raw = floatOutput(results, outName, batch * dim);
      return combineViews(raw, dim, batch);
    },
  };
}
