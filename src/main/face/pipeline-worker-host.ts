/**
 * Main-thread handle to a FacePipeline running in a worker thread (see pipeline-worker.ts for why).
 * Same `analyzeFrame` contract as the in-thread pipeline; errors come back as FaceVaultErrors with their
 * stable codes. Frames are copied once into a transferable buffer so the caller keeps its own.
 */
import { Worker } from 'node:worker_threads';
import { FaceVaultError } from '../errors/facevault-error.ts';
import { disableOnnxRuntimeTelemetry } from './ort-telemetry.ts';
import type { Frame, FrameInput } from './frame.ts';
import type { AnalyzeOptions, FrameAnalysis, PipelineOptions } from './pipeline.ts';
import type { ModelSlot, ModelSource, WorkerModels, WorkerReply, WorkerRequest } from './worker-protocol.ts';

/**
 * The worker's entry file beside this module: `pipeline-worker.ts` when running from source (Node 24 strips
 * types), `pipeline-worker.js` in the electron-vite build, where it is a separate entry next to index.js.
 */
function workerEntry(): URL {
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return new URL(`./pipeline-worker.${ext}`, import.meta.url);
}

export interface WorkerPipeline {
  analyzeFrame(frame: FrameInput | Frame, options?: AnalyzeOptions): Promise<FrameAnalysis>;
  close(): Promise<void>;
}

/**
 * A started worker that is still receiving its models. Spawn it first — the thread start and the loading of
 * onnxruntime then overlap whatever produces the models (key store, decryption) — and `load` each model as
 * soon as it exists: its session is created in the worker while the caller prepares the next one.
 * `load` transfers the bytes (the caller's array is detached) and the worker wipes them after session
 * creation, success or not.
 */
export interface PipelineWorkerLoader {
  load(slot: ModelSlot, model: ModelSource): Promise<void>;
  /** Assembles the pipeline from the loaded models (after every `load` has resolved). */
  start(options?: PipelineOptions): Promise<WorkerPipeline>;
  close(): Promise<void>;
}

/**
 * `intraOpNumThreads` defaults to 1: on the 2-core machines measured (docs/face-pipeline.md) onnxruntime's
 * default pool (one thread per core, spinning) made per-frame latency several times worse as soon as anything
 * else ran, while one thread in the worker left the second core to the app. 0 = onnxruntime's default.
 */
export function spawnPipelineWorker(intraOpNumThreads = 1): PipelineWorkerLoader {
  // Before the thread starts: the worker's onnxruntime reads the real process environment (ort-telemetry.ts).
  disableOnnxRuntimeTelemetry();
  const worker = new Worker(workerEntry());
  const pending = new Map<
    number,
    { resolve: (v: FrameAnalysis | null) => void; reject: (e: unknown) => void }
  >();
  let nextId = 1;
  let dead: Error | null = null;
  worker.on('message', (reply: WorkerReply) => {
    const p = pending.get(reply.id);
    if (p === undefined) return;
    pending.delete(reply.id);
    if (reply.ok) p.resolve(reply.value);
    else p.reject(new FaceVaultError(reply.error.code, reply.error.message));
  });
  const failAll = (e: unknown): void => {
    dead = e instanceof Error ? e : new FaceVaultError('IPC_INTERNAL', 'inference worker failed');
    for (const p of pending.values()) p.reject(dead);
    pending.clear();
  };
  worker.on('error', failAll);
  worker.on('exit', (code) =>
    failAll(new FaceVaultError('IPC_INTERNAL', `inference worker exited (code ${code})`)),
  );
  const send = (req: WorkerRequest, transfer: ArrayBuffer[]): Promise<FrameAnalysis | null> =>
    new Promise((resolve, reject) => {
      if (dead !== null) {
        reject(dead);
        return;
      }
      pending.set(req.id, { resolve, reject });
      worker.postMessage(req, transfer);
    });
  const close = async (): Promise<void> => {
    await worker.terminate();
  };

  const pipeline: WorkerPipeline = {
    async analyzeFrame(frame, opts = {}) {
      const copy = new Uint8Array(frame.data.byteLength);
      copy.set(frame.data);
      const format = 'format' in frame ? frame.format : frame.channels === 4 ? 'rgba' : 'rgb';
      const msg: FrameInput = {
        data: copy,
        width: frame.width,
        height: frame.height,
        format,
        stride: frame.stride ?? frame.width * (format === 'rgba' ? 4 : 3),
      };
      const value = await send({ kind: 'analyze', id: nextId++, frame: msg, options: opts }, [copy.buffer]);
      if (value === null)
        throw new FaceVaultError('IPC_INTERNAL', 'worker answered an analyze request with no analysis');
      return value;
    },
    close,
  };

  return {
    async load(slot, model) {
      // Transferred, not copied: one plaintext copy fewer, and the caller cannot keep using it by mistake.
      const transfer = model.bytes.buffer instanceof ArrayBuffer ? [model.bytes.buffer] : [];
      await send({ kind: 'load', id: nextId++, slot, model, intraOpNumThreads }, transfer);
    },
    async start(options = {}) {
      await send({ kind: 'start', id: nextId++, options }, []);
      return pipeline;
    },
    close,
  };
}

/** Spawns the worker and loads a complete model set at once (tests, benchmarks). */
export async function createWorkerPipeline(
  models: WorkerModels,
  options: PipelineOptions = {},
  intraOpNumThreads = 1,
): Promise<WorkerPipeline> {
  const loader = spawnPipelineWorker(intraOpNumThreads);
  try {
    const loads = [loader.load('detector', models.detector)];
    if (models.embedder) loads.push(loader.load('embedder', models.embedder));
    if (models.landmarks) loads.push(loader.load('landmarks', models.landmarks));
    for (const m of models.antispoof ?? []) loads.push(loader.load('antispoof', m));
    if (models.mesh) loads.push(loader.load('mesh', models.mesh));
    if (models.fusion) loads.push(loader.load('fusion', models.fusion));
    await Promise.all(loads);
    return await loader.start(options);
  } catch (e) {
    await loader.close();
    throw e;
  }
}
