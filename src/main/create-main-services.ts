/**
 * Builds the main-process services from adapters, with no Electron import, so the app, the e2e harness and
 * tests assemble exactly the same IPC surface. Later concerns (keys, models, face pipeline, lock screen,
 * file locking) are constructed here and passed to the channel specs.
 */
import type { AppIntegrity, AppStatus } from '../shared/ipc-contract.ts';
import { createFaceAuthProvider, type FaceAuthProvider } from './auth/face-auth-provider.ts';
import { createFaceFlow, type FaceFlow } from './auth/face-flow.ts';
import { createFrameSink, type FrameConsumer, type FrameSink } from './camera/frame-sink.ts';
import { channelSpecs } from './ipc/channels.ts';
import { createIpcRouter, type IpcRouter } from './ipc/router.ts';
import type { Clock } from './ipc/rate-limit.ts';
import type { ModelService } from './model/model-service.ts';

export interface MainServicesOptions {
  readonly appVersion: string;
  readonly trustedOrigins: readonly string[];
  /** The protected models; frames go to its pipeline. Without it, frames get 'models-not-ready'. */
  readonly models?: ModelService;
  /** Where encrypted face templates and attempt counters live (required with `models`). */
  readonly templatesDir?: string;
  /** The one user these templates belong to (the OS account running the app). */
  readonly userId?: string;
  /** Overrides the frame consumer (tests that inspect raw frames). */
  readonly frameConsumer?: FrameConsumer;
  /**
   * The app-resource integrity state (app/resource-guard.ts IntegrityMonitor.status). Without it the host
   * checks nothing, and the status says so ('unsealed') rather than claiming a check.
   */
  readonly appIntegrity?: () => AppIntegrity;
  readonly now?: Clock;
  readonly log?: (line: string) => void;
}

export interface MainServices {
  readonly router: IpcRouter;
  readonly frames: FrameSink;
  readonly flow: FaceFlow;
  readonly faceAuth: FaceAuthProvider | null;
  status(): AppStatus;
}

const NOT_CHECKED: AppIntegrity = { state: 'unsealed', problem: 'This host does not check the app’s own files.' };

export function createMainServices(opts: MainServicesOptions): MainServices {
  const models = opts.models;
  const faceAuth = models && opts.templatesDir ? createFaceAuthProvider({ models, dir: opts.templatesDir }) : null;
  const flow = createFaceFlow({
    userId: opts.userId ?? 'owner',
    pipeline: () => models?.pipeline() ?? null,
    auth: () => {
      // Keys are derived on first use; frames keep flowing (as preview) until the instance exists.
      if (faceAuth && !faceAuth.current()) void faceAuth.get();
      return faceAuth?.current() ?? null;
    },
  });
  const frames = createFrameSink(opts.frameConsumer ?? flow.consumer);
  const log = opts.log ?? (() => {});
  const status = (): AppStatus => ({
    appVersion: opts.appVersion,
    ...(opts.models?.status() ?? { models: 'not-loaded', keyStore: 'not-opened', problem: null }),
    appIntegrity: opts.appIntegrity?.() ?? NOT_CHECKED,
  });
  const router = createIpcRouter({
    trustedOrigins: opts.trustedOrigins,
    specs: channelSpecs({ status, frames, flow, ready: async () => void (await faceAuth?.get()) }),
    ...(opts.now ? { now: opts.now } : {}),
    // Codes and channel names only: payloads may contain frames.
    onRejected: (channel, code) => log(`ipc ${channel} rejected: ${code}`),
    onInternalError: (channel, e) => log(`ipc ${channel} internal error: ${e instanceof Error ? e.name : 'unknown'}`),
  });
  return { router, frames, flow, faceAuth, status };
}
