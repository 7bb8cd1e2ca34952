/**
 * Builds the main-process services from adapters, with no Electron import, so the app, the e2e harness and
 * tests assemble exactly the same IPC surface. Later concerns (keys, models, face pipeline, lock screen,
 * file locking) are constructed here and passed to the channel specs.
 */
import type { AppStatus } from '../shared/ipc-contract.ts';
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
  /** Overrides the frame consumer (tests that inspect raw frames). */
  readonly frameConsumer?: FrameConsumer;
  readonly now?: Clock;
  readonly log?: (line: string) => void;
}

export interface MainServices {
  readonly router: IpcRouter;
  readonly frames: FrameSink;
  status(): AppStatus;
}

export function createMainServices(opts: MainServicesOptions): MainServices {
  const frames = createFrameSink(opts.frameConsumer ?? opts.models?.consumer);
  const log = opts.log ?? (() => {});
  const status = (): AppStatus => ({
    appVersion: opts.appVersion,
    ...(opts.models?.status() ?? { models: 'not-loaded', keyStore: 'not-opened', problem: null }),
  });
  const router = createIpcRouter({
    trustedOrigins: opts.trustedOrigins,
    specs: channelSpecs({ status, frames }),
    ...(opts.now ? { now: opts.now } : {}),
    // Codes and channel names only: payloads may contain frames.
    onRejected: (channel, code) => log(`ipc ${channel} rejected: ${code}`),
    onInternalError: (channel, e) => log(`ipc ${channel} internal error: ${e instanceof Error ? e.name : 'unknown'}`),
  });
  return { router, frames, status };
}
