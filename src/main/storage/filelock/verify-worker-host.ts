/**
 * Main-thread handle of the decrypt-check worker (filelock-verify-worker.ts). One worker per lock
 * operation; `finish()` resolves with the verified byte count or rejects with FILELOCK_IO naming the chunk
 * that did not read back. The file key is copied to the worker once and wiped there; ours is wiped by the
 * caller. Falls back to nothing: if the worker cannot start, the lock fails (it never skips the check).
 */
import { Worker } from 'node:worker_threads';
import { FileLockError } from '../../filelock/errors.ts';
import type { VerifyReply, VerifyRequest } from './filelock-verify-worker.ts';

/** Source: the .ts beside this file (Node strips types); built app: out/main/filelock-verify-worker.js. */
function workerEntry(): URL {
  const fromSource = import.meta.url.endsWith('.ts');
  return new URL(fromSource ? './filelock-verify-worker.ts' : './filelock-verify-worker.js', import.meta.url);
}

export interface ChunkVerifier {
  chunk(index: number, final: boolean, pos: number, len: number): void;
  finish(): Promise<number>;
  terminate(): Promise<void>;
}

export function startVerifier(o: {
  path: string;
  key: Uint8Array;
  nonceBase: Uint8Array;
  ad: Uint8Array;
  chunkSize: number;
}): ChunkVerifier {
  // Not the parent's flags (an --eval / --input-type parent would make the worker fail to load its file).
  const worker = new Worker(workerEntry(), {
    execArgv: process.execArgv.filter((a) => !a.startsWith('--input-type') && a !== '-e' && a !== '--eval'),
  });
  let error: FileLockError | null = null;
  let settle: { resolve: (n: number) => void; reject: (e: unknown) => void } | null = null;
  const fail = (e: FileLockError) => {
    error ??= e;
    settle?.reject(error);
  };
  worker.on('message', (m: VerifyReply) => {
    if (m.kind === 'error')
      fail(
        new FileLockError(
          'FILELOCK_IO',
          `the locked file did not read back correctly (${m.message}); the original was not changed`,
        ),
      );
    else settle?.resolve(m.bytes);
  });
  worker.on('error', (e) =>
    fail(
      new FileLockError('FILELOCK_IO', 'the verification thread failed; the original was not changed', {
        cause: e,
      }),
    ),
  );
  worker.on('exit', (code) => {
    if (code !== 0)
      fail(
        new FileLockError(
          'FILELOCK_IO',
          `the verification thread exited (${code}); the original was not changed`,
        ),
      );
  });
  const post = (m: VerifyRequest) => worker.postMessage(m);
  post({ kind: 'init', path: o.path, key: o.key, nonceBase: o.nonceBase, ad: o.ad, chunkSize: o.chunkSize });
  return {
    chunk: (index, final, pos, len) => {
      if (!error) post({ kind: 'chunk', index, final, pos, len });
    },
    finish: () =>
      new Promise<number>((resolve, reject) => {
        if (error) return reject(error);
        settle = { resolve, reject };
        post({ kind: 'done' });
      }).finally(() => void worker.terminate()),
    terminate: async () => {
      await worker.terminate();
    },
  };
}
