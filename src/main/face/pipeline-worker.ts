/**
 * worker_threads entry that owns a FacePipeline. onnxruntime-node's `session.run` executes synchronously on
 * the calling JS thread (its promise only defers the call with setImmediate), so inference on the main
 * thread blocks the event loop for the whole model time; this worker keeps it off. Protocol (structured
 * clone): `init` with model bytes (transferred) + descriptors, then `analyze` requests answered in order with
 * `Result`-shaped replies. Model bytes are dropped once the sessions exist.
 */
import { parentPort } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import { isFaceVaultError } from '../errors/facevault-error.ts';
import { parseDescriptor, type ModelHandle } from './family.ts';
import { createFacePipeline, type AnalyzeOptions, type FacePipeline, type PipelineOptions } from './pipeline.ts';
import type { FrameInput } from './frame.ts';
import type { WorkerReply, WorkerRequest, ModelSource } from './worker-protocol.ts';

const port = parentPort;
if (port === null) throw new Error('pipeline-worker.ts must run inside a worker thread');

let pipeline: FacePipeline | undefined;

async function open(src: ModelSource, intraOpNumThreads: number | undefined): Promise<ModelHandle> {
  // The descriptor crossed a thread boundary: parse it again rather than trust the shape.
  const descriptor = parseDescriptor(src.descriptor);
  const session = await ort.InferenceSession.create(src.bytes, {
    logSeverityLevel: 3,
    ...(intraOpNumThreads === undefined || intraOpNumThreads === 0 ? {} : { intraOpNumThreads }), // 0: onnxruntime's default
  });
  src.bytes.fill(0);
  return { session, descriptor };
}

const errorReply = (id: number, e: unknown): WorkerReply => ({
  id,
  ok: false,
  error: isFaceVaultError(e) ? e.toInfo() : { code: 'IPC_INTERNAL', message: e instanceof Error ? e.message : String(e) },
});

port.on('message', (msg: WorkerRequest) => {
  void (async (): Promise<void> => {
    try {
      if (msg.kind === 'init') {
        const t = msg.intraOpNumThreads;
        const detector = await open(msg.models.detector, t);
        const embedder = msg.models.embedder === undefined ? undefined : await open(msg.models.embedder, t);
        const antispoof = await Promise.all((msg.models.antispoof ?? []).map((m) => open(m, t)));
        const options: PipelineOptions = msg.options;
        pipeline = createFacePipeline({ detector, ...(embedder === undefined ? {} : { embedder }), antispoof }, options);
        port.postMessage({ id: msg.id, ok: true, value: null } satisfies WorkerReply);
        return;
      }
      if (pipeline === undefined) throw new Error('worker not initialised');
      const frame: FrameInput = msg.frame;
      const options: AnalyzeOptions = msg.options;
      const value = await pipeline.analyzeFrame(frame, options);
      port.postMessage({ id: msg.id, ok: true, value } satisfies WorkerReply);
    } catch (e) {
      port.postMessage(errorReply(msg.id, e));
    }
  })();
});
