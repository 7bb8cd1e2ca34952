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
}

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
  /** Renderer clock (performance.now()), used only for ordering/rate diagnostics. */
  readonly timestampMs: number;
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
  | { readonly kind: 'unlocking' }
  | { readonly kind: 'accepted'; readonly coarse: CoarseScore }
  | { readonly kind: 'rejected'; readonly coarse: CoarseScore; readonly remainingAttempts: number }
  | { readonly kind: 'locked-out' };

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
  deleteEnrolment(): Promise<Result<EnrolmentStatus>>;
}

export const BRIDGE_GLOBAL = 'faceVault' as const;
