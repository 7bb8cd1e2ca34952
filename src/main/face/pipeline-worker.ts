/**
 * worker_threads entry that owns a FacePipeline. onnxruntime-node's `session.run` executes synchronously on
 * the calling JS thread (its promise only defers the call with setImmediate), so inference on the main
 * thread blocks the event loop for the whole model time; this worker keeps it off. Protocol (structured
 * clone): one `load` per model (bytes transferred, session created at once, bytes wiped), then `start`, then
 * `analyze` requests; every request is answered in arrival order with a `Result`-shaped reply.
 */
import { parentPort } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import { isFaceVaultError } from '../errors/facevault-error.ts';
import { assertOnnxRuntimeTelemetryOff } from './ort-telemetry.ts';
import { parseDescriptor, type ModelHandle } from './family.ts';
import {
  createFacePipeline,
  type AnalyzeOptions,
  type FacePipeline,
  type FrameAnalysis,
  type PipelineOptions,
} from './pipeline.ts';
import type { FrameInput } from './frame.ts';
import type { WorkerReply, WorkerRequest, ModelSource } from './worker-protocol.ts';

const port = parentPort;
if (port === null) throw new Error('pipeline-worker.ts must run inside a worker thread');

let pipeline: FacePipeline | undefined;
const loaded: {
  detector?: ModelHandle;
  embedder?: ModelHandle;
  landmarks?: ModelHandle;
  mesh?: ModelHandle;
  fusion?: ModelHandle;
  antispoof: ModelHandle[];
} = { antispoof: [] };

async function open(src: ModelSource, intraOpNumThreads: number | undefined): Promise<ModelHandle> {
  try {
    // The runtime latches its telemetry decision at the first session: refuse rather than create it with telemetry on.
    assertOnnxRuntimeTelemetryOff();
    // The descriptor crossed a thread boundary: parse it again rather than trust the shape.
    const descriptor = parseDescriptor(src.descriptor);
    const session = await ort.InferenceSession.create(src.bytes, {
      logSeverityLevel: 3,
      ...(intraOpNumThreads === undefined || intraOpNumThreads === 0 ? {} : { intraOpNumThreads }), // 0: onnxruntime's default
    });
    return { session, descriptor };
  } finally {
    src.bytes.fill(0); // wiped whether or not the session was created
  }
}

async function handle(msg: WorkerRequest): Promise<FrameAnalysis | null> {
  if (msg.kind === 'load') {
    if (pipeline !== undefined) throw new Error('pipeline already started');
    const h = await open(msg.model, msg.intraOpNumThreads);
    if (msg.slot === 'antispoof') loaded.antispoof.push(h);
    else if (loaded[msg.slot] !== undefined) throw new Error(`a ${msg.slot} model is already loaded`);
    else loaded[msg.slot] = h;
    return null;
  }
  if (msg.kind === 'start') {
    if (pipeline !== undefined) throw new Error('pipeline already started');
    const { detector, embedder, landmarks, mesh, fusion, antispoof } = loaded;
    if (detector === undefined) throw new Error('no detector model was loaded');
    const options: PipelineOptions = msg.options;
    pipeline = createFacePipeline(
      {
        detector,
        ...(embedder === undefined ? {} : { embedder }),
        ...(landmarks === undefined ? {} : { landmarks }),
        ...(mesh === undefined ? {} : { mesh }),
        ...(fusion === undefined ? {} : { fusion }),
        antispoof,
      },
      options,
    );
    return null;
  }
  if (pipeline === undefined) throw new Error('worker not initialised');
  const frame: FrameInput = msg.frame;
  const options: AnalyzeOptions = msg.options;
  return pipeline.analyzeFrame(frame, options);
}

const errorReply = (id: number, e: unknown): WorkerReply => ({
  id,
  ok: false,
  error: isFaceVaultError(e)
    ? e.toInfo()
    : { code: 'IPC_INTERNAL', message: e instanceof Error ? e.message : String(e) },
});

// Requests are handled strictly in arrival order (a load must finish before start sees it).
let queue: Promise<void> = Promise.resolve();
port.on('message', (msg: WorkerRequest) => {
  queue = queue.then(async () => {
    try {
      const value = await handle(msg);
      port.postMessage({ id: msg.id, ok: true, value } satisfies WorkerReply);
    } catch (e) {
      port.postMessage(errorReply(msg.id, e));
    }
  });
});
