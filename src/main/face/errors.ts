/**
 * Typed errors of the face pipeline. Messages describe what was wrong with the input (sizes, counts,
 * reasons) and never carry pixels, embeddings or scores finer than the UI may see.
 */
import { FaceVaultError } from '../errors/facevault-error.ts';

/** A frame that is not a well-formed RGB/RGBA image within the limits (code FRAME_INVALID). */
export class FrameInvalidError extends FaceVaultError {
  constructor(message: string) {
    super('FRAME_INVALID', message);
  }
}

/** No usable face was detected in the frame (code FACE_NOT_FOUND). */
export class FaceNotFoundError extends FaceVaultError {
  constructor(message = 'no face found in the frame') {
    super('FACE_NOT_FOUND', message);
  }
}

/** A face was found but fails the quality gates; `reasons` are the typed gate names (code FACE_QUALITY). */
export class FaceQualityError extends FaceVaultError {
  readonly reasons: readonly string[];
  constructor(reasons: readonly string[]) {
    super('FACE_QUALITY', `face quality too low: ${reasons.join(', ')}`);
    this.reasons = reasons;
  }
}

/** A model handle whose family/descriptor this pipeline cannot run (code BUNDLE_UNSUPPORTED). */
export class ModelFamilyError extends FaceVaultError {
  constructor(message: string) {
    super('BUNDLE_UNSUPPORTED', message);
  }
}
