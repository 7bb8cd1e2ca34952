/**
 * Verification metrics for the accuracy benchmark: k-fold accuracy with the threshold chosen on the other
 * folds, all-pairs genuine/impostor scores through a blocked matrix product, TAR at fixed FAR, and a DET
 * curve as SVG. Scores are "higher = more similar": cosine for unit embeddings, −euclidean distance otherwise.
 */
export type ScoreKind = 'cosine' | 'neg-euclidean';

/** Best-accuracy threshold on `train` (accept: score ≥ t), scanning every distinct score as a cut. */
function bestThreshold(scores: Float64Array, labels: Uint8Array, idx: readonly number[]): number {
  const order = [...idx].sort((i, j) => scores[j]! - scores[i]!);
  const positives = order.reduce((n, i) => n + labels[i]!, 0);
  // Threshold above everything: all rejected → correct = negatives.
  let correct = order.length - positives;
  let best = correct,
    bestT = Infinity;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    correct += labels[i] === 1 ? 1 : -1;
    const next = order[k + 1];
    if (next !== undefined && scores[next] === scores[i]) continue; // only cut between distinct scores
    if (correct > best) {
      best = correct;
      bestT = next === undefined ? scores[i]! : (scores[i]! + scores[next]!) / 2;
    }
  }
  return bestT;
}

export interface KFoldResult {
  readonly mean: number;
  readonly std: number;
  readonly perFold: readonly number[];
  readonly thresholds: readonly number[];
}

export function kFoldAccuracy(
  scores: Float64Array,
  labels: Uint8Array,
  folds: Int32Array,
  k: number,
): KFoldResult {
  const perFold: number[] = [],
    thresholds: number[] = [];
  for (let f = 0; f < k; f++) {
    const train: number[] = [],
      test: number[] = [];
    for (let i = 0; i < scores.length; i++) (folds[i] === f ? test : train).push(i);
    if (test.length === 0) continue;
    const t = bestThreshold(scores, labels, train);
    let ok = 0;
    for (const i of test) if ((scores[i]! >= t ? 1 : 0) === labels[i]) ok++;
    perFold.push(ok / test.length);
    thresholds.push(t);
  }
  const mean = perFold.reduce((a, b) => a + b, 0) / perFold.length;
  const std = Math.sqrt(perFold.reduce((a, b) => a + (b - mean) ** 2, 0) / perFold.length);
  return { mean, std, perFold, thresholds };
}

/**
 * All genuine and impostor scores among `n` embeddings of dimension `dim` (row-major), i < j only.
 * Blocked so a block of rows and columns stays in cache; ~n²/2·dim multiply-adds.
 */
export function allPairScores(
  emb: Float32Array,
  n: number,
  dim: number,
  identity: Int32Array,
  kind: ScoreKind,
): { genuine: Float32Array; impostor: Float32Array } {
  let genuineCount = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n && identity[j] === identity[i]; j++) genuineCount++;
  // Identities are contiguous (sorted listing), so the count above is complete.
  const total = (n * (n - 1)) / 2;
  const genuine = new Float32Array(genuineCount),
    impostor = new Float32Array(total - genuineCount);
  const norms = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += emb[i * dim + d]! ** 2;
    norms[i] = s;
  }
  let g = 0,
    m = 0;
  const B = 64;
  const block = new Float64Array(B * B);
  for (let i0 = 0; i0 < n; i0 += B) {
    const i1 = Math.min(n, i0 + B);
    for (let j0 = i0; j0 < n; j0 += B) {
      const j1 = Math.min(n, j0 + B);
      for (let i = i0; i < i1; i++) {
        const oi = i * dim;
        for (let j = Math.max(j0, i + 1); j < j1; j++) {
          const oj = j * dim;
          let s = 0;
          for (let d = 0; d < dim; d++) s += emb[oi + d]! * emb[oj + d]!;
          block[(i - i0) * B + (j - j0)] = s;
        }
      }
      for (let i = i0; i < i1; i++) {
        for (let j = Math.max(j0, i + 1); j < j1; j++) {
          const dp = block[(i - i0) * B + (j - j0)]!;
          const score = kind === 'cosine' ? dp : -Math.sqrt(Math.max(0, norms[i]! + norms[j]! - 2 * dp));
          if (identity[i] === identity[j]) genuine[g++] = score;
          else impostor[m++] = score;
        }
      }
    }
  }
  return { genuine, impostor };
}

/** Sorts descending in place and returns the array. */
export const sortDescending = (a: Float32Array): Float32Array => a.sort().reverse();

export interface OperatingPoint {
  readonly far: number;
  readonly threshold: number;
  readonly tar: number;
}

/** TAR at FAR: the threshold rejects all but floor(FAR·M) impostors (accept: score > the first rejected). */
export function tarAtFar(genuineDesc: Float32Array, impostorDesc: Float32Array, far: number): OperatingPoint {
  const allowed = Math.floor(far * impostorDesc.length);
  const t = impostorDesc[allowed] ?? -Infinity;
  let c = 0;
  for (let i = 0; i < genuineDesc.length && genuineDesc[i]! > t; i++) c++;
  return { far, threshold: t, tar: genuineDesc.length === 0 ? 0 : c / genuineDesc.length };
}

/** Fraction of a descending array strictly above t. */
export function fractionAbove(desc: Float32Array, t: number): number {
  let lo = 0,
    hi = desc.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (desc[mid]! > t) lo = mid + 1;
    else hi = mid;
  }
  return desc.length === 0 ? 0 : lo / desc.length;
}

/** DET curve (FRR vs FAR, log-log) for several arms as a standalone SVG document. */
export function detSvg(
  curves: readonly { label: string; genuineDesc: Float32Array; impostorDesc: Float32Array }[],
): string {
  const W = 640,
    H = 480,
    L = 70,
    R = 20,
    T = 30,
    Bm = 60;
  const fx = (far: number): number => L + ((Math.log10(far) + 6) / 6) * (W - L - R);
  const fy = (frr: number): number => T + (-Math.log10(frr) / 4) * (H - T - Bm);
  const colors = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
  ];
  for (let e = -6; e <= 0; e++) {
    parts.push(`<line x1="${fx(10 ** e)}" y1="${T}" x2="${fx(10 ** e)}" y2="${H - Bm}" stroke="#ddd"/>`);
    parts.push(`<text x="${fx(10 ** e)}" y="${H - Bm + 16}" text-anchor="middle">1e${e}</text>`);
  }
  for (let e = -4; e <= 0; e++) {
    parts.push(`<line x1="${L}" y1="${fy(10 ** e)}" x2="${W - R}" y2="${fy(10 ** e)}" stroke="#ddd"/>`);
    parts.push(`<text x="${L - 6}" y="${fy(10 ** e) + 4}" text-anchor="end">1e${e}</text>`);
  }
  parts.push(
    `<text x="${(L + W - R) / 2}" y="${H - 20}" text-anchor="middle">false accept rate (all impostor pairs)</text>`,
  );
  parts.push(
    `<text transform="translate(18 ${(T + H - Bm) / 2}) rotate(-90)" text-anchor="middle">false reject rate</text>`,
  );
  curves.forEach((c, k) => {
    const pts: string[] = [];
    for (let e = -6; e <= 0; e += 0.05) {
      const far = 10 ** e;
      if (far * c.impostorDesc.length < 1) continue; // not measurable with this many impostors
      const { tar } = tarAtFar(c.genuineDesc, c.impostorDesc, far);
      const frr = Math.max(1e-4, 1 - tar);
      pts.push(`${fx(far).toFixed(1)},${fy(frr).toFixed(1)}`);
    }
    const color = colors[k % colors.length] ?? '#000';
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.join(' ')}"/>`);
    parts.push(
      `<text x="${W - R - 200}" y="${T + 16 + 16 * k}" fill="${color}">${c.label.replace(/[<&>]/g, '')}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}
