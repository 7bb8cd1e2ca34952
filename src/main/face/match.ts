/**
 * Matching maths, free of any ML runtime: cosine similarity of unit embeddings, templates built from several
 * enrolment embeddings, and thresholds calibrated from impostor scores for a target false-accept rate.
 * Embeddings handed in are assumed unit length (the embedder guarantees it); templates keep that invariant.
 */

export type TemplateMode = 'mean' | 'max';

/** A template: the enrolment embeddings and their renormalised mean. */
export interface FaceTemplate {
  readonly dim: number;
  readonly embeddings: readonly Float32Array[];
  readonly mean: Float32Array;
}

export function dot(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new RangeError(`embedding lengths differ: ${a.length} vs ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Cosine similarity of any two non-zero vectors (−1..1). */
export function cosine(a: Float32Array, b: Float32Array): number {
  const na = Math.sqrt(dot(a, a)),
    nb = Math.sqrt(dot(b, b));
  if (na === 0 || nb === 0) return 0;
  return dot(a, b) / (na * nb);
}

/** Builds a template from ≥ 1 unit embeddings of equal length. */
export function buildTemplate(embeddings: readonly Float32Array[]): FaceTemplate {
  const first = embeddings[0];
  if (first === undefined) throw new RangeError('a template needs at least one embedding');
  const dim = first.length;
  const mean = new Float32Array(dim);
  for (const e of embeddings) {
    if (e.length !== dim) throw new RangeError(`embedding lengths differ: ${e.length} vs ${dim}`);
    let n = 0;
    for (let i = 0; i < dim; i++) n += e[i]! * e[i]!;
    const k = n > 0 ? 1 / Math.sqrt(n) : 0;
    for (let i = 0; i < dim; i++) mean[i] = mean[i]! + e[i]! * k;
  }
  let n = 0;
  for (let i = 0; i < dim; i++) n += mean[i]! * mean[i]!;
  const k = n > 0 ? 1 / Math.sqrt(n) : 0;
  for (let i = 0; i < dim; i++) mean[i] = mean[i]! * k;
  return { dim, embeddings: embeddings.map((e) => Float32Array.from(e)), mean };
}

/** Score of a probe against a template: cosine to the mean, or the best cosine to any enrolment embedding. */
export function scoreTemplate(
  probe: Float32Array,
  template: FaceTemplate,
  mode: TemplateMode = 'mean',
): number {
  if (mode === 'mean') return cosine(probe, template.mean);
  let best = -1;
  for (const e of template.embeddings) best = Math.max(best, cosine(probe, e));
  return best;
}

/**
 * Smallest threshold t such that the fraction of impostor scores ≥ t is at most `far`
 * (accept rule: score ≥ t). Sorts a copy; for millions of scores pass `sortedDescending` to skip that.
 */
export function thresholdForFar(impostorScores: Float32Array, far: number, sortedDescending = false): number {
  if (!(far > 0 && far < 1)) throw new RangeError(`far must be in (0, 1), got ${far}`);
  const m = impostorScores.length;
  if (m === 0) throw new RangeError('no impostor scores');
  const s = sortedDescending ? impostorScores : Float32Array.from(impostorScores).sort().reverse();
  const allowed = Math.floor(far * m); // this many impostors may be accepted
  if (allowed >= m) return -Infinity;
  // Accept strictly above the first rejected impostor (ties with it are rejected too).
  const rejected = s[allowed]!;
  return nextUp(rejected);
}

/** Fraction of `scores` ≥ t. */
export function rateAtOrAbove(scores: Float32Array, t: number): number {
  if (scores.length === 0) return 0;
  let c = 0;
  for (let i = 0; i < scores.length; i++) if (scores[i]! >= t) c++;
  return c / scores.length;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
/** The next float32 above x (scores are float32, so this is the tightest strict bound). */
function nextUp(x: number): number {
  f32[0] = x;
  if (x === 0) return 1.401298464324817e-45;
  if (x > 0) u32[0] = u32[0]! + 1;
  else u32[0] = u32[0]! - 1;
  return f32[0] ?? x;
}
