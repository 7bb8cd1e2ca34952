/**
 * The storage concern's own error, for failures below any file format (disk full, permission, a data folder
 * that is not a folder). Refusals of a file's *content or type* are reported by each caller in its own
 * terms (TEMPLATE_CORRUPT, STATE_CORRUPT, LICENSE_INVALID, KEY_STORE_IO...), through the factories the
 * bounded reader and the atomic writer take. Messages name what failed, never a secret.
 */
import { FaceVaultError } from '../errors/facevault-error.ts';
import { errnoCode } from './fs-errors.ts';

export class StorageIoError extends FaceVaultError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORAGE_IO', message, options);
  }
}

/** A WriteFailure factory: "cannot save <what> (<errno>)". */
export const cannotSave =
  (what: string) =>
  (cause: unknown): Error =>
    new StorageIoError(
      `cannot save ${what} (${errnoCode(cause) ?? 'I/O error'}): check that the data folder exists, is yours and is not full`,
      { cause },
    );
