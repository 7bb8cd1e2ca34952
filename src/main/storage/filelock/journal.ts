/**
 * The operation journal and crash recovery (docs/filelock-format.md "Kill points and recovery"). One JSON
 * entry per operation in flight, written durably (fsync, rename, fsync folder) before the operation
 * changes anything. `recoverJournal` (run at every start, before any new operation) finishes or rolls back
 * what each entry describes. Guarantees: an original is deleted only when its locked copy is in place under
 * its final name and its header and length check, and only if its dev:ino is still the journalled one; a
 * container is deleted only once its restored original is in place; an entry whose folder is not reachable
 * is kept (`deferred`); an unreadable entry is reported, not acted on.
 */
import { lstat, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { inspectContainer } from './container-read.ts';
import { ensurePrivateDir, fsyncDir, removeDurable, writeFileDurable } from './durable.ts';
import { exists, removeTree } from './engine-io.ts';
import { idOf } from './source-tree.ts';

export type JournalEntry =
  | {
      readonly v: 1;
      readonly op: 'lock';
      readonly id: string;
      readonly source: string;
      readonly sourceId: string;
      readonly kind: 'file' | 'folder';
      readonly container: string;
      readonly temp: string;
    }
  | {
      readonly v: 1;
      readonly op: 'unlock';
      readonly id: string;
      readonly container: string;
      readonly staging: string;
      readonly target: string;
      readonly name: string;
      readonly phase: 'extracting' | 'placing';
    };

export const journalFile = (journalDir: string, id: string) => join(journalDir, `${id}.json`);

export async function writeJournal(journalDir: string, e: JournalEntry): Promise<void> {
  await ensurePrivateDir(journalDir);
  await writeFileDurable(journalFile(journalDir, e.id), JSON.stringify(e));
}

export interface RecoveryOutcome {
  readonly id: string;
  readonly op: 'lock' | 'unlock';
  /** completed: the new state is in place; rolled-back: the original is untouched; deferred: its folder is not reachable now. */
  readonly outcome: 'completed' | 'rolled-back' | 'deferred' | 'unreadable-journal';
  readonly path: string;
}

/**
 * Finishes or rolls back every operation a journal entry describes (run at every start, before any new
 * operation). Never deletes an original unless its locked copy is in place and complete (rename happens
 * only after verification and fsync, so a container under its final name is complete; its header and
 * length are checked again here anyway).
 */
export async function recoverJournal(journalDir: string): Promise<RecoveryOutcome[]> {
  let names: string[];
  try {
    names = (await readdir(journalDir)).filter((n) => /^[a-z2-7]{26}\.json$/.test(n));
  } catch {
    return [];
  }
  const out: RecoveryOutcome[] = [];
  for (const n of names.sort()) {
    const file = join(journalDir, n);
    let e: JournalEntry;
    try {
      e = JSON.parse(await readFile(file, 'utf8')) as JournalEntry;
      if (e.v !== 1 || (e.op !== 'lock' && e.op !== 'unlock') || `${e.id}.json` !== n)
        throw new Error('shape');
    } catch {
      out.push({ id: n.slice(0, 26), op: 'lock', outcome: 'unreadable-journal', path: file });
      continue;
    }
    out.push(e.op === 'lock' ? await recoverLock(e, file) : await recoverUnlock(e, file));
  }
  return out;
}

async function recoverLock(e: Extract<JournalEntry, { op: 'lock' }>, file: string): Promise<RecoveryOutcome> {
  const dir = dirname(e.container);
  if (!(await exists(dir))) return { id: e.id, op: 'lock', outcome: 'deferred', path: e.source };
  let complete = false;
  try {
    await inspectContainer(e.container);
    complete = true;
  } catch {
    complete = false;
  }
  if (complete) {
    // The locked copy is in place: finish removing the original, if it is still the one we locked.
    try {
      const st = await lstat(e.source, { bigint: true });
      if (idOf(st) === e.sourceId) await rm(e.source, { recursive: e.kind === 'folder', force: true });
    } catch {
      /* already gone */
    }
    await rm(e.temp, { force: true });
    await fsyncDir(dir);
    await removeDurable(file);
    return { id: e.id, op: 'lock', outcome: 'completed', path: e.container };
  }
  await rm(e.temp, { force: true });
  await fsyncDir(dir);
  await removeDurable(file);
  return { id: e.id, op: 'lock', outcome: 'rolled-back', path: e.source };
}

async function recoverUnlock(
  e: Extract<JournalEntry, { op: 'unlock' }>,
  file: string,
): Promise<RecoveryOutcome> {
  const dir = dirname(e.container);
  if (!(await exists(dir))) return { id: e.id, op: 'unlock', outcome: 'deferred', path: e.container };
  const staged = join(e.staging, e.name);
  if (e.phase === 'placing' && !(await exists(staged)) && (await exists(e.target))) {
    await rm(e.container, { force: true });
    await removeTree(e.staging);
    await fsyncDir(dir);
    await removeDurable(file);
    return { id: e.id, op: 'unlock', outcome: 'completed', path: e.target };
  }
  await removeTree(e.staging);
  await fsyncDir(dir);
  await removeDurable(file);
  return { id: e.id, op: 'unlock', outcome: 'rolled-back', path: e.container };
}
