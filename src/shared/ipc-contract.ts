/**
 * The one IPC contract between the renderer (through the preload) and main. Every channel is named
 * `concern:verb` and listed here with its request tuple and response type; main registers exactly these
 * channels through one wrapper (src/main/ipc/router.ts) and the preload exposes exactly these as named
 * functions. Secrets never appear here: no keys, weights, embeddings, templates or fine-grained scores.
 */
import type { Result } from './result.ts';
import type { FRAME_FORMAT } from './frame-limits.ts';

export type ModelsState = 'not-loaded' | 'loading' | 'ready' | 'error';

export interface AppStatus {
  readonly appVersion: string;
  readonly models: ModelsState;
  /** Which key-store backend protects the device secret, once opened. */
  readonly keyStore: 'tpm' | 'keychain' | 'unavailable' | 'not-opened';
  /** A short, user-presentable reason when models or the key store are unavailable. */
  readonly problem: string | null;
  /** Whether the app's own files (renderer, preload, worker) match the manifest sealed at build time. */
  readonly appIntegrity: AppIntegrity;
  /**
   * Who signs the models this app trusts: 'release' when the pinned vendor keys are the vendor's own (a
   * release build, key from FACEVAULT_VENDOR_KEY_FILE); 'development' when they are the per-checkout key
   * `npm run models:build` generates — the bundles are then only as protected as that checkout.
   */
  readonly signing: SigningKind;
  /** The loaded model set (null until ready): for the settings screen. */
  readonly modelSet?: ModelSetInfo | null;
}

export interface ModelSetInfo {
  /** Key id (hex, 32 digits) of the vendor key that signed the catalog. */
  readonly vendorKeyId: string;
  readonly models: readonly {
    readonly role: string;
    readonly modelId: string;
    readonly modelVersion: string;
  }[];
  /** Epoch ms of the last successful integrity check of the bundles on disk. */
  readonly verifiedAt: number | null;
}

export type SigningKind = 'release' | 'development';

/**
 * 'sealed-ok': every sealed file matched at the last check; 'unsealed': a development build without a
 * manifest (never allowed packaged); 'tampered': a file or the manifest failed (problem says which);
 * 'checking': before the first check finished.
 */
export interface AppIntegrity {
  readonly state: 'checking' | 'sealed-ok' | 'unsealed' | 'tampered';
  readonly problem: string | null;
}

export interface FrameMeta {
  readonly width: number;
  readonly height: number;
  readonly format: typeof FRAME_FORMAT;
  /**
   * Renderer clock (performance.now()) when the frame was grabbed. Main checks that it advances plausibly and
   * agrees with its own arrival clock (issue 12: injection / replay checks, src/main/liveness/feed-integrity.ts).
   */
  readonly timestampMs: number;
  /**
   * The capturing camera (MediaStreamTrack label and getSettings().deviceId), sent with every frame (issue 12):
   * pinned at enrolment, a change is flagged or refused, known virtual cameras are refused in strict mode.
   * Optional for compatibility; strict mode refuses frames without it.
   */
  readonly camera?: CameraInfo;
}

/** A camera as the renderer sees it (no secret: a label and an origin-scoped id). */
export interface CameraInfo {
  readonly deviceId: string;
  readonly label: string;
}

/** What to tell the user about a face: coarse words only, never a score, box or landmark. */
export type FaceGuidance =
  | 'no-face'
  | 'multiple-faces'
  | 'move-closer'
  | 'center-your-face'
  | 'face-the-camera'
  | 'turn-head-slightly'
  | 'hold-still'
  | 'too-dark'
  | 'too-bright';

/** Coarse guidance only: the renderer must not be able to hill-climb on fine scores. */
export type FrameGuidance = FaceGuidance | 'models-not-ready' | 'ok';

/** 0 = clearly not a match … 3 = clearly a match; 1|2 is the decision threshold. Never the raw score. */
export type CoarseScore = 0 | 1 | 2 | 3;

/** Where the enrol / unlock flow stands; the only view the renderer gets of it. */
export type AuthFlowState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'enrolling'; readonly captured: number; readonly needed: number }
  | { readonly kind: 'enrolled' }
  /**
   * The enrolment was refused and nothing was stored (issue 12): the feed was not one live continuous scene
   * of one person. `code` is the stable error code (src/shared/error-codes.ts) the UI explains; never which
   * check or value.
   */
  | { readonly kind: 'enrol-refused'; readonly code: EnrolRefusalCode }
  | { readonly kind: 'unlocking' }
  /**
   * An active liveness challenge is running (issue 12): show the prompt for `challenge` with the time left;
   * `step` of `steps` (strict mode asks for two). Frames keep flowing; the next reply updates it.
   */
  | {
      readonly kind: 'challenge';
      readonly challenge: ChallengeKind;
      readonly remainingMs: number;
      readonly step: number;
      readonly steps: number;
    }
  | { readonly kind: 'accepted'; readonly coarse: CoarseScore }
  | {
      readonly kind: 'rejected';
      readonly coarse: CoarseScore;
      readonly remainingAttempts: number;
      /** Why, coarsely (absent = the face did not match). Never which check or score. */
      readonly reason?: RejectReason;
    }
  | { readonly kind: 'locked-out' }
  /** The attempt ran out of time (or its frames stopped: camera switched or stopped); no attempt used. */
  | { readonly kind: 'timed-out' };

/** Why an enrolment was refused (a subset of the stable error codes). */
export type EnrolRefusalCode =
  'ENROLMENT_FEED_NOT_LIVE' | 'ENROLMENT_PERSON_CHANGED' | 'ENROLMENT_CAMERA_CHANGED';

/** Coarse reason of a rejected attempt (issue 12); 'face-lost' costs no attempt. */
export type RejectReason =
  'no-match' | 'challenge-failed' | 'presentation-attack' | 'camera-not-allowed' | 'face-lost';

export interface EnrolmentStatus {
  readonly enrolled: boolean;
  /** After 5 failed attempts only the recovery passphrase unlocks (the counter survives restarts). */
  readonly lockedOut: boolean;
  readonly remainingAttempts: number;
}

export interface FrameFeedback {
  /** Count of frames main accepted from this window so far. */
  readonly frameNumber: number;
  readonly guidance: FrameGuidance;
  readonly flow: AuthFlowState;
  /** The primary face drawn over the preview (coarse geometry only), null when none was found. */
  readonly overlay: FaceOverlay | null;
}

/** channel → [request tuple, response]. */
export interface IpcContract {
  'app:get-status': { request: []; response: AppStatus };
  'camera:submit-frame': { request: [meta: FrameMeta, pixels: ArrayBuffer]; response: FrameFeedback };
  'face:get-enrolment': { request: []; response: EnrolmentStatus };
  'face:start-enrolment': { request: []; response: AuthFlowState };
  'face:start-unlock': { request: []; response: AuthFlowState };
  'face:cancel': { request: []; response: AuthFlowState };
  'face:delete-enrolment': { request: []; response: EnrolmentStatus };
  'vault:get-status': { request: []; response: VaultStatus };
  'vault:setup': { request: [passphrase: string]; response: VaultStatus };
  'vault:unlock-passphrase': { request: [passphrase: string]; response: VaultStatus };
  'vault:prove-owner': { request: [passphrase: string]; response: VaultStatus };
  'vault:lock': { request: []; response: VaultStatus };
  'vault:change-passphrase': { request: [current: string, next: string]; response: VaultStatus };
  'settings:get': { request: []; response: AppSettings };
  'settings:set': { request: [patch: AppSettingsPatch]; response: AppSettings };
  /**
   * Resolves when the running enrolment or unlock attempt ends — its decision (enrolled, accepted, rejected,
   * locked-out) or idle when cancelled — or at once with the current state when none is running; after
   * AWAIT_DECISION_MAX_MS without an end it resolves with the state so far (the caller asks again).
   */
  'face:await-decision': { request: []; response: AuthFlowState };
  'files:list': { request: []; response: LockedFilesView };
  'files:lock': { request: [paths: string[]]; response: LockedFilesView };
  'files:pick-and-lock': { request: [kind: 'files' | 'folder']; response: LockedFilesView };
  'files:unlock': { request: [id: string]; response: LockedFilesView };
  'files:relock': { request: [id: string]; response: LockedFilesView };
  'files:cli-requests': { request: []; response: CliRequestsView };
  'files:deny-cli-request': { request: [id: string]; response: CliRequestsView };
  'desktop:get-status': { request: []; response: DesktopUnlockStatus };
  'desktop:lock-now': { request: []; response: DesktopUnlockStatus };
}

export type IpcChannel = keyof IpcContract;
export type IpcRequest<C extends IpcChannel> = IpcContract[C]['request'];
export type IpcResponse<C extends IpcChannel> = IpcContract[C]['response'];

export const IPC_CHANNELS = [
  'app:get-status',
  'camera:submit-frame',
  'face:get-enrolment',
  'face:start-enrolment',
  'face:start-unlock',
  'face:cancel',
  'face:delete-enrolment',
  'vault:get-status',
  'vault:setup',
  'vault:unlock-passphrase',
  'vault:prove-owner',
  'vault:lock',
  'vault:change-passphrase',
  'settings:get',
  'settings:set',
  'face:await-decision',
  'files:list',
  'files:lock',
  'files:pick-and-lock',
  'files:unlock',
  'files:relock',
  'files:cli-requests',
  'files:deny-cli-request',
  'desktop:get-status',
  'desktop:lock-now',
] as const satisfies readonly IpcChannel[];

/** What the preload exposes on `window.faceVault`: a few named functions, nothing generic. */
export interface FaceVaultBridge {
  getStatus(): Promise<Result<AppStatus>>;
  /** The buffer is sent to main; the renderer must not reuse it until the promise settles. */
  submitFrame(meta: FrameMeta, pixels: ArrayBuffer): Promise<Result<FrameFeedback>>;
  getEnrolment(): Promise<Result<EnrolmentStatus>>;
  /** The following frames enrol the user's face (guided; several captures with pose variety). */
  startEnrolment(): Promise<Result<AuthFlowState>>;
  /** The following frames are one unlock attempt (multi-frame decision, counted towards lock-out). */
  startUnlock(): Promise<Result<AuthFlowState>>;
  cancel(): Promise<Result<AuthFlowState>>;
  /** Needs a fresh owner proof (OWNER_PROOF_REQUIRED otherwise); the UI asks for confirmation first. */
  deleteEnrolment(): Promise<Result<EnrolmentStatus>>;
  getVaultStatus(): Promise<Result<VaultStatus>>;
  /** First run only: chooses the recovery passphrase (strength checked in main: PASSPHRASE_WEAK). */
  setupVault(passphrase: string): Promise<Result<VaultStatus>>;
  /** Releases the vault key, resets the face lock-out, and counts as an owner proof. */
  unlockWithPassphrase(passphrase: string): Promise<Result<VaultStatus>>;
  /** Owner proof only (before re-enrolment, deletion, owner-gated settings); no unlock window. */
  proveOwner(passphrase: string): Promise<Result<VaultStatus>>;
  /** Wipes the vault key and any owner proof now. */
  lockVault(): Promise<Result<VaultStatus>>;
  changePassphrase(current: string, next: string): Promise<Result<VaultStatus>>;
  getSettings(): Promise<Result<AppSettings>>;
  /** strictness and desktopUnlock need a fresh owner proof (OWNER_GATED_SETTINGS). */
  setSettings(patch: AppSettingsPatch): Promise<Result<AppSettings>>;
  /** The decision of the flow just started (its own reply, not a side effect of the camera frames). */
  awaitDecision(): Promise<Result<AuthFlowState>>;
  /** Locked items, with progress while an operation runs (poll while any is 'locking' / 'unlocking'). */
  listLockedItems(): Promise<Result<LockedFilesView>>;
  /** Locks files or folders dropped on the page: the preload turns each File into its path. */
  lockDroppedFiles(files: readonly File[]): Promise<Result<LockedFilesView>>;
  /** Main shows the OS picker and locks what the user chose. */
  pickAndLock(kind: 'files' | 'folder'): Promise<Result<LockedFilesView>>;
  unlockItem(id: string): Promise<Result<LockedFilesView>>;
  relockItem(id: string): Promise<Result<LockedFilesView>>;
  /** What the command line is waiting for (`facevault unlock` while the vault is locked); poll it. */
  getCliRequests(): Promise<Result<CliRequestsView>>;
  /** "Deny": the waiting command fails with LOCAL_CHANNEL_DENIED. Unlocking answers every request. */
  denyCliRequest(id: string): Promise<Result<CliRequestsView>>;
  /** The OS-session ("unlock my desktop with my face") mode: availability, whether the session is locked. */
  getDesktopStatus(): Promise<Result<DesktopUnlockStatus>>;
  /** Locks the OS session now (logind Session.Lock on Linux). */
  lockDesktopNow(): Promise<Result<DesktopUnlockStatus>>;
}

/** Longest a face:await-decision call is held open before it answers with the state so far. */
export const AWAIT_DECISION_MAX_MS = 30_000;

export const BRIDGE_GLOBAL = 'faceVault' as const;

/*
 * ---------------------------------------------------------------------------------------------------------
 * Planned contract for the work in flight (issues 11, 12, 14). The types below are agreed so that the vault,
 * liveness, file-locking and UI work can proceed in parallel; each channel is added to IpcContract /
 * IPC_CHANNELS (with its schema and handler) by the work that implements it, with exactly this shape
 * (the vault:* and settings:* channels are in IpcContract now):
 *
 *   'vault:get-status'        []                                   → VaultStatus
 *   'vault:setup'             [passphrase: string]                 → VaultStatus   first run only (no vault yet)
 *   'vault:unlock-passphrase' [passphrase: string]                 → VaultStatus   releases the vault key, resets
 *                                                                                  the face lock-out, is an owner proof
 *   'vault:prove-owner'       [passphrase: string]                 → VaultStatus   owner proof only (no unlock window)
 *   'vault:lock'              []                                   → VaultStatus   wipes the vault key now
 *   'vault:change-passphrase' [current: string, next: string]      → VaultStatus
 *   'settings:get'            []                                   → AppSettings
 *   'settings:set'            [patch: AppSettingsPatch]            → AppSettings   owner proof for strictness,
 *                                                                                  desktopUnlock (see OWNER_GATED_SETTINGS)
 *   'files:list'              []                                   → LockedFilesView
 *   'files:lock'              [paths: string[]]                    → LockedFilesView   paths come from the preload
 *                                                                                  (drag and drop: webUtils.getPathForFile)
 *   'files:pick-and-lock'     [kind: 'files' | 'folder']           → LockedFilesView   main shows the OS picker
 *   'files:unlock'            [id: string]                         → LockedFilesView   needs the vault key
 *   'files:relock'            [id: string]                         → LockedFilesView
 *   'files:cli-requests'      []                                   → CliRequestsView   polled while locked
 *   'files:deny-cli-request'  [id: string]                         → CliRequestsView
 *   'desktop:get-status'      []                                   → DesktopUnlockStatus
 *   'desktop:lock-now'        []                                   → DesktopUnlockStatus
 *
 * Re-enrolment ('face:start-enrolment' when enrolled) and 'face:delete-enrolment' need a fresh owner proof
 * (VaultStatus.ownerProofUntil in the future); otherwise they fail with OWNER_PROOF_REQUIRED.
 * ---------------------------------------------------------------------------------------------------------
 */

/** Liveness strictness: trades false rejections of the owner for attack resistance (issue 12). */
export type StrictnessLevel = 'convenience' | 'balanced' | 'strict';

/** An active liveness challenge drawn fresh for each attempt; checked in main from landmarks over time. */
export type ChallengeKind = 'blink' | 'turn-left' | 'turn-right' | 'look-up' | 'move-closer';

/** Where the vault stands. The vault key itself never crosses IPC. */
export interface VaultStatus {
  /** A vault key and its recovery-passphrase wrap exist (set at the first enrolment). */
  readonly setUp: boolean;
  readonly enrolled: boolean;
  /** The vault key is held in main right now (released by a face match or the passphrase). */
  readonly unlocked: boolean;
  /** Epoch ms when the unlock window closes (null while locked). */
  readonly unlockedUntil: number | null;
  readonly lockedOut: boolean;
  readonly remainingAttempts: number;
  /** Epoch ms until which passphrase attempts are refused after repeated wrong ones (null: allowed). */
  readonly passphraseRetryAt: number | null;
  /** Epoch ms until which an owner-gated action is allowed without asking again (null: none fresh). */
  readonly ownerProofUntil: number | null;
  /** What stops an old copy of the auth state being restored (TPM NV counter, or nothing on keychain). */
  readonly rollbackProtection: 'tpm-nv-counter' | 'none';
}

export interface AppSettings {
  readonly strictness: StrictnessLevel;
  /** Minutes of inactivity before the app locks itself again (0: never). */
  readonly idleLockMinutes: number;
  readonly desktopUnlock: {
    readonly enabled: boolean;
    readonly available: boolean;
    readonly reason: string | null;
  };
  /** The camera pinned at enrolment (label only), null before enrolment. */
  readonly pinnedCamera: string | null;
}

export type AppSettingsPatch = Partial<{
  readonly strictness: StrictnessLevel;
  readonly idleLockMinutes: number;
  readonly desktopUnlock: boolean;
}>;

/** Settings whose change alters who can unlock: they need a fresh owner proof. */
export const OWNER_GATED_SETTINGS = ['strictness', 'desktopUnlock'] as const;

export interface LockedItem {
  readonly id: string;
  /** The name the user knows it by (shown only in the app, stored encrypted in the container). */
  readonly displayName: string;
  readonly kind: 'file' | 'folder';
  readonly state: 'locked' | 'unlocked' | 'locking' | 'unlocking' | 'error';
  readonly sizeBytes: number;
  /** 0..1 while locking or unlocking. */
  readonly progress: number | null;
  readonly problem: string | null;
}

export interface LockedFilesView {
  readonly items: readonly LockedItem[];
  /**
   * The list is sealed under the vault (docs/filelock-format.md "The list of locked items"): while the
   * vault is locked main cannot read it, so only operations in progress are listed ('vault-locked').
   */
  readonly listState: 'ready' | 'vault-locked';
  /** Set when the stored list was damaged and set aside (the locked files themselves still open). */
  readonly listProblem: string | null;
}

/**
 * The command line asks the app for the vault (docs/filelock-format.md "CLI channel"). Display text only:
 * main checked every field; `pid` is the kernel's peer credential of the connection, `processName` what
 * the OS names that process (informative: a pid can be reused after its process exits).
 */
export interface CliRequest {
  readonly id: string;
  readonly op: 'lock' | 'unlock';
  readonly path: string;
  readonly pid: number | null;
  readonly processName: string | null;
  readonly askedAt: number;
  readonly expiresAt: number;
}

export interface CliRequestsView {
  readonly requests: readonly CliRequest[];
}

export interface DesktopUnlockStatus {
  readonly available: boolean;
  /** Why not, in plain words (another OS, no logind session, …). */
  readonly reason: string | null;
  readonly enabled: boolean;
  readonly sessionLocked: boolean;
  /** A background face check for the locked session is running: the app supplies camera frames for it. */
  readonly verifying: boolean;
  readonly lastEvent: 'none' | 'unlocked-by-face' | 'face-rejected' | 'lock-requested';
  /**
   * Whether the background check's prompt (the liveness challenge) reaches the OS lock screen: 'notifications'
   * (sent as desktop notifications), 'unavailable' (the notification service failed during the last lock),
   * 'none' (this platform has no way; the prompt shows in FaceVault's window only).
   */
  readonly lockScreenPrompt: 'notifications' | 'unavailable' | 'none';
}

/** Drawn over the preview: normalised to the frame (0..1). Coarse geometry only, never a score. */
export interface FaceOverlay {
  readonly box: readonly [x: number, y: number, w: number, h: number];
  /** Five points: right eye, left eye, nose, right mouth corner, left mouth corner. */
  readonly landmarks: readonly (readonly [number, number])[];
}
