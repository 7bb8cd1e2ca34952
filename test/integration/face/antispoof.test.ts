/**
 * MiniFASNet (V2 @2.7 + V1SE @4.0, scores averaged) on the labelled live/spoof photos in
 * ../shared/data/antispoof, with SCRFD boxes as in the model README's sanity check. Nine photos are a smoke
 * test of the decoding, not a presentation-attack evaluation: the test asserts the separation seen on them
 * and prints it.
 */
import { execFileSync } from 'node:child_process';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFrame } from '../../../bench/lib/images.ts';
import { loadReferenceAntispoof, loadReferenceDetector } from '../../../bench/lib/reference-models.ts';
import { createFacePipeline } from '../../../src/main/face/pipeline.ts';
import { sharedPath } from '../../support/shared-data.ts';

const isLive = (file: string): boolean => /^(true_|image_T)/.test(basename(file));

describe('MiniFASNet on labelled live and spoof photos', () => {
  it('scores every live photo above every spoof photo', async () => {
    const files = execFileSync('find', [
      sharedPath('data', 'antispoof'),
      '-type',
      'f',
      '(',
      '-name',
      '*.jpg',
      '-o',
      '-name',
      '*.png',
      ')',
    ])
      .toString()
      .trim()
      .split('\n')
      .sort();
    expect(files.length).toBeGreaterThanOrEqual(6);
    const pipeline = createFacePipeline(
      { detector: await loadReferenceDetector('scrfd'), antispoof: await loadReferenceAntispoof() },
      // Photos of phones and prints: judge liveness on every detected face, whatever its quality.
      {
        quality: {
          minEyeDistancePx: 0,
          secondFaceAreaRatio: 2,
          minSharpness: 0,
          minMeanLuma: 0,
          maxMeanLuma: 255,
          maxClippedFraction: 1,
          maxRollDeg: 180,
          maxYaw: 10,
          pitchRange: [-10, 10],
        },
      },
    );
    const live: number[] = [],
      spoof: number[] = [];
    for (const f of files) {
      const r = await pipeline.analyzeFrame(await loadFrame(f));
      expect(r.liveness, basename(f)).toBeDefined();
      (isLive(f) ? live : spoof).push(r.liveness!.liveScore); // defined: asserted above
    }
    console.log(
      `live ${live.map((s) => s.toFixed(3)).join(' ')} | spoof ${spoof.map((s) => s.toFixed(3)).join(' ')}`,
    );
    expect(live.length).toBeGreaterThanOrEqual(3);
    expect(spoof.length).toBeGreaterThanOrEqual(3);
    expect(Math.min(...live)).toBeGreaterThan(Math.max(...spoof));
  });
});
