/**
 * File locking as the app and the CLI use it: a queue of lock / unlock / relock operations (one at a
 * time: bounded memory and disk traffic), the list of locked items (LockedFilesView of the IPC contract),
 * progress, and recovery of interrupted operations at start. Guarantees:
 *   - the vault key is borrowed only to derive the file-lock keys at the start of an operation, and those
 *     are wiped when it ends; nothing here keeps the vault key;
 *   - a locked vault refuses lock and unlock before anything is queued (FILELOCK_VAULT_LOCKED), so the UI
 *     can ask for a face match first;
 *   - every path comes validated (absolute, no NUL, bounded) — the engine re-checks what is on disk;
 *   - the list of locked items is sealed under the vault (storage/filelock/registry-store.ts): it is read
 *     only once the vault is unlocked, kept in memory only while it stays unlocked (dropped on lock), and
 *     read before any change is written, so a change never replaces a list it has not seen; a damaged list
 *     is set aside and reported (`listProblem`), the containers still open (the CLI, or dropping one);
 *   - failures keep the item with a plain-language `problem`; nothing is lost (see storage/filelock/lock-engine.ts).
 */
import { basename, dirname, isAbsolute, join } from 'node:path';
import type { LockedFilesView, LockedItem } from '../../shared/ipc-contract.ts';
import { isFaceVaultError } from '../errors/facevault-error.ts';
import { FileLockError } from './errors.ts';
import {
  containerPathFor,
  ITEM_ID_RE,
  lockPath,
  newItemId,
  recoverJournal,
  unlockContainer,
  type LockResult,
  type ProgressInfo,
  type RecoveryOutcome,
  type UnlockResult,
} from '../storage/filelock/lock-engine.ts';
import {
  createRegistryStore,
  type RegistryItem,
  type RegistryStore,
} from '../storage/filelock/registry-store.ts';
import { fileLockKeys, wipeKeys, type FileLockKeys, type VaultKeyAccess } from './vault-key.ts';

/** Asks the user for paths (the OS dialog in the app: electron-file-picker.ts). Empty: cancelled. */
export interface PathPicker {
  pick(kind: 'files' | 'folder'): Promise<readonly string[]>;
}

export interface FileLockServiceOptions {
  /** `<userData>/filelock`: journal/ and items.fvidx. */
  readonly dataDir: string;
  readonly vault: VaultKeyAccess;
  readonly picker?: PathPicker;
  readonly chunkSize?: number;
  readonly log?: (line: string) => void;
}

export interface FileLockService {
  /** The vault access it was built with (the CLI channel asks it for a face match or the passphrase). */
  readonly vault: VaultKeyAccess;
  /** Recovers interrupted operations, then loads the list. Call once at start, before anything else. */
  start(): Promise<readonly RecoveryOutcome[]>;
  view(): LockedFilesView;
  /** Queues locks of these paths; returns at once (progress via view()). */
  lock(paths: readonly string[]): Promise<LockedFilesView>;
  pickAndLock(kind: 'files' | 'folder'): Promise<LockedFilesView>;
  unlock(id: string): Promise<LockedFilesView>;
  relock(id: string): Promise<LockedFilesView>;
  /** Locks one path and waits (CLI): resolves with the result, rejects with the typed error. */
  lockNow(path: string, onProgress?: (p: ProgressInfo) => void): Promise<LockResult>;
  /** Unlocks one container path and waits (CLI). */
  unlockNow(containerPath: string, onProgress?: (p: ProgressInfo) => void): Promise<UnlockResult>;
  /** Resolves when the queue is empty (tests, quit). */
  idle(): Promise<void>;
}

export const MAX_PATHS_PER_CALL = 64;
export const MAX_PATH_CHARS = 4096;

export function checkPath(p: unknown): string {
  if (
    typeof p !== 'string' ||
    p.length === 0 ||
    p.length > MAX_PATH_CHARS ||
    p.includes('\0') ||
    !isAbsolute(p)
  ) {
    throw new FileLockError('FILELOCK_NOT_FOUND', 'expected an absolute path to a file or folder');
  }
  return p;
}

interface Live {
  readonly id: string;
  readonly displayName: string;
  readonly kind: 'file' | 'folder';
  state: 'locking' | 'unlocking' | 'error';
  sizeBytes: number;
  progress: number | null;
  problem: string | null;
  /** For failed new locks only (no registry entry): where it came from. */
  readonly path: string;
}

const problemOf = (e: unknown): string =>
  isFaceVaultError(e) ? e.message : 'Something went wrong; nothing was changed. Try again.';

export function createFileLockService(o: FileLockServiceOptions): FileLockService {
  const log = o.log ?? (() => {});
  const journalDir = join(o.dataDir, 'journal');
  const store: RegistryStore = createRegistryStore(o.dataDir, log);
  /** null: not read (the vault is locked, or it was not unlocked since start). */
  let items: RegistryItem[] | null = null;
  let listProblem: string | null = null;
  let loading: Promise<void> | null = null;
  const live = new Map<string, Live>();
  /** Problems of registered items from their last failed operation (kept until the next one). */
  const problems = new Map<string, string>();
  let queue: Promise<void> = Promise.resolve();
  let started = false;

  /** Reads the sealed list with these keys unless it is in memory (a damaged one: reported, then []). */
  const ensureLoaded = async (keys: FileLockKeys): Promise<RegistryItem[]> => {
    if (items) return items;
    try {
      items = await store.load(keys);
    } catch (e) {
      if (!(e instanceof FileLockError)) throw e;
      listProblem = e.message;
      log(`filelock: list of locked items: ${e.code}`);
      items = [];
    }
    return items;
  };
  /** Borrows the vault key to read the list (when the UI asks while the vault is unlocked). */
  const loadList = (): Promise<void> => {
    if (items || !o.vault.isUnlocked()) return Promise.resolve();
    loading ??= (async () => {
      const keys = await fileLockKeys(o.vault);
      try {
        await ensureLoaded(keys);
      } finally {
        wipeKeys(keys);
      }
    })()
      .catch((e: unknown) => log(`filelock: list not read: ${isFaceVaultError(e) ? e.code : 'internal'}`))
      .finally(() => {
        loading = null;
      });
    return loading;
  };
  const forget = () => {
    items = null;
    for (const [id, l] of live) if (l.state === 'error') live.delete(id);
  };
  o.vault.onLock?.(forget);
  const upsert = async (it: RegistryItem, keys: FileLockKeys) => {
    const now = await ensureLoaded(keys);
    items = [...now.filter((x) => x.id !== it.id), it];
    await store.save(items, keys);
  };

  const enqueue = <T>(job: () => Promise<T>): Promise<T> => {
    const run = queue.then(job, job);
    queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  };

  const requireStarted = () => {
    if (!started)
      throw new FileLockError('FILELOCK_BUSY', 'file locking is still starting up; try again in a moment');
  };
  const requireVault = () => {
    if (!o.vault.isUnlocked()) {
      throw new FileLockError(
        'FILELOCK_VAULT_LOCKED',
        'Verify it’s you first: unlock FaceVault with your face or your recovery passphrase.',
      );
    }
  };

  const view = (): LockedFilesView => {
    if (items && !o.vault.isUnlocked() && live.size === 0) forget();
    if (!items) void loadList();
    const listed = items ?? [];
    const out: LockedItem[] = [];
    for (const it of listed) {
      const l = live.get(it.id);
      out.push({
        id: it.id,
        displayName: it.displayName,
        kind: it.kind,
        state: l ? l.state : it.state,
        sizeBytes: it.sizeBytes,
        progress: l ? l.progress : null,
        problem: l?.problem ?? problems.get(it.id) ?? null,
      });
    }
    for (const l of live.values()) {
      if (listed.some((x) => x.id === l.id)) continue;
      out.push({
        id: l.id,
        displayName: l.displayName,
        kind: l.kind,
        state: l.state,
        sizeBytes: l.sizeBytes,
        progress: l.progress,
        problem: l.problem,
      });
    }
    return { items: out, listState: items ? 'ready' : 'vault-locked', listProblem };
  };

  const progressTo = (l: Live) => (p: ProgressInfo) => {
    l.progress = p.total > 0 ? Math.min(1, p.done / p.total) : 1;
  };

  /** One lock, with `id` (relock keeps the item's id). */
  async function doLock(
    path: string,
    id: string,
    onProgress?: (p: ProgressInfo) => void,
  ): Promise<LockResult> {
    const keys = await fileLockKeys(o.vault);
    try {
      const r = await lockPath(path, {
        journalDir,
        keys,
        id,
        ...(o.chunkSize ? { chunkSize: o.chunkSize } : {}),
        ...(onProgress ? { onProgress } : {}),
      });
      await upsert(
        {
          id: r.id,
          displayName: r.name,
          kind: r.kind,
          sizeBytes: r.bytes,
          containerPath: r.containerPath,
          originalPath: r.originalPath,
          state: 'locked',
          changedAt: Date.now(),
        },
        keys,
      );
      problems.delete(r.id);
      log(`filelock: locked item ${r.id} (${r.kind}, ${r.entries} entries)`);
      return r;
    } finally {
      wipeKeys(keys);
    }
  }

  async function doUnlock(
    containerPath: string,
    onProgress?: (p: ProgressInfo) => void,
  ): Promise<UnlockResult> {
    const keys = await fileLockKeys(o.vault);
    try {
      const r = await unlockContainer(containerPath, {
        journalDir,
        keys,
        ...(onProgress ? { onProgress } : {}),
      });
      const known = (await ensureLoaded(keys)).find((x) => x.containerPath === r.containerPath);
      const id = known?.id ?? idFromContainer(r.containerPath) ?? newItemId();
      await upsert(
        {
          id,
          displayName: r.name,
          kind: r.kind,
          sizeBytes: r.bytes,
          containerPath: known?.containerPath ?? containerPathFor(dirname(r.restoredPath), id),
          originalPath: r.restoredPath,
          state: 'unlocked',
          changedAt: Date.now(),
        },
        keys,
      );
      problems.delete(id);
      log(`filelock: unlocked item ${id}`);
      return r;
    } finally {
      wipeKeys(keys);
    }
  }

  const startLock = (path: string): void => {
    const id = newItemId();
    const l: Live = {
      id,
      displayName: basename(path),
      kind: 'file',
      state: 'locking',
      sizeBytes: 0,
      progress: 0,
      problem: null,
      path,
    };
    live.set(id, l);
    void enqueue(async () => {
      try {
        await doLock(path, id, progressTo(l));
        live.delete(id);
      } catch (e) {
        l.state = 'error';
        l.progress = null;
        l.problem = problemOf(e);
        log(`filelock: lock failed: ${isFaceVaultError(e) ? e.code : 'internal'}`);
      }
    });
  };

  const byId = (id: string): RegistryItem => {
    if (!ITEM_ID_RE.test(id)) throw new FileLockError('FILELOCK_UNKNOWN_ITEM', 'no such locked item');
    const it = items?.find((x) => x.id === id);
    if (!it) throw new FileLockError('FILELOCK_UNKNOWN_ITEM', 'no such locked item');
    if (live.has(id))
      throw new FileLockError('FILELOCK_BUSY', `${it.displayName} is already being locked or unlocked`);
    return it;
  };

  const runOnItem = (
    it: RegistryItem,
    state: 'locking' | 'unlocking',
    job: (l: Live) => Promise<unknown>,
  ): void => {
    const l: Live = {
      id: it.id,
      displayName: it.displayName,
      kind: it.kind,
      state,
      sizeBytes: it.sizeBytes,
      progress: 0,
      problem: null,
      path: it.originalPath,
    };
    live.set(it.id, l);
    problems.delete(it.id);
    void enqueue(async () => {
      try {
        await job(l);
      } catch (e) {
        problems.set(it.id, problemOf(e));
        log(
          `filelock: ${state === 'locking' ? 'relock' : 'unlock'} failed: ${isFaceVaultError(e) ? e.code : 'internal'}`,
        );
      } finally {
        live.delete(it.id);
      }
    });
  };

  return {
    vault: o.vault,
    async start() {
      const outcomes = await recoverJournal(journalDir);
      for (const r of outcomes) log(`filelock: recovered an interrupted ${r.op}: ${r.outcome}`);
      started = true;
      await loadList();
      return outcomes;
    },
    view,
    async lock(paths) {
      requireStarted();
      if (!Array.isArray(paths) || paths.length === 0 || paths.length > MAX_PATHS_PER_CALL) {
        throw new FileLockError('FILELOCK_NOT_FOUND', `give 1 to ${MAX_PATHS_PER_CALL} paths`);
      }
      const checked = paths.map(checkPath);
      requireVault();
      for (const p of checked) startLock(p);
      return view();
    },
    async pickAndLock(kind) {
      requireStarted();
      requireVault();
      if (!o.picker) throw new FileLockError('FILELOCK_UNSUPPORTED', 'no file picker in this host');
      const picked = await o.picker.pick(kind);
      if (picked.length === 0) return view();
      const checked = picked.slice(0, MAX_PATHS_PER_CALL).map(checkPath);
      for (const p of checked) startLock(p);
      return view();
    },
    async unlock(id) {
      requireStarted();
      requireVault();
      await loadList();
      const it = byId(id);
      if (it.state !== 'locked')
        throw new FileLockError('FILELOCK_UNKNOWN_ITEM', `${it.displayName} is not locked`);
      runOnItem(it, 'unlocking', (l) => doUnlock(it.containerPath, progressTo(l)));
      return view();
    },
    async relock(id) {
      requireStarted();
      requireVault();
      await loadList();
      const it = byId(id);
      if (it.state !== 'unlocked')
        throw new FileLockError('FILELOCK_UNKNOWN_ITEM', `${it.displayName} is already locked`);
      runOnItem(it, 'locking', (l) => doLock(it.originalPath, it.id, progressTo(l)));
      return view();
    },
    async lockNow(path, onProgress) {
      requireStarted();
      const p = checkPath(path);
      requireVault();
      return enqueue(() => doLock(p, newItemId(), onProgress));
    },
    async unlockNow(containerPath, onProgress) {
      requireStarted();
      const p = checkPath(containerPath);
      requireVault();
      return enqueue(() => doUnlock(p, onProgress));
    },
    idle: () => queue,
  };
}

function idFromContainer(p: string): string | null {
  const b = basename(p);
  const id = b.endsWith('.fvlock') ? b.slice(0, -'.fvlock'.length) : '';
  return ITEM_ID_RE.test(id) ? id : null;
}
