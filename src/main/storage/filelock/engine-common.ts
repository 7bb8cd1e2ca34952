/**
 * The lock engine's shared vocabulary: options, results, kill-point names, item ids and the on-disk names
 * derived from them (`<id>.fvlock`, `.<id>.fvlock.partial`, `.<id>.restore/`), and the two typed errors
 * every path raises (cancelled; a chunk that does not authenticate). No I/O.
 *
 * Item ids: 26 symbols of the RFC 4648 base32 alphabet (lower case), 130 random bits.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { CONTAINER_SUFFIX } from '../../filelock/container-format.ts';
import { FileLockError } from '../../filelock/errors.ts';
import type { FileLockKeys } from '../../filelock/vault-key.ts';

export type LockStep =
  | 'journal-written'
  | 'temp-created'
  | 'chunk-written'
  | 'verified'
  | 'temp-synced'
  | 'renamed'
  | 'source-removed'
  | 'journal-removed'
  | 'staging-created'
  | 'extracted'
  | 'placing'
  | 'placed'
  | 'container-removed';

export interface ProgressInfo {
  readonly done: number;
  readonly total: number;
  readonly phase: 'encrypting' | 'verifying' | 'decrypting';
}

export interface EngineOptions {
  /** Folder of the journal (app data dir): one JSON entry per operation in flight. */
  readonly journalDir: string;
  readonly keys: FileLockKeys;
  readonly chunkSize?: number;
  readonly allowSparse?: boolean;
  readonly onProgress?: (p: ProgressInfo) => void;
  readonly onStep?: (step: LockStep, detail: number) => void;
  readonly signal?: AbortSignal;
  /**
   * How a lock checks its temp file before the original goes (docs/filelock-format.md "Verification"):
   * `compare` (default): every chunk read back and compared byte for byte with the cipher's output, the
   * first and last chunk also opened; `thread` / `inline`: every chunk read back and opened (a full
   * decrypt-check, a second pass of the cipher) in a worker thread or on this thread.
   */
  readonly verify?: 'compare' | 'thread' | 'inline';
  /**
   * Threads that seal / open the chunks (chunk-cipher.ts): 0 = this thread; unset = the pool when the
   * machine has ≥ 2 CPUs and the stream is ≥ 8 chunks (docs/filelock-format.md "Throughput").
   */
  readonly cipherThreads?: number;
  /** Tests only: the cipher thread's script (a fault-injecting wrapper of filelock-cipher-worker.ts). */
  readonly cipherWorkerEntry?: URL;
  /** The id to use (relock keeps an item's id); random otherwise. */
  readonly id?: string;
}

export interface LockResult {
  readonly id: string;
  readonly containerPath: string;
  readonly originalPath: string;
  readonly kind: 'file' | 'folder';
  readonly name: string;
  readonly bytes: number;
  readonly entries: number;
}

export interface UnlockResult {
  readonly restoredPath: string;
  readonly containerPath: string;
  readonly kind: 'file' | 'folder';
  readonly name: string;
  readonly bytes: number;
}

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
/** A random item id in the RFC 4648 base32 alphabet (lower case): 26 characters, 130 bits. */
export function newItemId(): string {
  // 26 independent uniform 5-bit symbols (256 is a multiple of 32): 130 random bits.
  const b = randomBytes(26);
  let s = '';
  for (const x of b) s += ID_ALPHABET[x & 31];
  return s;
}
export const ITEM_ID_RE = /^[a-z2-7]{26}$/;

export const containerPathFor = (dir: string, id: string): string => join(dir, `${id}${CONTAINER_SUFFIX}`);
export const tempPathFor = (dir: string, id: string): string =>
  join(dir, `.${id}${CONTAINER_SUFFIX}.partial`);
export const stagingPathFor = (dir: string, id: string): string => join(dir, `.${id}.restore`);

export const checkAbort = (signal?: AbortSignal): void => {
  if (signal?.aborted) throw new FileLockError('FILELOCK_CANCELLED', 'cancelled; nothing was changed');
};

export function integrityFailure(index: number, cause: unknown): FileLockError {
  return new FileLockError(
    'FILELOCK_INTEGRITY',
    `the locked file was modified or damaged (chunk ${index} does not authenticate); it was not changed`,
    { cause },
  );
}
