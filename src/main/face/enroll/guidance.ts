/**
 * What the renderer may learn about a frame or an attempt: coarse guidance and a score quantised to 4 levels.
 * Never the raw similarity, so a renderer cannot hill-climb a presentation attack against the threshold.
 */
import type { QualityReason } from '../quality.ts';

export type Guidance =
  | 'move-closer'
  | 'hold-still'
  | 'more-light'
  | 'less-light'
  | 'face-the-camera'
  | 'only-one-face'
  | 'center-your-face'
  | 'turn-head-slightly'
  | 'show-your-face';

export function guidanceFor(reasons: readonly QualityReason[]): Guidance[] {
  const out = new Set<Guidance>();
  for (const r of reasons) {
    switch (r) {
      case 'no-face': out.add('show-your-face'); break;
      case 'multiple-faces': out.add('only-one-face'); break;
      case 'too-small': out.add('move-closer'); break;
      case 'partly-outside': out.add('center-your-face'); break;
      case 'too-blurry': out.add('hold-still'); break;
      case 'too-dark': out.add('more-light'); break;
      case 'too-bright': out.add('less-light'); break;
      case 'pose-roll':
      case 'pose-yaw':
      case 'pose-pitch': out.add('face-the-camera'); break;
    }
  }
  return [...out];
}

/** 0 = clearly not a match … 3 = clearly a match; the boundary between 1 and 2 is the decision threshold. */
export type CoarseScore = 0 | 1 | 2 | 3;

export function quantiseScore(score: number, threshold: number, band = 0.15): CoarseScore {
  if (score >= threshold + band) return 3;
  if (score >= threshold) return 2;
  if (score >= threshold - band) return 1;
  return 0;
}
