/**
 * Child process for the crash-safety runs (test/security/filelock-crash.test.ts, bench/filelock.ts): locks
 * or unlocks one path with a real key and SIGKILLs itself at a chosen durable step or after a chosen number
 * of payload bytes, or runs until the parent kills it. Prints "P <bytes>" progress lines on stdout.
 * Input: one JSON argument {op, path, journalDir, keyHex, chunkSize, killStep?, killDetail?, killAtByte?,
 * cipherThreads? (unset: the engine's default)}.
 */
import { hexToBytes } from '@noble/hashes/utils.js';
import { lockPath, unlockContainer, type LockStep } from '../../src/main/storage/filelock/lock-engine.ts';
import { deriveFileLockKeys } from '../../src/main/filelock/vault-key.ts';

interface ChildInput {
  op: 'lock' | 'unlock';
  path: string;
  journalDir: string;
  keyHex: string;
  chunkSize: number;
  killStep?: LockStep;
  killDetail?: number;
  killAtByte?: number;
  cipherThreads?: number;
}

const input = JSON.parse(process.argv[2] ?? '{}') as ChildInput;
const die = (): never => {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
};
const opts = {
  journalDir: input.journalDir,
  keys: deriveFileLockKeys(hexToBytes(input.keyHex)),
  chunkSize: input.chunkSize,
  cipherThreads: input.cipherThreads,
  onStep: (s: LockStep, d: number) => {
    if (s === input.killStep && (input.killDetail === undefined || d === input.killDetail)) die();
  },
  onProgress: (p: { done: number }) => {
    if (input.killAtByte !== undefined && p.done >= input.killAtByte) die();
    process.stdout.write(`P ${p.done}\n`);
  },
};
if (input.op === 'lock') await lockPath(input.path, opts);
else await unlockContainer(input.path, opts);
process.stdout.write('DONE\n');
