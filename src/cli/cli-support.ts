/**
 * Shared plumbing of the `facevault` vendor CLI: documented exit codes, one-line error reporting with the
 * stable error code, safe file I/O (secret files created 0600 with O_EXCL, no silent overwrite), and a
 * progress bar only when stdout is a TTY. Never prints key material.
 *
 * Exit codes: 0 ok · 1 usage / unsupported option · 2 bad input file (missing, unreadable, not ONNX,
 * wrong or malformed key file, malformed/unsupported bundle or licence structure) · 3 verification failed
 * (signature, integrity, catalog signature or pinned digest, licence invalid / wrong device) · 4 output exists or cannot be written · 70 internal.
 */
import { existsSync, readFileSync, renameSync, unlinkSync, writeFileSync, chmodSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { isFaceVaultError } from '../main/errors/facevault-error.ts';
import { KeyFileError } from '../main/model/key-files.ts';

export const EXIT = { OK: 0, USAGE: 1, BAD_INPUT: 2, VERIFY_FAILED: 3, OUTPUT: 4, INTERNAL: 70 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  readonly exitCode: ExitCode;
  readonly code: string;
  constructor(exitCode: ExitCode, code: string, message: string) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
    this.code = code;
  }
}

const VERIFY_CODES = new Set([
  'BUNDLE_SIGNATURE_INVALID', 'BUNDLE_INTEGRITY', 'BUNDLE_NOT_IN_CATALOG', 'MODEL_CATALOG_SIGNATURE', 'LICENSE_INVALID', 'LICENSE_WRONG_DEVICE',
]);

/** Maps any thrown value to (exit code, one-line message). */
export function describeFailure(e: unknown): { exitCode: ExitCode; line: string } {
  if (e instanceof CliError) return { exitCode: e.exitCode, line: `${e.code}: ${e.message}` };
  if (e instanceof KeyFileError) return { exitCode: EXIT.BAD_INPUT, line: `${e.code}: ${e.message}` };
  if (isFaceVaultError(e)) {
    return { exitCode: VERIFY_CODES.has(e.code) ? EXIT.VERIFY_FAILED : EXIT.BAD_INPUT, line: `${e.code}: ${e.message}` };
  }
  const msg = e instanceof Error ? e.message : String(e);
  return { exitCode: EXIT.INTERNAL, line: `INTERNAL: ${msg.split('\n')[0] ?? ''}` };
}

/** Reads an input file; missing / unreadable → exit 2 with a one-line message naming `what`. */
export function readInput(path: string, what: string, maxBytes = 2 ** 31 - 1): Uint8Array {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (e) {
    const code = e instanceof Error && 'code' in e ? String(e.code) : 'EIO';
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code;
    throw new CliError(EXIT.BAD_INPUT, 'INPUT_UNREADABLE', `${what} ${path}: ${reason}`);
  }
  if (data.length > maxBytes) throw new CliError(EXIT.BAD_INPUT, 'INPUT_TOO_LARGE', `${what} ${path}: larger than ${maxBytes} bytes`);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export function refuseOverwrite(path: string, force: boolean): void {
  if (!force && existsSync(path)) {
    throw new CliError(EXIT.OUTPUT, 'OUTPUT_EXISTS', `${path} exists (use --force to overwrite)`);
  }
}

/**
 * Writes atomically (temp file in the same directory + rename). Secret files are created with mode 0600
 * from the start (O_EXCL on the temp name), so they are never briefly world-readable.
 */
export function writeOutput(path: string, data: string | Uint8Array, opts: { force: boolean; secret?: boolean }): void {
  refuseOverwrite(path, opts.force);
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, data, { flag: 'wx', mode: opts.secret ? 0o600 : 0o644 });
    if (opts.secret) chmodSync(tmp, 0o600); // umask cannot loosen it, but be explicit
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* temp file may not exist */
    }
    if (e instanceof CliError) throw e;
    throw new CliError(EXIT.OUTPUT, 'OUTPUT_UNWRITABLE', `cannot write ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** A progress callback drawing a bar on a TTY; a no-op otherwise (or in --json mode). */
export function progress(label: string, enabled: boolean): { tick: (done: number, total: number) => void; stop: () => void } {
  if (!enabled || !process.stdout.isTTY) return { tick: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% | {value}/{total} bytes`, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    tick(done, total) {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.update(done);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

export const printJson = (v: unknown): void => {
  process.stdout.write(JSON.stringify(v, null, 2) + '\n');
};
