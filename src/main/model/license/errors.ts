/**
 * Typed licence errors (stable codes LICENSE_INVALID / LICENSE_WRONG_DEVICE, see src/shared/error-codes.ts).
 * Messages name the failed check only; never key material.
 */
import { FaceVaultError } from '../../errors/facevault-error.ts';

/** Licence malformed, unsigned / wrongly signed, expired, or for another model. */
export class LicenseInvalidError extends FaceVaultError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('LICENSE_INVALID', message, options);
  }
}

/** Licence is valid but issued to another device. */
export class LicenseWrongDeviceError extends FaceVaultError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('LICENSE_WRONG_DEVICE', message, options);
  }
}
