/**
 * A protected model straight into an onnxruntime session on this thread (tests, benchmarks, tools; the app
 * itself loads into the inference worker, face/pipeline-worker.ts): decryptModel (load-model.ts: signature,
 * licence, STREAM decryption into one buffer) → InferenceSession.create(buffer) → the plaintext and the
 * model key are wiped in `finally`, on every path. onnxruntime's own error text is kept only as `cause`.
 */
import * as ort from 'onnxruntime-node';
import { ModelLoadError } from './bundle/errors.ts';
import type { BundleHeader } from './bundle/header.ts';
import type { AeadBackend } from './bundle/stream-aead.ts';
import type { VendorPublicKey } from './bundle/signature.ts';
import { decryptModel, type ModelKeySource, type WipedSecrets } from './load-model.ts';
import { disableOnnxRuntimeTelemetry } from '../face/ort-telemetry.ts';

export interface LoadModelOptions {
  /** Path to the bundle file, or its bytes. */
  readonly bundle: string | Uint8Array;
  readonly keySource: ModelKeySource;
  readonly pinnedVendorKeys: readonly VendorPublicKey[];
  readonly sessionOptions?: ort.InferenceSession.SessionOptions;
  readonly maxPlaintextBytes?: number;
  readonly backend?: AeadBackend;
  /** Unix seconds for the licence expiry check; default now. */
  readonly now?: number;
  /**
   * Observability hook: called once, after wiping, with the wiped buffers (already zero — it cannot
   * leak anything). Tests assert the zeroing through it.
   */
  readonly onWipe?: (wiped: WipedSecrets) => void;
}

export interface LoadedModel {
  readonly session: ort.InferenceSession;
  readonly header: BundleHeader;
  /** SHA-256(header ‖ body); compare with verifyBundleFile() later to detect a replaced file. */
  readonly digest: Uint8Array;
}

export async function loadModel(o: LoadModelOptions): Promise<LoadedModel> {
  let plaintext: Uint8Array | null = null;
  let modelKey: Uint8Array | null = null;
  try {
    const d = await decryptModel({ ...o, onKeyWiped: (k) => (modelKey = k) });
    plaintext = d.plaintext;
    let session: ort.InferenceSession;
    disableOnnxRuntimeTelemetry(); // before the runtime's first session in this process (face/ort-telemetry.ts)
    try {
      session = await ort.InferenceSession.create(plaintext, o.sessionOptions ?? {});
    } catch (e) {
      // onnxruntime messages may quote the model path/graph, never weights; keep only a generic message.
      throw new ModelLoadError(`onnxruntime could not create a session for model "${d.header.modelId}"`, {
        cause: e,
      });
    }
    return { session, header: d.header, digest: d.digest };
  } finally {
    plaintext?.fill(0);
    o.onWipe?.({ plaintext, modelKey });
  }
}
