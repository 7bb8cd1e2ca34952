/**
 * Shared plumbing of the `facevault` vendor CLI: documented exit codes, one-line error reporting with the
 * stable error code, safe file I/O (secret files created 0600 with O_EXCL, no silent overwrite), and a
 * progress bar only when stdout is a TTY. Never prints key material.
 *
 * Exit codes: 0 ok · 1 usage / unsupported option · 2 bad input file (missing, unreadable, not ONNX,
 * wrong or malformed key file, malformed/unsupported bundle or licence structure) · 3 verification failed
 * (signature, integrity, catalog signature or pinned digest, licence invalid / wrong device) · 4 output exists or cannot be written ·
 * 5 the FaceVault app is not running (lock / unlock) · 6 not authorised (vault locked, face or passphrase refused,
 * channel not private) · 70 internal.
 */
import { existsSync, renameSync, unlinkSync, writeFileSync, chmodSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { isFaceVaultError } from '../main/errors/facevault-error.ts';
import { KeyFileError } from '../main/model/key-files.ts';
import { readHeaderLength } from '../main/model/bundle/header.ts';
import { maxBundleBytes } from '../main/model/bundle/read-bundle.ts';
import { onnxHeaderPlausible } from '../main/model/onnx-sniff.ts';
import { describeRefusal, readBoundedFileSync, type ReadRefusal } from '../main/storage/bounded-read.ts';

export const EXIT = {
  OK: 0,
  USAGE: 1,
  BAD_INPUT: 2,
  VERIFY_FAILED: 3,
  OUTPUT: 4,
  NO_APP: 5,
  NOT_AUTHORISED: 6,
  INTERNAL: 70,
} as const;
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
  'BUNDLE_SIGNATURE_INVALID',
  'BUNDLE_INTEGRITY',
  'BUNDLE_NOT_IN_CATALOG',
  'MODEL_CATALOG_SIGNATURE',
  'LICENSE_INVALID',
  'LICENSE_WRONG_DEVICE',
]);

const FILE_VERIFY = new Set([
  'FILELOCK_INTEGRITY',
  'FILELOCK_MALFORMED',
  'FILELOCK_WRONG_VAULT',
  'FILELOCK_UNSUPPORTED',
]);
const FILE_OUTPUT = new Set(['FILELOCK_TARGET_EXISTS', 'FILELOCK_NOT_WRITABLE', 'FILELOCK_NO_SPACE']);

/** Exit code for an error code reported by the app over the local channel (lock / unlock). */
export function exitForCode(code: string): ExitCode {
  if (code === 'LOCAL_CHANNEL_UNAVAILABLE') return EXIT.NO_APP;
  if (
    code === 'FILELOCK_VAULT_LOCKED' ||
    code === 'LOCAL_CHANNEL_DENIED' ||
    code.startsWith('VAULT_') ||
    code === 'VERIFY_LOCKED_OUT'
  )
    return EXIT.NOT_AUTHORISED;
  if (code === 'FILELOCK_WORKER_FAILED') return EXIT.INTERNAL; // a cipher thread died: our fault, not the input
  if (FILE_VERIFY.has(code)) return EXIT.VERIFY_FAILED;
  if (FILE_OUTPUT.has(code)) return EXIT.OUTPUT;
  if (code.startsWith('FILELOCK_')) return EXIT.BAD_INPUT;
  return EXIT.INTERNAL;
}

/** Maps any thrown value to (exit code, one-line message). */
export function describeFailure(e: unknown): { exitCode: ExitCode; line: string } {
  if (e instanceof CliError) return { exitCode: e.exitCode, line: `${e.code}: ${e.message}` };
  if (e instanceof KeyFileError) return { exitCode: EXIT.BAD_INPUT, line: `${e.code}: ${e.message}` };
  if (isFaceVaultError(e)) {
    return {
      exitCode: VERIFY_CODES.has(e.code) ? EXIT.VERIFY_FAILED : EXIT.BAD_INPUT,
      line: `${e.code}: ${e.message}`,
    };
  }
  const msg = e instanceof Error ? e.message : String(e);
  return { exitCode: EXIT.INTERNAL, line: `INTERNAL: ${msg.split('\n')[0] ?? ''}` };
}

/** What an input file must look like before its body is read (magic before body). */
export type InputKind = 'onnx' | 'bundle' | 'any';

const HEADER_CHECKS: Record<
  Exclude<InputKind, 'any'>,
  { bytes: number; check: (what: string, path: string, head: Uint8Array) => void }
> = {
  onnx: {
    bytes: 16,
    check: (what, path, head) => {
      if (!onnxHeaderPlausible(head))
        throw new CliError(
          EXIT.BAD_INPUT,
          'NOT_ONNX',
          `${what} ${path}: not an ONNX model (ModelProto header not found)`,
        );
    },
  },
  // Magic, version and header length (bundle/header.ts): a BUNDLE_MALFORMED / BUNDLE_UNSUPPORTED error.
  bundle: { bytes: 12, check: (_what, _path, head) => void readHeaderLength(head) },
};

const inputRefusal =
  (what: string, path: string, maxBytes: number) =>
  (why: ReadRefusal): Error => {
    if (why.kind === 'too-large')
      return new CliError(
        EXIT.BAD_INPUT,
        'INPUT_TOO_LARGE',
        `${what} ${path}: larger than ${maxBytes} bytes`,
      );
    const reason =
      why.kind === 'not-regular' && why.fileKind === 'directory' ? 'is a directory' : describeRefusal(why);
    return new CliError(EXIT.BAD_INPUT, 'INPUT_UNREADABLE', `${what} ${path}: ${reason}`);
  };

/**
 * Reads an input file through the storage concern's bounded reader: a regular file only (a FIFO, a device
 * such as /dev/zero, a directory or a socket is refused before reading; a symlink a person typed is followed,
 * its target checked), at most `maxBytes` (checked from fstat before allocating), the header of an ONNX model
 * or bundle checked before the body is read, and a file that changes size while read is refused.
 * Any refusal → exit 2 with a one-line message naming `what`.
 */
export function readInput(
  path: string,
  what: string,
  maxBytes?: number,
  kind: InputKind = 'any',
): Uint8Array {
  const max = maxBytes ?? (kind === 'bundle' ? maxBundleBytes() : 2 ** 31 - 1);
  const header = kind === 'any' ? undefined : HEADER_CHECKS[kind];
  return readBoundedFileSync(path, {
    maxBytes: max,
    symlinks: 'follow',
    ...(header
      ? { header: { bytes: header.bytes, check: (head: Uint8Array) => header.check(what, path, head) } }
      : {}),
    refuse: inputRefusal(what, path, max),
  });
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
export function writeOutput(
  path: string,
  data: string | Uint8Array,
  opts: { force: boolean; secret?: boolean },
): void {
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
    throw new CliError(
      EXIT.OUTPUT,
      'OUTPUT_UNWRITABLE',
      `cannot write ${path}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

/** A progress callback drawing a bar on a TTY; a no-op otherwise (or in --json mode). */
export function progress(
  label: string,
  enabled: boolean,
): { tick: (done: number, total: number) => void; stop: () => void } {
  if (!enabled || !process.stdout.isTTY) return { tick: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} bytes`,
      hideCursor: true,
      clearOnComplete: true,
    },
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
