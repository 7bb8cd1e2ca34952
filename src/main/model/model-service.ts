/**
 * Owns the life cycle of the protected models in the main process: ask the key service (keys/key-service.ts,
 * which owns the device keys and is shared with auth) for the device keys, read the catalog, unlock and load every model (model-set.ts), build the face pipeline, then re-verify the bundles
 * on a timer. Any failure — no key-store backend, a locked keychain, a tampered or foreign bundle, a
 * missing licence — becomes a typed, user-presentable status instead of a crash, and a bundle that fails
 * its periodic re-check unloads the models at once (frames then get 'models-not-ready').
 * No Electron import: the app, the e2e harness and tests drive the same service.
 */
import type { AppStatus, ModelSetInfo, ModelsState } from '../../shared/ipc-contract.ts';
import { isFaceVaultError } from '../errors/facevault-error.ts';
import { parseDescriptor } from '../face/family.ts';
import type { FrameAnalyzer } from '../face/pipeline.ts';
import { spawnPipelineWorker, type WorkerPipeline } from '../face/pipeline-worker-host.ts';
import type { ModelSource } from '../face/worker-protocol.ts';
import type { KeyService } from '../keys/key-service.ts';
import type { DeviceKeys } from '../keys/open-device-keys.ts';
import { ModelCatalogError, type ModelRole } from './model-catalog.ts';
import type { ModelSet, OpenedModel } from './model-set.ts';

export interface ModelServiceOptions {
  /** The device keys' owner (shared with auth); this service opens them but never closes them. */
  readonly keys: KeyService;
  /**
   * Opens the model set. `keys` is the key store still opening: pass it to openModelSet as is, so the
   * bundles are verified meanwhile. Pass `onModel` too, so each model goes to the inference worker as soon
   * as it is decrypted (models never reported are handed over when the set is complete).
   */
  readonly openModels: (
    keys: Promise<DeviceKeys>,
    onModel: (model: OpenedModel) => void,
  ) => Promise<ModelSet>;
  /** Periodic re-verification of the bundle files; 0 disables the timer (tests call `verifyNow`). */
  readonly verifyEveryMs: number;
  readonly log?: (line: string) => void;
}

export interface ModelService {
  start(): Promise<void>;
  status(): Pick<AppStatus, 'models' | 'keyStore' | 'problem'>;
  /** The live pipeline (in a worker thread: onnxruntime's run blocks its thread), or null unless ready. */
  pipeline(): FrameAnalyzer | null;
  /** The embedder's calibrated cosine threshold (its descriptor's verifyThreshold); null without one. */
  verifyThreshold(): number | null;
  /** The catalog roles of the loaded models (empty unless ready). */
  roles(): readonly ModelRole[];
  verifyNow(): Promise<boolean>;
  /** What is loaded (roles, ids, versions, signer, last verified), null unless ready. No secrets. */
  info(): ModelSetInfo | null;
  /**
   * Unloads the models for a reason found outside this service (e.g. the app's own files failed their
   * integrity check): status becomes 'error' with `problem`, and start() refuses from then on.
   */
  refuse(problem: string): Promise<void>;
  stop(): Promise<void>;
}

const sourceOf = (m: OpenedModel): ModelSource => ({
  bytes: m.plaintext,
  descriptor: parseDescriptor(m.descriptor),
});

/**
 * Unlocks the models straight into the inference worker: the worker is spawned FIRST (thread start and
 * onnxruntime loading overlap the key store and the decryption), and each model is transferred to it the
 * moment it is decrypted, so its session is created there while this thread decrypts the next one. The
 * worker wipes every buffer after session creation. On failure the worker is closed after the loads already
 * sent have finished (so their buffers were wiped) and the error is rethrown.
 */
/**
 * The decision threshold of a loaded set: the fusion model's joint threshold when the set has one (its
 * `fusion.withModelId` was checked against the embedder by `checkFusion`), else the embedder's own.
 */
function setThreshold(set: ModelSet): number | null {
  const f = set.models.find((m) => m.role === 'fusion');
  if (f) {
    const d = parseDescriptor(f.descriptor);
    return 'fusion' in d && d.fusion !== undefined ? d.fusion.verifyThreshold : null;
  }
  const e = set.models.find((m) => m.role === 'embedder');
  if (!e) return null;
  const d = parseDescriptor(e.descriptor);
  return 'verifyThreshold' in d ? d.verifyThreshold : null;
}

/**
 * A fusion model's joint threshold holds only for the embedder it was calibrated with: refuses
 * (MODEL_CATALOG_INVALID) a set whose fusion model has no fusion settings or names another embedder.
 */
export function checkFusion(models: readonly { role: string; modelId: string; descriptor: unknown }[]): void {
  const f = models.find((m) => m.role === 'fusion');
  if (!f) return;
  const d = parseDescriptor(f.descriptor);
  const e = models.find((m) => m.role === 'embedder');
  if (!('fusion' in d) || d.fusion === undefined)
    throw new ModelCatalogError(`fusion model "${f.modelId}" has no fusion settings`);
  if (e?.modelId !== d.fusion.withModelId)
    throw new ModelCatalogError(
      `fusion model "${f.modelId}" is calibrated with embedder "${d.fusion.withModelId}", not "${e?.modelId ?? 'none'}"`,
    );
}

export async function unlockIntoWorker(
  openKeys: () => Promise<DeviceKeys>,
  openModels: ModelServiceOptions['openModels'],
  onKeys: (keys: DeviceKeys) => void = () => {},
): Promise<{ keys: DeviceKeys; set: ModelSet; pipe: WorkerPipeline }> {
  const loader = spawnPipelineWorker();
  const loads: Promise<void>[] = [];
  const handed = new Set<OpenedModel>();
  const hand = (m: OpenedModel): void => {
    if (handed.has(m)) return;
    handed.add(m);
    const p = loader.load(m.role, sourceOf(m));
    p.catch(() => {}); // observed below via allSettled / all
    loads.push(p);
  };
  // The key store opens while the bundles are read and verified (openModelSet takes the promise).
  const keysPromise = openKeys().then((k) => {
    onKeys(k);
    return k;
  });
  keysPromise.catch(() => {}); // observed through openModels / below
  try {
    const set = await openModels(keysPromise, hand);
    try {
      checkFusion(set.models); // before the pipeline starts (a refused set never analyses a frame)
      for (const m of set.models) hand(m);
      if (!set.models.some((m) => m.role === 'detector')) throw new Error('catalog without a detector'); // schema refuses this already
      await Promise.all(loads);
      const pipe = await loader.start();
      return { keys: await keysPromise, set, pipe };
    } finally {
      set.release(); // wipes whatever was not transferred (nothing, normally)
    }
  } catch (e) {
    // Keys that arrive after a bundle failed are still handed to onKeys (the owner closes them).
    await Promise.allSettled([keysPromise, ...loads]);
    await loader.close();
    throw e;
  }
}

export function createModelService(o: ModelServiceOptions): ModelService {
  const log = o.log ?? (() => {});
  let models: ModelsState = 'not-loaded';
  let problem: string | null = null;
  let set: ModelSet | null = null;
  let pipe: WorkerPipeline | null = null;
  let timer: ReturnType<typeof setInterval> | undefined;
  let refused: string | null = null;
  let verifiedAt: number | null = null;

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
    if (failures.length === 0) {
      verifiedAt = Date.now();
      return true;
    }
    const f = failures[0]!;
    models = 'error';
    problem = `${f.code}: model "${f.modelId}" failed its integrity check (${f.message}); models unloaded`;
    log(`models: integrity check failed for ${f.role} (${f.code})`);
    await unload();
    return false;
  }

  return {
    pipeline: () => pipe,
    verifyThreshold: () => (set ? setThreshold(set) : null),
    verifyNow,
    info: () =>
      set && pipe
        ? {
            vendorKeyId: set.signerKeyId ?? 'unknown',
            models: set.models.map((m) => ({
              role: m.role,
              modelId: m.modelId,
              modelVersion: m.modelVersion,
            })),
            verifiedAt,
          }
        : null,
    roles: () => (pipe && set ? set.models.map((m) => m.role) : []),
    status: () => ({ models, keyStore: o.keys.state(), problem }),
    async start() {
      if (refused !== null) return;
      models = 'loading';
      problem = null;
      let keysOpened = false;
      try {
        const r = await unlockIntoWorker(
          () => o.keys.open(),
          o.openModels,
          () => {
            keysOpened = true;
          },
        );
        set = r.set;
        pipe = r.pipe;
        if (refused !== null) {
          await unload(); // refused while the models were loading
          return;
        }
        models = 'ready';
        verifiedAt = Date.now(); // every bundle was verified (signature, digest pin, licence) as it loaded
        log(`models: ready (${set.models.map((m) => `${m.role}:${m.licence}`).join(', ')})`);
      } catch (e) {
        await unload();
        fail(keysOpened ? 'loading the models' : 'opening the device key store', e);
        return;
      }
      if (o.verifyEveryMs > 0) {
        timer = setInterval(() => void verifyNow(), o.verifyEveryMs);
        timer.unref();
      }
    },
    async refuse(reason) {
      refused = reason;
      if (timer) clearInterval(timer);
      models = 'error';
      problem = reason;
      log('models: refused (unloaded)');
      await unload();
    },
    async stop() {
      if (timer) clearInterval(timer);
      await unload(); // the keys belong to the key service: its owner closes them
    },
  };
}
