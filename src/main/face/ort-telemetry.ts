/**
 * Keeps onnxruntime's telemetry off. Official onnxruntime builds from 1.29 on (onnxruntime-node 1.30 here)
 * carry Microsoft's 1DS telemetry SDK on Linux and macOS (microsoft/onnxruntime docs/Privacy.md, PR #27379):
 * on the first session it writes `~/.cache/Microsoft/DeveloperTools/.onnxruntime/deviceid` (a persistent
 * device identifier) and `onnxruntime.db` (an offline event cache holding model metadata — graph name,
 * producer, our `facevault.model_id`, licence, source) and tries to upload them. A face-authentication
 * product must write and send nothing of the kind.
 *
 * Mechanism: onnxruntime-node exposes no switch (no `env` flag, no session option, and the C API's
 * DisableTelemetryEvents is not bound — and would come after the process-info event anyway). The runtime's
 * documented opt-out is the environment variable ORT_DISABLE_TELEMETRY=1, read with getenv() once when the
 * runtime's environment is created and latched for the life of the process: no uploader, no events, no device
 * id, no offline cache. Two consequences shape this module:
 *   - In a worker thread `process.env` is a thread-local copy: writing it there never reaches getenv(). The
 *     variable must be set on the main thread, before the first inference worker (or main-thread session)
 *     starts — `disableOnnxRuntimeTelemetry()` is called by every place that creates a session or a worker.
 *   - A value inherited from the user's environment (`ORT_DISABLE_TELEMETRY=0`) is overridden, not obeyed.
 * Inside a worker, `assertOnnxRuntimeTelemetryOff()` refuses to create sessions unless the variable the worker
 * inherited says off (the worker's copy is taken from the real environment when it starts).
 * test/security/onnxruntime-telemetry.test.ts proves no file appears in a fresh HOME after loading and
 * running the models.
 */
import { FaceVaultError } from '../errors/facevault-error.ts';

export const ORT_TELEMETRY_ENV = 'ORT_DISABLE_TELEMETRY';

/**
 * Sets ORT_DISABLE_TELEMETRY=1 in the process environment (idempotent). Effective on the main thread only —
 * the callers are the worker host (before `new Worker`) and the main-thread session loader; the worker itself
 * asserts instead.
 */
export function disableOnnxRuntimeTelemetry(): void {
  process.env[ORT_TELEMETRY_ENV] = '1';
}

/** Throws MODEL_LOAD_FAILED unless this thread's environment says onnxruntime telemetry is off. */
export function assertOnnxRuntimeTelemetryOff(): void {
  if (process.env[ORT_TELEMETRY_ENV] !== '1') {
    throw new FaceVaultError(
      'MODEL_LOAD_FAILED',
      'onnxruntime telemetry is not switched off (ORT_DISABLE_TELEMETRY must be 1 before the inference worker starts)',
    );
  }
}
