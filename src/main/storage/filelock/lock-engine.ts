/**
 * Locking and unlocking on disk (node:fs adapter over the pure container format). Guarantees:
 *
 * - Never loses data. Lock: journal entry (fsynced) → temp file `.<id>.fvlock.partial` in the same folder
 *   (O_EXCL, 0600) → streamed encryption → every chunk read back and decrypted (tag-checked) → fsync →
 *   the source is checked unchanged → rename to `<id>.fvlock` → fsync folder → original removed → fsync →
 *   journal entry removed. Unlock mirrors it with a staging folder `.<id>.restore/` and a `placing` phase.
 *   A SIGKILL or crash at any point leaves the original (or the container) intact, or the complete new
 *   one; `recoverJournal` (run at every start) finishes or rolls back what a journal entry describes.
 * - A tampered, truncated or extended container is refused with a typed error and never modified: its
 *   length is checked against the header first, every chunk's tag before its bytes are used, padding must
 *   be zero, and the half-restored staging folder is removed.
 * - Bounded memory: 8 chunks in flight (1 MiB each by default) whatever the file size; chunks are sealed /
 *   opened on a small pool of cipher threads while this thread does the I/O in order (chunk-cipher.ts);
 *   folders are listed (metadata only) up front.
 * - Keys: the random file key is wiped after use; the vault-derived wrap key belongs to the caller.
 *
 * Kill points: `onStep` is called at each durable step (tests and the benchmark SIGKILL themselves there).
 *
 * This file is the entry point; the engine is split by concept: `lock-path.ts` (lockPath, the encrypt and
 * read-back pipeline), `payload-source.ts` (the plaintext stream), `unlock-container.ts` (unlockContainer,
 * the staging extractor), `container-read.ts` (header, metadata and size without changing anything),
 * `journal.ts` (the operation journal and recoverJournal), `engine-common.ts` (options, results, ids,
 * names), `engine-io.ts` (shared I/O helpers) and `chunk-cipher.ts` / `cipher-pool-worker-host.ts` /
 * `filelock-cipher-worker.ts` (where chunks are sealed and opened).
 */
export {
  containerPathFor,
  ITEM_ID_RE,
  newItemId,
  type EngineOptions,
  type LockResult,
  type LockStep,
  type ProgressInfo,
  type UnlockResult,
} from './engine-common.ts';
export {
  containerSize,
  inspectContainer,
  readContainerMeta,
  type OpenedContainer,
} from './container-read.ts';
export { recoverJournal, type JournalEntry, type RecoveryOutcome } from './journal.ts';
export { lockPath } from './lock-path.ts';
export { unlockContainer } from './unlock-container.ts';
