/**
 * What each liveness challenge asks of a person, in the words every surface uses: FaceVault's lock screen and
 * the OS lock-screen notification of a background desktop unlock (src/main/desktop/lock-prompt.ts) say the same
 * thing. Runtime-free apart from the table.
 */
import type { ChallengeKind } from './ipc-contract.ts';

export const CHALLENGE_TEXT: { readonly [K in ChallengeKind]: string } = {
  blink: 'Blink once.',
  'turn-left': 'Turn your head slowly to the left.',
  'turn-right': 'Turn your head slowly to the right.',
  'look-up': 'Look up a little.',
  'move-closer': 'Move closer to the camera.',
};
