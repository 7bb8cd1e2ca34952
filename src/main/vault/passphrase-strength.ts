/**
 * Main's strength check of a new recovery passphrase: the zxcvbn-ts estimate (pattern matching against
 * common passwords, names, words, dates, keyboard walks, l33t) judged by the shared policy
 * (src/shared/passphrase-policy.ts). Refuses weak passphrases with PASSPHRASE_WEAK and zxcvbn's advice.
 * Dependency: @zxcvbn-ts/core + language-common + language-en (MIT; the maintained TypeScript port of
 * Dropbox's zxcvbn): a dictionary-based estimator cannot be hand-written credibly.
 */
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';
import { judgePassphrase, type PassphraseEstimate } from '../../shared/passphrase-policy.ts';
import { PassphraseWeakError } from './vault-errors.ts';

let factory: ZxcvbnFactory | null = null;
const estimator = (): ZxcvbnFactory =>
  (factory ??= new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...en.dictionary },
    graphs: common.adjacencyGraphs,
    translations: en.translations,
  }));

/** Words a guesser would try first for this app. */
const APP_WORDS = ['facevault', 'face', 'vault', 'recovery', 'passphrase', 'unlock'];

export async function estimatePassphrase(passphrase: string): Promise<PassphraseEstimate> {
  // zxcvbn's cost grows with length; the policy's upper bound is checked first by the caller's schema.
  const r = estimator().check(passphrase.slice(0, 256), APP_WORDS);
  return { score: r.score, warning: r.feedback.warning ?? null };
}

/** Throws PassphraseWeakError unless the passphrase meets the shared policy. */
export async function assertStrongPassphrase(passphrase: string): Promise<void> {
  const verdict = judgePassphrase(passphrase, await estimatePassphrase(passphrase));
  if (!verdict.ok) throw new PassphraseWeakError(verdict.message);
}
