/**
 * Fuses the passive-PAD live scores of an attempt's frames into one (issue 12 §1). Per-frame scores of a CNN
 * on a webcam stream are noisy and a single lucky frame must not carry an attack, nor a single bad one reject
 * the owner: the fused score is the mean of the frames' log-odds after dropping the highest and lowest
 * `trim` fraction (a trimmed mean in the logit domain, i.e. a product-of-experts style fusion robust to
 * outliers), mapped back to a probability. Needs `minFrames` scored frames; fewer → undefined (retry).
 * Pure.
 */
export interface PadFusion {
  readonly score: number;
  readonly frames: number;
}

const EPS = 1e-4;
const logit = (p: number): number => {
  const q = Math.min(1 - EPS, Math.max(EPS, p));
  return Math.log(q / (1 - q));
};

export function fusePadScores(scores: readonly number[], trim = 0.2, minFrames = 3): PadFusion | undefined {
  const finite = scores.filter((s) => Number.isFinite(s));
  if (finite.length < minFrames) return undefined;
  const l = finite.map(logit).sort((a, b) => a - b);
  const k = Math.floor(l.length * trim);
  const kept = l.slice(k, l.length - k);
  const mean = kept.reduce((a, b) => a + b, 0) / kept.length;
  return { score: 1 / (1 + Math.exp(-mean)), frames: finite.length };
}
