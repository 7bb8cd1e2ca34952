/**
 * The recovery-passphrase policy, shared by the UI's strength meter and main's check (main re-checks: the
 * renderer is not trusted). Both run the zxcvbn-ts estimate (score 0..4, log10 of guesses); this file only
 * says what is accepted, so the two can never disagree. Runtime-free apart from these constants and one
 * pure function.
 *
 * Why score ≥ 3: the passphrase protects the vault key against an offline attacker holding the auth-state
 * file; each guess costs one scrypt (N = 2^17, r = 8, p = 1 — docs/vault.md), and zxcvbn's score 3 means
 * "safely unguessable: moderate protection from an offline slow-hash scenario" (≥ 10^8 guesses).
 */
export const PASSPHRASE_MIN_LENGTH = 10;
/** Upper bound at the IPC boundary (characters); also bounds the KDF input. */
export const PASSPHRASE_MAX_LENGTH = 256;
export const PASSPHRASE_MIN_SCORE = 3;

export interface PassphraseEstimate {
  /** zxcvbn score 0..4. */
  readonly score: 0 | 1 | 2 | 3 | 4;
  /** zxcvbn's warning, if any (English). */
  readonly warning: string | null;
}

export type PassphraseVerdict =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly reason: 'too-short' | 'too-long' | 'too-guessable';
      readonly message: string;
    };

export function judgePassphrase(passphrase: string, estimate: PassphraseEstimate): PassphraseVerdict {
  const length = [...passphrase].length;
  if (length < PASSPHRASE_MIN_LENGTH) {
    return {
      ok: false,
      reason: 'too-short',
      message: `use at least ${PASSPHRASE_MIN_LENGTH} characters (a few unrelated words work well)`,
    };
  }
  if (length > PASSPHRASE_MAX_LENGTH) {
    return { ok: false, reason: 'too-long', message: `use at most ${PASSPHRASE_MAX_LENGTH} characters` };
  }
  if (estimate.score < PASSPHRASE_MIN_SCORE) {
    const why = estimate.warning ? `${estimate.warning} ` : '';
    return {
      ok: false,
      reason: 'too-guessable',
      message: `${why}This passphrase is too easy to guess: add another unrelated word or two.`,
    };
  }
  return { ok: true };
}
