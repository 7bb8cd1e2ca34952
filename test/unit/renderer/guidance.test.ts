/** What a new user hit: every hint was green, even "No face in view". Only "ok" is shown as good. */
import { describe, expect, it } from 'vitest';
import { challengeOf, GUIDANCE } from '../../../src/renderer/src/ui/guidance.ts';

describe('guidance tones', () => {
  it('only a usable face is green; problems to fix are amber', () => {
    const good = Object.entries(GUIDANCE)
      .filter(([, g]) => g.tone === 'good')
      .map(([k]) => k);
    expect(good).toEqual(['ok']);
    for (const k of [
      'no-face',
      'multiple-faces',
      'move-closer',
      'too-dark',
      'too-bright',
      'center-your-face',
      'face-the-camera',
    ] as const) {
      expect(GUIDANCE[k].tone, k).toBe('warn');
    }
  });

  it('reads a liveness challenge from the flow state when main sends one, and nothing otherwise', () => {
    expect(challengeOf({ kind: 'unlocking' })).toBeNull();
    expect(challengeOf({ kind: 'challenge', challenge: 'blink' } as never)).toBe('blink');
    expect(challengeOf({ kind: 'challenge', challenge: 'dance' } as never)).toBeNull();
  });
});
