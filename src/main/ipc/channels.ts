/**
 * Binds each channel of the contract to its schema, bounds and handler. The only place that says how
 * large and how frequent each call may be. Handlers receive already-validated payloads.
 */
import { FRAME_MAX_BYTES, FRAME_MAX_FPS } from '../../shared/frame-limits.ts';
import type { AppStatus } from '../../shared/ipc-contract.ts';
import type { FaceFlow } from '../auth/face-flow.ts';
import type { FrameSink } from '../camera/frame-sink.ts';
import { FileLockError } from '../filelock/errors.ts';
import type { CliRequests } from '../filelock/cli-requests.ts';
import type { FileLockService } from '../filelock/file-lock-service.ts';
import type { DesktopUnlock } from '../desktop/desktop-unlock.ts';
import type { ChannelSpecs } from './router.ts';
import type { Vault } from '../vault/vault.ts';
import { vaultChannelSpecs } from './vault-channels.ts';
import { FILE_PATH_MAX_CHARS, FILES_MAX_PATHS, requestSchemas } from './schemas.ts';

export interface ChannelDeps {
  readonly status: () => AppStatus;
  readonly frames: FrameSink;
  /** Every named flow call awaits the models and the face-auth keys itself (typed error result if not ready). */
  readonly flow: FaceFlow;
  /** The vault (created on first use once the device keys are open; typed error result otherwise). */
  readonly vault: () => Promise<Vault>;
  /** File locking (files:*); resolves once interrupted operations are recovered and the list is loaded. */
  readonly files?: () => Promise<FileLockService>;
  /** What the command line waits for (files:cli-requests); absent: an empty list, deny is a no-op. */
  readonly cliRequests?: CliRequests;
  readonly desktop: DesktopUnlock;
}

/** Small control calls: a human clicks them, so a few per second is plenty. */
const control = { maxBytes: 64, rate: { perSecond: 5, burst: 5 }, exclusive: true } as const;
/** files:* actions: a click or a drop each; the list is polled a few times a second while work runs. */
const fileAction = { maxBytes: 128, rate: { perSecond: 5, burst: 10 }, exclusive: true } as const;

export function channelSpecs(deps: ChannelDeps): ChannelSpecs {
  const files = (): Promise<FileLockService> =>
    deps.files
      ? deps.files()
      : Promise.reject(
          new FileLockError('FILELOCK_UNSUPPORTED', 'File locking is not available in this host.'),
        );
  return {
    ...vaultChannelSpecs({ vault: deps.vault }),
    'app:get-status': {
      schema: requestSchemas['app:get-status'],
      maxBytes: 64,
      rate: { perSecond: 10, burst: 10 },
      exclusive: false,
      handler: async () => deps.status(),
    },
    'camera:submit-frame': {
      schema: requestSchemas['camera:submit-frame'],
      // The frame plus its small metadata object.
      maxBytes: FRAME_MAX_BYTES + 1024,
      // A little headroom over the renderer's pump so timer jitter never drops honest frames.
      rate: { perSecond: FRAME_MAX_FPS + 3, burst: 3 },
      exclusive: true,
      handler: async ([meta, pixels]) => deps.frames.submit(meta, pixels),
    },
    'face:get-enrolment': {
      schema: requestSchemas['face:get-enrolment'],
      ...control,
      handler: async () => deps.flow.status(),
    },
    'face:start-enrolment': {
      schema: requestSchemas['face:start-enrolment'],
      ...control,
      handler: async () => deps.flow.startEnrolment(),
    },
    'face:start-unlock': {
      schema: requestSchemas['face:start-unlock'],
      ...control,
      handler: async () => deps.flow.startUnlock(),
    },
    'face:cancel': {
      schema: requestSchemas['face:cancel'],
      ...control,
      handler: async () => deps.flow.cancel(),
    },
    'face:delete-enrolment': {
      schema: requestSchemas['face:delete-enrolment'],
      ...control,
      handler: async () => deps.flow.deleteEnrolment(),
    },
    // Held open until the flow ends (at most AWAIT_DECISION_MAX_MS); one call at a time per window.
    'face:await-decision': {
      schema: requestSchemas['face:await-decision'],
      ...control,
      handler: async () => deps.flow.awaitDecision(),
    },
    'files:list': {
      schema: requestSchemas['files:list'],
      maxBytes: 64,
      rate: { perSecond: 10, burst: 10 },
      exclusive: false,
      handler: async () => (await files()).view(),
    },
    'files:lock': {
      schema: requestSchemas['files:lock'],
      // Up to 64 paths of up to 4096 characters (UTF-16 estimate), plus framing.
      maxBytes: FILES_MAX_PATHS * (FILE_PATH_MAX_CHARS * 2 + 16) + 64,
      // The element budget of the size pre-check (payload-size.ts): the argument list plus every path.
      maxItems: FILES_MAX_PATHS + 1,
      rate: { perSecond: 5, burst: 10 },
      exclusive: true,
      handler: async ([paths]) => (await files()).lock(paths),
    },
    // The OS dialog stays open while the user chooses: exclusive, so a second click is IPC_BUSY.
    'files:pick-and-lock': {
      schema: requestSchemas['files:pick-and-lock'],
      ...fileAction,
      handler: async ([kind]) => (await files()).pickAndLock(kind),
    },
    'files:unlock': {
      schema: requestSchemas['files:unlock'],
      ...fileAction,
      handler: async ([id]) => (await files()).unlock(id),
    },
    'files:relock': {
      schema: requestSchemas['files:relock'],
      ...fileAction,
      handler: async ([id]) => (await files()).relock(id),
    },
    // Polled by the lock screen about once a second.
    'files:cli-requests': {
      schema: requestSchemas['files:cli-requests'],
      maxBytes: 64,
      rate: { perSecond: 10, burst: 10 },
      exclusive: false,
      handler: async () => deps.cliRequests?.view() ?? { requests: [] },
    },
    'files:deny-cli-request': {
      schema: requestSchemas['files:deny-cli-request'],
      ...fileAction,
      handler: async ([id]) => deps.cliRequests?.deny(id) ?? { requests: [] },
    },
    // Polled by the window (and by the hidden one that supplies frames to a background desktop unlock).
    'desktop:get-status': {
      schema: requestSchemas['desktop:get-status'],
      maxBytes: 64,
      rate: { perSecond: 10, burst: 10 },
      exclusive: false,
      handler: async () => deps.desktop.refresh(),
    },
    'desktop:lock-now': {
      schema: requestSchemas['desktop:lock-now'],
      ...control,
      handler: async () => deps.desktop.lockNow(),
    },
  };
}
