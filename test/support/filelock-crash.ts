/**
 * Crash-safety harness shared by the test and the benchmark: run a lock (or unlock) in a child process,
 * kill it (it kills itself at a step / byte, or the parent SIGKILLs it after a delay), run recovery as the
 * next start would, then check the one file: the original intact, or one complete locked file that
 * unlocks to exactly the original. Anything else is a lost file.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesToHex } from '@noble/hashes/utils.js';
import {
  recoverJournal,
  unlockContainer,
  type LockStep,
  type RecoveryOutcome,
} from '../../src/main/storage/filelock/lock-engine.ts';
import { deriveFileLockKeys } from '../../src/main/filelock/vault-key.ts';

const CHILD = join(import.meta.dirname, 'filelock-kill-child.ts');

export interface KillPlan {
  readonly op: 'lock' | 'unlock';
  readonly path: string;
  readonly journalDir: string;
  readonly key: Uint8Array;
  readonly chunkSize: number;
  readonly killStep?: LockStep;
  readonly killDetail?: number;
  readonly killAtByte?: number;
  /** Cipher threads of the child's lock / unlock (unset: the engine's default). */
  readonly cipherThreads?: number;
  /** Parent-side SIGKILL after this many ms (measured from the first progress line, or spawn). */
  readonly killAfterMs?: number;
}

export interface KillRun {
  /** How the child ended: 'killed' (SIGKILL) or 'finished' (it completed before the kill point). */
  readonly ended: 'killed' | 'finished' | 'failed';
  readonly stderr: string;
}

export function runChild(plan: KillPlan): Promise<KillRun> {
  const arg = JSON.stringify({
    ...plan,
    key: undefined,
    killAfterMs: undefined,
    keyHex: bytesToHex(plan.key),
  });
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [CHILD, arg], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let timer: NodeJS.Timeout | null = null;
    const arm = () => {
      if (plan.killAfterMs !== undefined && !timer)
        timer = setTimeout(() => child.kill('SIGKILL'), plan.killAfterMs);
    };
    child.stdout.on('data', () => arm());
    if (plan.killAfterMs !== undefined && plan.killAfterMs > 50) setTimeout(arm, 400); // small files may print nothing early
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolveRun({ ended: signal === 'SIGKILL' ? 'killed' : code === 0 ? 'finished' : 'failed', stderr });
    });
  });
}

export interface FileCheck {
  readonly lost: boolean;
  readonly state: 'original' | 'locked' | 'lost';
  readonly why: string;
  readonly recovery: readonly RecoveryOutcome[];
}

/** SHA-256 of a file, or of a folder's sorted (relative path, kind, contents) list. */
export function treeDigest(p: string): string {
  const h = createHash('sha256');
  const walk = (abs: string, rel: string): void => {
    const st = lstatSync(abs);
    if (st.isDirectory()) {
      h.update(`D ${rel}\0`);
      for (const n of readdirSync(abs).sort()) walk(join(abs, n), `${rel}/${n}`);
    } else {
      h.update(`F ${rel} ${st.size}\0`);
      h.update(readFileSync(abs));
    }
  };
  walk(p, '.');
  return h.digest('hex');
}
const sha = treeDigest;

/**
 * Runs recovery, then checks `dir` (which held only `name`, digest `digest`, before the run). A locked file
 * is proven complete by unlocking it (which also puts the original back for the next round).
 */
export async function recoverAndCheck(
  dir: string,
  name: string,
  digest: string,
  journalDir: string,
  key: Uint8Array,
): Promise<FileCheck> {
  const recovery = await recoverJournal(journalDir);
  const left = readdirSync(journalDir, { withFileTypes: true }).filter((d) => d.name.endsWith('.json'));
  const all = readdirSync(dir).filter((n) => join(dir, n) !== journalDir);
  const stray = all.filter((n) => n.endsWith('.partial') || n.endsWith('.restore'));
  const containers = all.filter((n) => n.endsWith('.fvlock'));
  const fail = (why: string): FileCheck => ({ lost: true, state: 'lost', why, recovery });
  if (left.length > 0) return fail(`journal entries left after recovery: ${left.length}`);
  if (stray.length > 0) return fail(`temporary files left: ${stray.join(', ')}`);
  const hasOriginal = existsSync(join(dir, name));
  if (hasOriginal && containers.length === 0) {
    return sha(join(dir, name)) === digest
      ? { lost: false, state: 'original', why: 'original intact', recovery }
      : fail('original changed');
  }
  if (!hasOriginal && containers.length === 1) {
    try {
      await unlockContainer(join(dir, containers[0]!), { journalDir, keys: deriveFileLockKeys(key) });
    } catch (e) {
      return fail(`locked file does not unlock: ${(e as Error).message}`);
    }
    return sha(join(dir, name)) === digest
      ? { lost: false, state: 'locked', why: 'complete locked file', recovery }
      : fail('unlocked contents differ');
  }
  return fail(`original ${hasOriginal ? 'present' : 'absent'} with ${containers.length} locked file(s)`);
}
