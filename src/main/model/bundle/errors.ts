/**
 * Typed errors of the model-bundle and licence layer. Each class maps to exactly one stable code from
 * src/shared/error-codes.ts, so callers (loader, CLI exit codes, IPC results) switch on `code`, never on
 * messages. Messages are safe to log: they name the failed check, never key bytes or plaintext.
 */
import { FaceVaultError } from '../../errors/facevault-error.ts';

/** Structure is wrong: bad magic, lengths out of bounds, fields invalid, trailing bytes. */
export class BundleMalformedError extends FaceVaultError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BUNDLE_MALFORMED', message, options);
  }
}

/** Well-formed prefix but a version / algorithm id / flag this build does not implement. */
export class BundleUnsupportedError extends FaceVaultError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BUNDLE_UNSUPPORTED', message, options);
  }
}

/** Signature missing, invalid, or made by a key that is not pinned. */
export class BundleSignatureError extends FaceVaultError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BUNDLE_SIGNATURE_INVALID', message, options);
  }
}

/** AEAD tag or plaintext SHA-256 check failed (wrong key, truncation, reordering, tampering). */
export class BundleIntegrityError extends FaceVaultError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BUNDLE_INTEGRITY', message, options);
  }
}

/** onnxruntime refused the decrypted model (message never contains model bytes). */
export class ModelLoadError extends FaceVaultError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('MODEL_LOAD_FAILED', message, options);
  }
}
