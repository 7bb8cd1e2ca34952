/**
 * Typed errors of enrolment and verification. Messages never carry embeddings, scores or key material.
 */
import { FaceVaultError } from '../errors/facevault-error.ts';

export class EnrolmentNotFoundError extends FaceVaultError {
  constructor() {
    super('ENROLMENT_NOT_FOUND', 'no face enrolment exists for this user');
  }
}

/** The template file failed authentication (tampered, truncated, or another key/user). */
export class TemplateCorruptError extends FaceVaultError {
  constructor(message = 'face template failed integrity check') {
    super('TEMPLATE_CORRUPT', message);
  }
}

/**
 * The stored template was made by other face models (its embedding length differs from what the loaded
 * models give, e.g. after a model update): it cannot be compared, so face unlock needs setting up again.
 */
export class TemplateModelChangedError extends FaceVaultError {
  constructor() {
    super(
      'TEMPLATE_MODEL_CHANGED',
      'the stored face data was made by other face models; set up face unlock again',
    );
  }
}

/** The attempt counter failed its HMAC or is missing next to an existing template. */
export class AttemptStateCorruptError extends FaceVaultError {
  constructor(message = 'attempt counter failed integrity check; face unlock is disabled until recovery') {
    super('STATE_CORRUPT', message);
  }
}

export class LockedOutError extends FaceVaultError {
  constructor() {
    super('VERIFY_LOCKED_OUT', 'too many failed face attempts: unlock with the recovery passphrase');
  }
}
