/**
 * Recovery-passphrase strength for the meter: the same zxcvbn-ts estimate main uses (with the same app
 * words), judged by the one shared policy (src/shared/passphrase-policy.ts), so the meter and main's check
 * can never disagree. zxcvbn's dictionaries load on first use, so the rest of the window does not wait.
 * The meter is advice; main re-checks (PASSPHRASE_WEAK).
 */
import { judgePassphrase, PASSPHRASE_MIN_SCORE } from '../../../shared/passphrase-policy.ts';

export interface Strength {
  /** 0 (very weak) … 4 (very strong), capped at 1 while the policy refuses it. */
  readonly score: 0 | 1 | 2 | 3 | 4;
  readonly ok: boolean;
  readonly advice: string | null;
}

export const MIN_SCORE = PASSPHRASE_MIN_SCORE;
const APP_WORDS = ['facevault', 'face', 'vault', 'recovery', 'passphrase', 'unlock'];

type Estimate = (p: string) => {
  score: 0 | 1 | 2 | 3 | 4;
  warning: string | null;
  suggestion: string | null;
};
let estimator: Promise<Estimate> | null = null;

function load(): Promise<Estimate> {
  estimator ??= Promise.all([
    import('@zxcvbn-ts/core'),
    import('@zxcvbn-ts/language-common'),
    import('@zxcvbn-ts/language-en'),
  ]).then(([core, common, en]) => {
    const z = new core.ZxcvbnFactory({
      dictionary: { ...common.dictionary, ...en.dictionary },
      graphs: common.adjacencyGraphs,
      translations: en.translations,
    });
    return (p: string) => {
      const r = z.check(p.slice(0, 256), APP_WORDS);
      return {
        score: r.score,
        warning: r.feedback.warning || null,
        suggestion: r.feedback.suggestions[0] ?? null,
      };
    };
  });
  return estimator;
}

export async function strengthOf(passphrase: string): Promise<Strength> {
  if (passphrase.length === 0) return { score: 0, ok: false, advice: null };
  const e = (await load())(passphrase);
  const verdict = judgePassphrase(passphrase, e);
  if (verdict.ok) return { score: e.score, ok: true, advice: e.score < 4 ? e.suggestion : null };
  const advice = verdict.message.charAt(0).toUpperCase() + verdict.message.slice(1);
  return {
    score: Math.min(e.score, verdict.reason === 'too-guessable' ? e.score : 1) as Strength['score'],
    ok: false,
    advice,
  };
}

export const STRENGTH_LABEL = ['Very weak', 'Weak', 'Fair', 'Strong', 'Very strong'] as const;
