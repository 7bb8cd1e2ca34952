/**
 * Makes the device's FaceAuth (encrypted templates + HMAC attempt counter) available to the flow once the
 * models are ready, with its two keys derived from the device keys the key service owns
 * (`deriveKey('template')`, `deriveKey('attempt-counter')`), and wipes those keys on close or as soon as the
 * models or the keys go away (a bundle failed its integrity re-check, the app's files were tampered with,
 * the key store was closed).
 * Guarantees: `ready()` either resolves to a FaceAuth or rejects with a typed error the IPC router returns
 * as a Result — MODEL_NOT_LOADED while the models are not ready, the key store's own code (KEY_STORE_LOCKED,
 * KEY_NOT_FOUND...) when it cannot be opened; nothing is fired and forgotten. Concurrent `ready()` calls
 * share one derivation.
 */
import { FaceVaultError } from '../errors/facevault-error.ts';
import type { FrameAnalyzer } from '../face/pipeline.ts';
import type { KeyService } from '../keys/key-service.ts';
import { FaceAuth } from './face-auth.ts';

export class ModelsNotReadyError extends FaceVaultError {
  constructor() {
    super('MODEL_NOT_LOADED', 'face models are not loaded yet');
  }
}

/** What auth needs from the model service. */
export interface AuthModels {
  pipeline(): FrameAnalyzer | null;
  /** The embedder's calibrated cosine threshold; null without one. */
  verifyThreshold(): number | null;
}

export interface FaceAuthService {
  /** FaceAuth with its keys derived (first call derives them); rejects with a typed error. */
  ready(): Promise<FaceAuth>;
  /** The instance if already created and still valid (synchronous, for the frame path). */
  current(): FaceAuth | null;
  close(): void;
}

export function createFaceAuthService(o: {
  readonly models: AuthModels;
  readonly keys: KeyService;
  readonly dir: string;
}): FaceAuthService {
  let auth: FaceAuth | null = null;
  let secrets: Uint8Array[] = [];
  let pending: Promise<FaceAuth> | null = null;

  const close = (): void => {
    for (const k of secrets) k.fill(0);
    secrets = [];
    auth = null;
  };
  const valid = (): boolean => o.models.pipeline() !== null && o.keys.current() !== null;

  async function create(): Promise<FaceAuth> {
    const threshold = o.models.verifyThreshold();
    if (o.models.pipeline() === null || threshold === null) throw new ModelsNotReadyError();
    const keys = await o.keys.open();
    const templateKey = await keys.deriveKey('template');
    let counterKey: Uint8Array;
    try {
      counterKey = await keys.deriveKey('attempt-counter');
    } catch (e) {
      templateKey.fill(0);
      throw e;
    }
    close();
    secrets = [templateKey, counterKey];
    auth = new FaceAuth({ dir: o.dir, templateKey, counterKey, threshold });
    return auth;
  }

  return {
    current() {
      if (auth && !valid()) close();
      return auth;
    },
    async ready() {
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
