import { describe, expect, it } from 'vitest';
import { requireEmbedding, type FrameAnalysis } from '../../../src/main/face/pipeline.ts';

const timings = { detectMs: 0, qualityMs: 0, livenessMs: 0, embedMs: 0 };
const face = { x1: 0, y1: 0, x2: 10, y2: 10, score: 1, landmarks: new Float32Array(10) };

describe('requireEmbedding', () => {
  it('returns the embedding of a frame that passed every gate', () => {
    const e = Float32Array.of(1, 0);
    expect(
      requireEmbedding({
        faces: [face],
        primary: face,
        quality: { ok: true, reasons: [] },
        embedding: e,
        timings,
      }),
    ).toBe(e);
  });
  it('throws FACE_NOT_FOUND without a face and FACE_QUALITY with the reasons otherwise', () => {
    const none: FrameAnalysis = { faces: [], quality: { ok: false, reasons: ['no-face'] }, timings };
    expect(() => requireEmbedding(none)).toThrow(expect.objectContaining({ code: 'FACE_NOT_FOUND' }));
    const blurry: FrameAnalysis = {
      faces: [face],
      primary: face,
      quality: { ok: false, reasons: ['too-blurry', 'too-dark'] },
      timings,
    };
    expect(() => requireEmbedding(blurry)).toThrow(
      expect.objectContaining({ code: 'FACE_QUALITY', reasons: ['too-blurry', 'too-dark'] }),
    );
  });
});
