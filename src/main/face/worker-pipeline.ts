/**
 * Main-thread handle to a FacePipeline running in a worker thread (see pipeline-worker.ts for why).
 * Same `analyzeFrame` contract as the in-thread pipeline; errors come back as FaceVaultErrors with their
 * stable codes. Frames are copied once into a transferable buffer so the caller keeps its own.
 */
import { Worker } from 'node:worker_threads';
import { FaceVaultError } from '../errors/facevault-error.ts';
import type { Frame, FrameInput } from './frame.ts';
import type { AnalyzeOptions, FrameAnalysis, PipelineOptions } from './pipeline.ts';
import type { WorkerModels, WorkerReply, WorkerRequest } from './worker-protocol.ts';

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
 * `intraOpNumThreads` defaults to 1: on the 2-core machines measured (docs/face-pipeline.md) onnxruntime's
 * default pool (one thread per core, spinning) made per-frame latency several times worse as soon as anything
 * else ran, while one thread in the worker left the second core to the app. 0 = onnxruntime's default.
 */
export async function createWorkerPipeline(
  models: WorkerModels,
  options: PipelineOptions = {},
  intraOpNumThreads = 1,
): Promise<WorkerPipeline> {
  const worker = new Worker(workerEntry());
  const pending = new Map<number, { resolve: (v: FrameAnalysis | null) => void; reject: (e: unknown) => void }>();
  let nextId = 1;
  worker.on('message', (reply: WorkerReply) => {
    const p = pending.get(reply.id);
    if (p === undefined) return;
    pending.delete(reply.id);
    if (reply.ok) p.resolve(reply.value);
    else p.reject(new FaceVaultError(reply.error.code, reply.error.message));
  });
  worker.on('error', (e) => {
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  });
  const send = (req: WorkerRequest, transfer: ArrayBuffer[]): Promise<FrameAnalysis | null> =>
    new Promise((resolve, reject) => {
      pending.set(req.id, { resolve, reject });
      worker.postMessage(req, transfer);
    });

  // Transferred, not copied: the caller's model byte arrays are detached afterwards (one plaintext copy fewer).
  const modelBuffers = [
    ...new Set(
      [models.detector, models.embedder, ...(models.antispoof ?? [])]
        .filter((m) => m !== undefined)
        .map((m) => m.bytes.buffer)
        .filter((b): b is ArrayBuffer => b instanceof ArrayBuffer),
    ),
  ];
  await send({ kind: 'init', id: nextId++, models, options, intraOpNumThreads }, modelBuffers);

  return {
    async analyzeFrame(frame, opts = {}) {
      const copy = new Uint8Array(frame.data.byteLength);
      copy.set(frame.data);
      const format = 'format' in frame ? frame.format : frame.channels === 4 ? 'rgba' : 'rgb';
      const msg: FrameInput = { data: copy, width: frame.width, height: frame.height, format, stride: frame.stride ?? frame.width * (format === 'rgba' ? 4 : 3) };
      const value = await send(
        { kind: 'analyze', id: nextId++, frame: msg, options: opts },
        [copy.buffer],
      );
      if (value === null) throw new FaceVaultError('IPC_INTERNAL', 'worker answered an analyze request with no analysis');
      return value;
    },
    async close() {
      await worker.terminate();
    },
  };
}
