/**
 * Crash safety: a lock or unlock killed (SIGKILL, real child processes) at every durable step and at
 * several byte offsets leaves no file lost once recovery has run (as it does at every start).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lockPath, type LockStep } from '../../src/main/storage/filelock/lock-engine.ts';
import { deriveFileLockKeys } from '../../src/main/filelock/vault-key.ts';
import { recoverAndCheck, runChild, treeDigest } from '../support/filelock-crash.ts';

const root = mkdtempSync(join(tmpdir(), 'fvlock-crash-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const key = new Uint8Array(randomBytes(32));
const CHUNK = 4096;
const SIZE = 6 * CHUNK + 100;

const LOCK_POINTS: Array<{ killStep?: LockStep; killDetail?: number; killAtByte?: number }> = [
  { killStep: 'journal-written' },
  { killStep: 'temp-created' },
  { killStep: 'chunk-written', killDetail: 0 },
  { killStep: 'chunk-written', killDetail: 3 },
  { killStep: 'verified' },
  { killStep: 'temp-synced' },
  { killStep: 'renamed' },
  { killStep: 'source-removed' },
  { killStep: 'journal-removed' },
  { killAtByte: 1 },
  { killAtByte: 2 * CHUNK },
  { killAtByte: 5 * CHUNK },
];
const UNLOCK_POINTS: Array<{ killStep?: LockStep; killAtByte?: number }> = [
  { killStep: 'journal-written' },
  { killStep: 'staging-created' },
  { killAtByte: 3 * CHUNK },
  { killStep: 'extracted' },
  { killStep: 'placing' },
  { killStep: 'placed' },
  { killStep: 'container-removed' },
];

function setup(kind: 'file' | 'folder'): {
  dir: string;
  name: string;
  path: string;
  digest: string;
  journalDir: string;
} {
  const dir = mkdtempSync(join(root, 'case-'));
  const journalDir = join(dir, '.journal');
  mkdirSync(journalDir);
  const name = kind === 'file' ? 'data.bin' : 'folder';
  const path = join(dir, name);
  if (kind === 'file') writeFileSync(path, randomBytes(SIZE));
  else {
    mkdirSync(join(path, 'sub'), { recursive: true });
    writeFileSync(join(path, 'a.bin'), randomBytes(SIZE));
    writeFileSync(join(path, 'sub', 'b.bin'), randomBytes(CHUNK));
  }
  const digest = treeDigest(path);
  return { dir, name, path, digest, journalDir };
}

describe('every kill point of a small run leaves no file lost', () => {
  // Each lock kill point on one thread and with the cipher pool (two threads seal while main writes).
  it.each([0, 2].flatMap((threads) => LOCK_POINTS.map((p, i) => [i, threads, p] as const)))(
    'lock, kill point %i, %i cipher threads, %o',
    async (_i, cipherThreads, point) => {
      const c = setup('file');
      const run = await runChild({
        op: 'lock',
        path: c.path,
        journalDir: c.journalDir,
        key,
        chunkSize: CHUNK,
        cipherThreads,
        ...point,
      });
      expect(run.ended, run.stderr).toBe('killed');
      const check = await recoverAndCheck(c.dir, c.name, c.digest, c.journalDir, key);
      expect(check.lost, check.why).toBe(false);
    },
  );

  it.each([0, 2].flatMap((threads) => UNLOCK_POINTS.map((p, i) => [i, threads, p] as const)))(
    'unlock, kill point %i, %i cipher threads, %o',
    async (_i, cipherThreads, point) => {
      const c = setup('file');
      const r = await lockPath(c.path, {
        journalDir: c.journalDir,
        keys: deriveFileLockKeys(key),
        chunkSize: CHUNK,
      });
      const run = await runChild({
        op: 'unlock',
        path: r.containerPath,
        journalDir: c.journalDir,
        key,
        chunkSize: CHUNK,
        cipherThreads,
        ...point,
      });
      expect(run.ended, run.stderr).toBe('killed');
      const check = await recoverAndCheck(c.dir, c.name, c.digest, c.journalDir, key);
      expect(check.lost, check.why).toBe(false);
    },
  );

  it.each(['verified', 'renamed', 'source-removed'] as const)(
    'a folder killed at %s: intact folder or complete locked folder',
    async (killStep) => {
      const c = setup('folder');
      const run = await runChild({
        op: 'lock',
        path: c.path,
        journalDir: c.journalDir,
        key,
        chunkSize: CHUNK,
        killStep,
      });
      expect(run.ended, run.stderr).toBe('killed');
      const check = await recoverAndCheck(c.dir, c.name, c.digest, c.journalDir, key);
      expect(check.lost, check.why).toBe(false);
    },
  );
});
