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
}

export interface FrameMeta {
  readonly width: number;
  readonly height: number;
  readonly format: typeof FRAME_FORMAT;
  /** Renderer clock (performance.now()), used only for ordering/rate diagnostics. */
  readonly timestampMs: number;
}

/** Coarse guidance only: the renderer must not be able to hill-climb on fine scores. */
export type FrameGuidance =
  | 'models-not-ready'
  | 'no-face'
  | 'multiple-faces'
  | 'move-closer'
  | 'move-back'
  | 'face-the-camera'
  | 'hold-still'
  | 'too-dark'
  | 'too-bright'
  | 'ok';

export interface FrameFeedback {
  /** Count of frames main accepted from this window so far. */
  readonly frameNumber: number;
  readonly guidance: FrameGuidance;
}

/** channel → [request tuple, response]. */
export interface IpcContract {
  'app:get-status': { request: []; response: AppStatus };
  'camera:submit-frame': { request: [meta: FrameMeta, pixels: ArrayBuffer]; response: FrameFeedback };
}

export type IpcChannel = keyof IpcContract;
export type IpcRequest<C extends IpcChannel> = IpcContract[C]['request'];
export type IpcResponse<C extends IpcChannel> = IpcContract[C]['response'];

export const IPC_CHANNELS = ['app:get-status', 'camera:submit-frame'] as const satisfies readonly IpcChannel[];

/** What the preload exposes on `window.faceVault`: a few named functions, nothing generic. */
export interface FaceVaultBridge {
  getStatus(): Promise<Result<AppStatus>>;
  /** The buffer is sent to main; the renderer must not reuse it until the promise settles. */
  submitFrame(meta: FrameMeta, pixels: ArrayBuffer): Promise<Result<FrameFeedback>>;
}

export const BRIDGE_GLOBAL = 'faceVault' as const;
