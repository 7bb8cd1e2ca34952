/**
 * Makes the device's FaceDecisions (auth/face-decisions.ts: enrolment, verification and lock-out inside the
 * authenticated auth state) available to the flow once the models are ready, at the embedder's calibrated
 * threshold. The keys (template, auth-state MAC, vault wrap) are derived and held by the vault provider
 * (vault/vault-provider.ts) from the device keys the key service owns; the vault outlives the models, so
 * the recovery passphrase works while they are not loaded.
 * Guarantees: `ready()` either resolves to FaceDecisions or rejects with a typed error the IPC router
 * returns as a Result — MODEL_NOT_LOADED while the models are not ready, the key store's own code
 * (KEY_STORE_LOCKED, KEY_NOT_FOUND...) when it cannot be opened; nothing is fired and forgotten; the instance
 * is dropped as soon as the models go away (a bundle failed its integrity re-check, the app's files were
 * tampered with). Concurrent `ready()` calls share one creation.
 */
import { FaceVaultError } from '../errors/facevault-error.ts';
import type { FrameAnalyzer } from '../face/pipeline.ts';
import type { VaultProvider } from '../vault/vault-provider.ts';
import type { FaceDecisions } from './face-decisions.ts';

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
  /** FaceDecisions with its keys derived (first call derives them); rejects with a typed error. */
  ready(): Promise<FaceDecisions>;
  /** The instance if already created and still valid (synchronous, for the frame path). */
  current(): FaceDecisions | null;
  close(): void;
}

export function createFaceAuthService(o: {
  readonly models: AuthModels;
  readonly vaults: VaultProvider;
}): FaceAuthService {
  let auth: FaceDecisions | null = null;
  let pending: Promise<FaceDecisions> | null = null;
  const valid = (): boolean => o.models.pipeline() !== null && o.vaults.current() !== null;

  async function create(): Promise<FaceDecisions> {
    const threshold = o.models.verifyThreshold();
    if (o.models.pipeline() === null || threshold === null) throw new ModelsNotReadyError();
    auth = await o.vaults.faceDecisions(threshold);
    return auth;
  }

  return {
    current() {
      if (auth && !valid()) auth = null;
      return auth;
    },
    async ready() {
      if (auth && !valid()) auth = null;
      if (auth) return auth;
      pending ??= create().finally(() => {
        pending = null;
      });
      return pending;
    },
    close() {
      auth = null;
    },
  };
}
