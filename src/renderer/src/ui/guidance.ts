/**
 * What each coarse guidance word and flow state means to a person, and how it is shown. Only "ok" is
 * green; problems the person must fix are amber; nothing here is red unless something failed.
 */
import type {
  AuthFlowState,
  ChallengeKind,
  FrameGuidance,
  RejectReason,
} from '../../../shared/ipc-contract.ts';
import { CHALLENGE_TEXT } from '../../../shared/challenge-text.ts';

/** What each challenge asks (shared with the OS lock-screen notification of a background desktop unlock). */
export { CHALLENGE_TEXT };

export type Tone = 'neutral' | 'good' | 'warn' | 'bad';

export const GUIDANCE: { readonly [K in FrameGuidance]: { readonly text: string; readonly tone: Tone } } = {
  'models-not-ready': { text: 'Face models are not loaded.', tone: 'neutral' },
  'no-face': { text: 'No face in view. Sit in front of the camera.', tone: 'warn' },
  'multiple-faces': { text: 'Only one face, please.', tone: 'warn' },
  'move-closer': { text: 'Move a little closer.', tone: 'warn' },
  'center-your-face': { text: 'Centre your face in the picture.', tone: 'warn' },
  'turn-head-slightly': { text: 'Turn your head slightly — left, then right.', tone: 'neutral' },
  'face-the-camera': { text: 'Look straight at the camera.', tone: 'warn' },
  'hold-still': { text: 'Hold still for a moment.', tone: 'neutral' },
  'too-dark': { text: 'It is too dark. Turn on a light or face a window.', tone: 'warn' },
  'too-bright': { text: 'Too bright. Move away from the light behind or beside you.', tone: 'warn' },
  ok: { text: 'Got you. Hold still.', tone: 'good' },
};

/** The challenge a flow state asks for (issue 12's 'challenge' state), checked against the known kinds. */
export function challengeOf(flow: AuthFlowState): ChallengeKind | null {
  return flow.kind === 'challenge' && Object.hasOwn(CHALLENGE_TEXT, flow.challenge) ? flow.challenge : null;
}

/** Why a rejected attempt failed, in plain words (coarse only: never which check or score). */
export const REJECT_TEXT: { readonly [K in RejectReason]: string } = {
  'no-match': 'Your face did not match.',
  'challenge-failed': 'The movement was not completed in time. Follow the prompt when you try again.',
  'presentation-attack': 'This did not look like a live face. Photos, screens and masks do not unlock.',
  'camera-not-allowed': 'This camera is not the one face unlock was set up with.',
  'face-lost': 'Your face left the picture. Stay in view until it finishes. No try was used.',
};
