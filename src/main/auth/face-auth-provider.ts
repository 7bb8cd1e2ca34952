/**
 * Creates the device's FaceAuth (encrypted templates + HMAC attempt counter) once the models and the
 * device keys are ready, with its two keys derived from the device KEK ('template', 'attempt-counter'),
 * and wipes those keys on close or when the models go away (e.g. a bundle failed its integrity re-check).
 */
import { FaceAuth } from './face-auth.ts';
import type { ModelService } from '../model/model-service.ts';

export interface FaceAuthProvider {
  /** Resolves keys on first use; null while models/keys are not ready. */
  get(): Promise<FaceAuth | null>;
  /** The instance if already created and still valid (synchronous, for the frame path). */
  current(): FaceAuth | null;
  close(): void;
}

export function createFaceAuthProvider(o: { readonly models: ModelService; readonly dir: string }): FaceAuthProvider {
  let auth: FaceAuth | null = null;
  let secrets: Uint8Array[] = [];
  let pending: Promise<FaceAuth | null> | null = null;

  const close = (): void => {
    for (const k of secrets) k.fill(0);
    secrets = [];
    auth = null;
  };
  const valid = (): boolean => o.models.pipeline() !== null && o.models.deviceKeys() !== null;

  async function create(): Promise<FaceAuth | null> {
    const keys = o.models.deviceKeys();
    const threshold = o.models.verifyThreshold();
    if (!keys || threshold === null) return null;
    const templateKey = await keys.deriveKey('template');
    const counterKey = await keys.deriveKey('attempt-counter');
    secrets = [templateKey, counterKey];
    auth = new FaceAuth({ dir: o.dir, templateKey, counterKey, threshold });
    return auth;
  }

  return {
    current() {
      if (auth && !valid()) close();
      return auth;
    },
    async get() {
      if (auth && !valid()) close();
      if (auth) return auth;
      pending ??= create().finally(() => {
        pending = null;
      });
      return pending;
    },
    close,
  };
}
