/**
 * Serialisation of TPM commands. The TPM is one device with few object slots (and no resource manager on
 * swtpm / /dev/tpm0), so every command of every store in this process runs one at a time, whichever driver
 * issues it. Deliberately process-wide: that is the TPM's own scope.
 */
/** Process-wide serialisation of TPM commands (the TPM has few object slots and no RM on swtpm). */
let tpmQueue: Promise<void> = Promise.resolve();
export function serialised<T>(fn: () => Promise<T>): Promise<T> {
  const run = tpmQueue.then(fn, fn);
  tpmQueue = run.then(
    () => undefined,
    () => undefined,
  );
  return run;
}
