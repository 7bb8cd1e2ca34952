/**
 * Messages between the main thread and pipeline-worker.ts. Types only.
 */
import type { ErrorInfo } from '../../shared/result.ts';
import type { FamilyDescriptor } from './family.ts';
import type { FrameInput } from './frame.ts';
import type { AnalyzeOptions, FrameAnalysis, PipelineOptions } from './pipeline.ts';

/** Decrypted model bytes + the descriptor from the bundle header (bytes are transferred and wiped in the worker). */
export interface ModelSource {
  readonly bytes: Uint8Array;
  readonly descriptor: FamilyDescriptor;
}

export interface WorkerModels {
  readonly detector: ModelSource;
  readonly embedder?: ModelSource;
  readonly antispoof?: readonly ModelSource[];
  /** Landmark refiner (mtcnn-onet) run before alignment. */
  readonly landmarks?: ModelSource;
  /** Dense landmarks (FaceMesh) for the active liveness challenge. */
  readonly mesh?: ModelSource;
  /** Second embedder whose embedding joins the embedder's (its descriptor's `fusion`). */
  readonly fusion?: ModelSource;
}

export type ModelSlot = 'detector' | 'embedder' | 'antispoof' | 'landmarks' | 'mesh' | 'fusion';

/**
 * `load` creates one session as soon as its model arrives (so the main thread can decrypt the next model
 * meanwhile); `start` assembles the pipeline from the loaded sessions. `analyze` only after `start`.
 */
export type WorkerRequest =
  | {
      readonly kind: 'load';
      readonly id: number;
      readonly slot: ModelSlot;
      readonly model: ModelSource;
      readonly intraOpNumThreads?: number;
    }
  | { readonly kind: 'start'; readonly id: number; readonly options: PipelineOptions }
  | {
      readonly kind: 'analyze';
      readonly id: number;
      readonly frame: FrameInput;
      readonly options: AnalyzeOptions;
    };

export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly value: FrameAnalysis | null }
  | { readonly id: number; readonly ok: false; readonly error: ErrorInfo };
