/**
 * Base class of every error the main process raises on purpose. Each concern subclasses it with its own
 * name (ModelIntegrityError, KeyUnavailableError, ...) and a stable `code`. The message must be safe to
 * log and to show: it never contains key material, plaintext weights, frames or embeddings.
 */
import type { ErrorCode } from '../../shared/error-codes.ts';
import type { ErrorInfo } from '../../shared/result.ts';

export class FaceVaultError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }

  toInfo(): ErrorInfo {
    return { code: this.code, message: this.message };
  }
}

export const isFaceVaultError = (e: unknown): e is FaceVaultError => e instanceof FaceVaultError;
