/**
 * Builds the main-process services from adapters, with no Electron import, so the app, the e2e harness and
 * tests assemble exactly the same IPC surface. Later concerns (keys, models, face pipeline, lock screen,
 * file locking) are constructed here and passed to the channel specs.
 */
import type { AppIntegrity, AppStatus, SigningKind } from '../shared/ipc-contract.ts';
import {
  createFaceAuthService,
  ModelsNotReadyError,
  type FaceAuthService,
} from './auth/face-auth-service.ts';
import { createFaceFlow, type FaceFlow, type FaceFlowOptions } from './auth/face-flow.ts';
import { createFrameSink, type FrameConsumer, type FrameSink } from './camera/frame-sink.ts';
import { createDesktopUnlock, type DesktopUnlock } from './desktop/desktop-unlock.ts';
import { unavailableSession, type DesktopSession } from './desktop/desktop-session.ts';
import { createLockPrompt, type Notifier } from './desktop/lock-prompt.ts';
import { channelSpecs } from './ipc/channels.ts';
import { createIpcRouter, type IpcRouter } from './ipc/router.ts';
import type { Clock } from './ipc/rate-limit.ts';
import type { KeyService } from './keys/key-service.ts';
import type { StrictnessSource } from './liveness/strictness.ts';
import type { ModelService } from './model/model-service.ts';
import { createVaultProvider, vaultUnavailable, type VaultProvider } from './vault/vault-provider.ts';
import type { VaultService } from './vault/vault-service.ts';
import type { DesktopUnlockAvailability } from './vault/vault.ts';
import {
  createFileLockService,
  type FileLockService,
  type PathPicker,
} from './filelock/file-lock-service.ts';
import { FileLockError } from './filelock/errors.ts';
import type { VaultKeyAccess } from './filelock/vault-key.ts';
import { createCliRequests, type CliRequests } from './filelock/cli-requests.ts';

export interface MainServicesOptions {
  readonly appVersion: string;
  readonly trustedOrigins: readonly string[];
  /** The protected models; frames go to its pipeline. Without it, frames get 'models-not-ready'. */
  readonly models?: ModelService;
  /** The device keys' owner, shared with `models` (required with `models` for enrolment and unlock). */
  readonly keys?: KeyService;
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
  /**
   * File locking (files:* channels, the CLI's local channel): its data folder (journal + list of items),
   * the vault that lends the key, and the OS picker. Without it the files:* channels answer
   * FILELOCK_UNSUPPORTED.
   */
  readonly files?: {
    readonly dataDir: string;
    readonly vault?: VaultKeyAccess;
    readonly picker?: PathPicker;
    readonly chunkSize?: number;
    /** A command-line request for the vault was added (the app brings its window forward). */
    readonly onCliRequest?: () => void;
  };
  /**
   * Who signs the trusted models (model-catalog.ts readPinnedSigning). Without it the status says 'development': a host
   * that does not know must not claim a release key.
   */
  readonly signing?: () => SigningKind;
  /**
   * The owner's liveness strictness. Default: the vault's authenticated settings (settings:set, owner-gated),
   * read at each attempt; 'strict' when they cannot be read (fail closed). Without a vault: 'balanced'.
   */
  readonly strictness?: StrictnessSource;
  /**
   * Test harness only (the e2e journeys): the challenge sequence every unlock attempt asks for, instead of the
   * CSPRNG draw, so Chromium's fake camera can play a clip that really performs it. The app
   * (src/main/index.ts) never passes it, and no environment variable or flag reaches it (a security test
   * checks the app's entry); every check still runs on the frames.
   */
  readonly challengeSource?: FaceFlowOptions['challengeOverride'];
  readonly now?: Clock;
  /** Wall clock (epoch ms) for unlock windows, owner proofs and back-off; default Date.now. */
  readonly wallClock?: () => number;
  /** TCTI of the TPM behind the key store (the auth-state NV counter uses the same TPM). */
  readonly tcti?: string;
  /** Whether desktop unlock can work here (the desktop-login integration answers). */
  readonly desktopAvailability?: () => DesktopUnlockAvailability;
  readonly log?: (line: string) => void;
  /** Monotonic ms stamping enrolment captures (tests replaying photos); default performance.now. */
  readonly captureClock?: () => number;
  /** The OS login session (logind on Linux); without it desktop unlock reads as unavailable. */
  readonly desktopSession?: DesktopSession;
  /**
   * Where a background desktop unlock's prompts go while the OS session is locked (Linux: Desktop
   * Notifications on the session bus, desktop/notifications-dbus.ts). Without it they show in FaceVault's
   * window only.
   */
  readonly desktopNotifier?: Notifier;
}

export interface MainServices {
  readonly router: IpcRouter;
  readonly frames: FrameSink;
  readonly flow: FaceFlow;
  readonly faceAuth: FaceAuthService | null;
  /** The vault-key service other concerns use (file locking, desktop unlock); locked until keys are open. */
  readonly vault: VaultService;
  readonly vaults: VaultProvider | null;
  /** Resolves once interrupted file-lock operations are recovered (rejects when not configured). */
  readonly files: () => Promise<FileLockService>;
  /** The command line's requests for the vault, shown by the lock screen (files:cli-requests). */
  readonly cliRequests: CliRequests;
  readonly desktop: DesktopUnlock;
  status(): AppStatus;
}

/** A host without models or keys: every flow call is a typed MODEL_NOT_LOADED result. */
const NO_FACE_AUTH: FaceAuthService = {
  ready: () => Promise.reject(new ModelsNotReadyError()),
  current: () => null,
  close: () => {},
};

const NOT_CHECKED: AppIntegrity = {
  state: 'unsealed',
  problem: 'This host does not check the app’s own files.',
};

export function createMainServices(opts: MainServicesOptions): MainServices {
  const models = opts.models;
  // The vault needs only the device keys (the passphrase path works without models); face auth needs both.
  const vaults =
    opts.keys && opts.templatesDir
      ? createVaultProvider({
          keys: opts.keys,
          dir: opts.templatesDir,
          ...(opts.tcti ? { tcti: opts.tcti } : {}),
          ...(opts.wallClock ? { now: opts.wallClock } : {}),
          // Whether desktop unlock can work here: the desktop-session integration answers.
          desktopAvailability: opts.desktopAvailability ?? (() => desktopAvailability()),
        })
      : null;
  // Defined before anything that subscribes to it (file locking listens for locks at creation).
  const vault: VaultService = vaults?.service ?? {
    isUnlocked: () => false,
    hasFreshOwnerProof: () => false,
    withVaultKey: () => Promise.reject(vaultUnavailable()),
    onLock: () => () => undefined,
    lock: () => undefined,
    status: () => Promise.reject(vaultUnavailable()),
  };
  const faceAuth = models && vaults ? createFaceAuthService({ models, vaults }) : null;
  const vaultOf = () => (vaults ? vaults.get() : Promise.reject(vaultUnavailable()));
  // The level the owner chose lives in the vault's authenticated settings (changing it needs the owner's proof).
  const settingsStrictness: StrictnessSource | undefined = vaults
    ? {
        current: async () => {
          try {
            return (await (await vaults.get()).getSettings()).strictness;
          } catch {
            return 'strict'; // settings unreadable: never fall back to a weaker level
          }
        },
      }
    : undefined;
  const strictness = opts.strictness ?? settingsStrictness;
  const log = opts.log ?? (() => {});
  const flow = createFaceFlow({
    userId: opts.userId ?? 'owner',
    // Codes only (never a frame, score or embedding): what decided each unlock attempt.
    onAttemptEnd: (e) =>
      log(`face: unlock attempt ${e.result}${e.failure === undefined ? '' : ` (${e.failure})`}`),
    // The fine reason an enrolment was refused (a code, never a frame or embedding); the renderer gets the coarse code.
    onEnrolmentRefused: (reason) => log(`face: enrolment refused (${reason})`),
    onEnrolmentRestart: (reason) => log(`face: enrolment capture restarted (${reason})`),
    pipeline: () => models?.pipeline() ?? null,
    padAvailable: () => models?.roles().includes('antispoof') ?? false,
    ...(strictness === undefined ? {} : { strictness }),
    ...(opts.challengeSource === undefined ? {} : { challengeOverride: opts.challengeSource }),
    auth: faceAuth ?? NO_FACE_AUTH,
    vault: vaultOf,
    ...(opts.captureClock ? { now: opts.captureClock } : {}),
  });
  const consume = opts.frameConsumer ?? flow.consumer;
  // Each frame's flow state also goes to the desktop unlock, which shows a background attempt's challenge on the
  // OS lock screen (it ignores every other state).
  const frames = createFrameSink(async (f) => {
    const reply = await consume(f);
    desktop.observe(reply.flow);
    return reply;
  });
  const status = (): AppStatus => ({
    appVersion: opts.appVersion,
    ...(opts.models?.status() ?? { models: 'not-loaded', keyStore: 'not-opened', problem: null }),
    appIntegrity: opts.appIntegrity?.() ?? NOT_CHECKED,
    signing: opts.signing?.() ?? 'development',
    modelSet: opts.models?.info() ?? null,
  });
  let filesStarted: Promise<FileLockService> | null = null;
  const cliRequests = createCliRequests({
    isUnlocked: () => (opts.files?.vault ?? vault).isUnlocked(),
    ...(opts.files?.onCliRequest ? { onAsk: opts.files.onCliRequest } : {}),
  });
  const files = (): Promise<FileLockService> => {
    if (!opts.files)
      return Promise.reject(
        new FileLockError('FILELOCK_UNSUPPORTED', 'File locking is not available in this host.'),
      );
    if (!filesStarted) {
      const svc = createFileLockService({
        dataDir: opts.files.dataDir,
        // The vault's key service by default (it answers VAULT_LOCKED until a face match or the passphrase).
        vault: opts.files.vault ?? {
          withVaultKey: (fn) => vault.withVaultKey(fn),
          isUnlocked: () => vault.isUnlocked(),
          onLock: (cb) => vault.onLock(() => cb()),
          // `facevault unlock` with the vault locked: the lock screen shows the request (cli-requests.ts).
          requestFaceUnlock: (ask, timeoutMs, signal) => cliRequests.ask(ask, timeoutMs, signal),
          // The CLI's --passphrase: the vault checks it (rate-limited, back-off persisted) and opens its window.
          unlockWithPassphrase: async (passphrase) =>
            void (await (await vaultOf()).unlockWithPassphrase(passphrase)),
        },
        log,
        ...(opts.files.picker ? { picker: opts.files.picker } : {}),
        ...(opts.files.chunkSize ? { chunkSize: opts.files.chunkSize } : {}),
      });
      filesStarted = svc.start().then(() => svc);
      // A failed start is retried on the next call (e.g. the data folder was briefly unavailable).
      filesStarted.catch(() => (filesStarted = null));
    }
    return filesStarted;
  };
  // Interrupted operations are finished or rolled back at start, not on the first click.
  if (opts.files)
    files().catch((e: unknown) => log(`filelock: start failed: ${e instanceof Error ? e.name : 'unknown'}`));
  const desktop = createDesktopUnlock({
    session:
      opts.desktopSession ?? unavailableSession('This computer has no desktop session FaceVault can unlock.'),
    // The background attempt always runs at 'strict' (issue 14), whatever the owner's level: a match unlocks
    // the whole OS session, and nobody may be watching the FaceVault window while it runs.
    attempt: () => flow.attempt({ atLeast: 'strict' }),
    cancel: () => void flow.cancel(),
    // Strict liveness only: the background unlock never runs on a model set without anti-spoofing, nor without
    // the face mesh strict's challenges are judged from (blink, the parallax test of a head motion).
    livenessProblem: () => {
      const info = models?.info();
      if (!info) return 'Face models are not loaded.';
      const has = (role: string): boolean => info.models.some((m) => m.role === role);
      if (!has('antispoof'))
        return 'Needs the anti-spoofing model (strict liveness), and the loaded model set has none.';
      if (!has('mesh'))
        return 'Needs the face-mesh model (strict liveness), and the loaded model set has none.';
      return null;
    },
    enrolled: async () => (await flow.status()).enrolled,
    // The owner's choice lives in the vault's authenticated settings (set through settings:set with owner proof).
    ...(vaults
      ? { isEnabled: async () => (await (await vaults.get()).getSettings()).desktopUnlock.enabled }
      : {}),
    log,
    ...(opts.desktopNotifier ? { prompt: createLockPrompt({ notifier: opts.desktopNotifier, log }) } : {}),
  });
  function desktopAvailability(): { available: boolean; reason: string | null } {
    const s = desktop.status();
    return { available: s.available, reason: s.reason };
  }
  const router = createIpcRouter({
    trustedOrigins: opts.trustedOrigins,
    specs: channelSpecs({ status, frames, flow, vault: vaultOf, files, cliRequests, desktop }),
    ...(opts.now ? { now: opts.now } : {}),
    // Codes and channel names only: payloads may contain frames.
    onRejected: (channel, code) => log(`ipc ${channel} rejected: ${code}`),
    onInternalError: (channel, e) =>
      log(`ipc ${channel} internal error: ${e instanceof Error ? e.name : 'unknown'}`),
  });
  return { router, frames, flow, faceAuth, vault, vaults, files, cliRequests, desktop, status };
}
