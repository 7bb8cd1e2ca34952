/**
 * Rate limit of recovery-passphrase attempts, persisted in the auth state (so a restart buys nothing, and
 * with the TPM anchor a restored file buys nothing either). The passphrase is the last resort, so it is never
 * locked out for good; instead: the first FREE_ATTEMPTS wrong entries cost nothing but the KDF time, then
 * each further one opens a back-off window that doubles (30 s, 1 min, 2 min, … capped at 1 h). A correct
 * passphrase clears the count. On top of that every guess costs one scrypt (≈ 0.4 s here).
 */
export const FREE_ATTEMPTS = 5;
export const BACKOFF_BASE_MS = 30_000;
export const BACKOFF_MAX_MS = 60 * 60_000;
/** A detected rollback starts the back-off at once. */
export const ROLLBACK_PENALTY_FAILURES = FREE_ATTEMPTS;

/** Back-off after `failures` consecutive wrong passphrases (0 while free attempts remain). */
export function passphraseBackoffMs(failures: number): number {
  if (failures < FREE_ATTEMPTS) return 0;
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(20, failures - FREE_ATTEMPTS));
}
