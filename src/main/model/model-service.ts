/**
 * Owns the life cycle of the protected models in the main process: open the device keys, read the
 * catalog, unlock and load every model (model-set.ts), build the face pipeline, then re-verify the bundles
 * on a timer. Any failure — no key-store backend, a locked keychain, a tampered or foreign bundle, a
 * missing licence — becomes a typed, user-presentable status instead of a crash, and a bundle that fails
 * its periodic re-check unloads the models at once (frames then get 'models-not-ready').
 * No Electron import: the app, the e2e harness and tests drive the same service.
 */
import type { AppStatus, ModelsState } from '../../shared/ipc-contract.ts';
import { isFaceVaultError } from '../errors/facevault-error.ts';
import { parseDescriptor } from '../face/family.ts';
import type { FrameAnalyzer } from '../face/pipeline.ts';
import { createWorkerPipeline, type WorkerPipeline } from '../face/worker-pipeline.ts';
import type { ModelSource } from '../face/worker-protocol.ts';
import type { DeviceKeys } from '../keys/open-device-keys.ts';
import type { ModelSet, OpenedModel } from './model-set.ts';

export interface ModelServiceOptions {
  readonly openKeys: () => Promise<DeviceKeys>;
  readonly openModels: (keys: DeviceKeys) => Promise<ModelSet>;
  /** Periodic re-verification of the bundle files; 0 disables the timer (tests call `verifyNow`). */
  readonly verifyEveryMs: number;
  readonly log?: (line: string) => void;
}

export interface ModelService {
  start(): Promise<void>;
  status(): Pick<AppStatus, 'models' | 'keyStore' | 'problem'>;
  /** The live pipeline (in a worker thread: onnxruntime's run blocks its thread), or null unless ready. */
  pipeline(): FrameAnalyzer | null;
  /** The open device keys (for template / counter keys); null unless models are ready. */
  deviceKeys(): DeviceKeys | null;
  /** The embedder's calibrated cosine threshold (its descriptor's verifyThreshold); null without one. */
  verifyThreshold(): number | null;
  verifyNow(): Promise<boolean>;
  stop(): Promise<void>;
}

const sourceOf = (m: OpenedModel): ModelSource => ({ bytes: m.plaintext, descriptor: parseDescriptor(m.descriptor) });

/** Hands the decrypted models to the inference worker by transfer; the worker wipes them after session creation. */
export function buildWorkerPipeline(set: ModelSet): Promise<WorkerPipeline> {
  const by = (role: OpenedModel['role']) => set.models.filter((m) => m.role === role).map(sourceOf);
  const [detector] = by('detector');
  if (!detector) throw new Error('catalog without a detector'); // the catalog schema already refuses this
  const [embedder] = by('embedder');
  return createWorkerPipeline({ detector, ...(embedder ? { embedder } : {}), antispoof: by('antispoof') });
}

export function createModelService(o: ModelServiceOptions): ModelService {
  const log = o.log ?? (() => {});
  let models: ModelsState = 'not-loaded';
  let keyStore: AppStatus['keyStore'] = 'not-opened';
  let problem: string | null = null;
  let keys: DeviceKeys | null = null;
  let set: ModelSet | null = null;
  let pipe: WorkerPipeline | null = null;
  let timer: ReturnType<typeof setInterval> | undefined;

  const fail = (what: string, e: unknown): void => {
    models = 'error';
    problem = isFaceVaultError(e) ? `${e.code}: ${e.message}` : `${what} failed`;
    log(`models: ${what} failed (${isFaceVaultError(e) ? e.code : e instanceof Error ? e.name : 'unknown'})`);
  };

  async function unload(): Promise<void> {
    const p = pipe;
    pipe = null;
    const s = set;
    set = null;
    s?.release();
    await p?.close();
  }

  async function verifyNow(): Promise<boolean> {
    if (!set) return false;
    const failures = await set.verify();
    if (failures.length === 0) return true;
    const f = failures[0]!;
    models = 'error';
    problem = `${f.code}: model "${f.modelId}" failed its integrity check (${f.message}); models unloaded`;
    log(`models: integrity check failed for ${f.role} (${f.code})`);
    await unload();
    return false;
  }

  return {
    pipeline: () => pipe,
    deviceKeys: () => (pipe ? keys : null),
    verifyThreshold: () => {
      const e = set?.models.find((m) => m.role === 'embedder');
      if (!e) return null;
      const d = parseDescriptor(e.descriptor);
      return 'verifyThreshold' in d ? d.verifyThreshold : null;
    },
    verifyNow,
    status: () => ({ models, keyStore, problem }),
    async start() {
      models = 'loading';
      problem = null;
      try {
        keys = await o.openKeys();
        keyStore = keys.backend;
      } catch (e) {
        keyStore = 'unavailable';
        fail('opening the device key store', e);
        return;
      }
      try {
        set = await o.openModels(keys);
        pipe = await buildWorkerPipeline(set);
        set.release(); // wipes whatever was not transferred (nothing, normally)
        models = 'ready';
        log(`models: ready (${set.models.map((m) => `${m.role}:${m.licence}`).join(', ')})`);
      } catch (e) {
        await unload();
        fail('loading the models', e);
        return;
      }
      if (o.verifyEveryMs > 0) {
        timer = setInterval(() => void verifyNow(), o.verifyEveryMs);
        timer.unref();
      }
    },
    async stop() {
      if (timer) clearInterval(timer);
      await unload();
      await keys?.close();
      keys = null;
    },
  };
}
