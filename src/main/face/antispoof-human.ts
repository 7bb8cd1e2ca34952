/**
 * Passive presentation-attack detection with Human's `antispoof` (Kaggle "fake-face-detection" CNN, 128×128,
 * one probability) and `liveness` (livenessnet, 32×32, two class probabilities) nets, converted from
 * @vladmandic/human's TF.js graphs by tools/build-default-models.ts. Pre-processing follows Human's
 * src/face/antispoof.ts + liveness.ts: the face tensor Human crops (detector box ×1.4, squared, RGB /255) is
 * resized bilinearly to the net's input; the first output value is the score. Which class means "live" is a
 * descriptor field, measured on labelled photos (docs/models.md "Passive PAD"), not assumed.
 * A heuristic signal: never a certified PAD on its own (docs/liveness.md).
 */
import type { Detection } from './detection.ts';
import { ModelFamilyError } from './errors.ts';
import { expectFamily, type HumanPadDescriptor, type ModelHandle } from './family.ts';
import type { Frame } from './frame.ts';
import { floatOutput, floatTensor, runSingle } from './ort-io.ts';
import { fillSquareCrop, squareBox } from './square-crop.ts';

export interface PadScorer {
  /** Probability that the face is live (bona fide), 0..1. */
  score(frame: Frame, face: Detection): Promise<number>;
}

export function createHumanPadScorer(h: ModelHandle): PadScorer {
  const handle = expectFamily(h, 'human-pad');
  const d: HumanPadDescriptor = handle.descriptor;
  const { width: W, height: H } = d.input;
  const input = new Float32Array(W * H * 3);
  const outName = d.output ?? handle.session.outputNames[0];
  if (outName === undefined) throw new ModelFamilyError('PAD model has no outputs');
  return {
    async score(frame, face) {
      fillSquareCrop(frame, squareBox(face, d.cropScale), W, H, d, input);
      const r = await runSingle(handle.session, floatTensor(input, [1, H, W, 3]), d.input.name);
      const out = floatOutput(r, outName, d.classes);
      if (d.classes === 1) {
        const v = Math.min(1, Math.max(0, out[0]!));
        return d.singleOutput === 'spoof' ? 1 - v : v;
      }
      let sum = 0;
      for (const x of out) sum += x;
      return sum > 0 ? Math.min(1, Math.max(0, out[d.liveClass]! / sum)) : 0;
    },
  };
}
