/**
 * Secret key files of the vendor CLI (vendor.key.json, *.modelkey.json, device.key.json): refused unless only
 * their owner can access them, like OpenSSH refuses a private key readable by others. The error names the exact
 * command that fixes it. Key directories the CLI creates are 0700 whatever the umask (umask can only remove
 * bits, and a umask that removes the owner's is corrected with an explicit chmod).
 */
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { KEY_FILE_MAX_BYTES, keyFileType } from '../main/model/key-files.ts';
import { CliError, EXIT, readInput } from './cli-support.ts';

export const SECRET_FILE_MODE = 0o600;
export const SECRET_DIR_MODE = 0o700;

/** `path` quoted for a POSIX shell when it needs it, so the suggested command can be pasted as is. */
export function shellQuote(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replaceAll("'", `'\\''`)}'`;
}

/** The exact fix for a too-open key file. */
export const chmodFix = (path: string): string => `chmod 600 ${shellQuote(path)}`;

/** Key file types that hold secret material (key-files.ts). */
const SECRET_TYPES = new Set([
  'facevault/vendor-secret-key',
  'facevault/device-secret-key',
  'facevault/model-key',
]);

/**
 * Reads a key file the command expects to be secret. When it is one (by its type tag), it is refused unless
 * no group or other permission bit is set on it (checked on the file a symlink points to, which is what was
 * read); the bytes are wiped before the error. Another kind of file (a public key passed by mistake) goes
 * back to the caller, whose parser reports the wrong type. Missing / unreadable files: readInput's errors.
 */
export function readSecretKeyFile(path: string, what: string, maxBytes = KEY_FILE_MAX_BYTES): Uint8Array {
  const bytes = readInput(path, what, maxBytes);
  let secret = false;
  try {
    secret = SECRET_TYPES.has(keyFileType(bytes));
  } catch {
    /* not a key file: the caller's parser says so */
  }
  if (!secret) return bytes;
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    bytes.fill(0);
    throw new CliError(
      EXIT.BAD_INPUT,
      'KEY_FILE_PERMISSIONS',
      `${what} ${path} is accessible by group or others (mode ${mode.toString(8).padStart(4, '0')}); a private key must be readable by its owner only: run \`${chmodFix(path)}\``,
    );
  }
  return bytes;
}

/**
 * Creates `dir` (and missing parents) with mode 0700, and chmods every directory it created to exactly 0700
 * (umask can only remove bits; a umask that removes the owner's is corrected). An existing directory is left
 * as it is. Also used by the model build for its cache (tools/build-layout.ts).
 */
export function makePrivateDir(dir: string): void {
  const target = resolve(dir);
  const first = mkdirSync(target, { recursive: true, mode: SECRET_DIR_MODE });
  if (first === undefined) return;
  for (let d = target; ; d = dirname(d)) {
    chmodSync(d, SECRET_DIR_MODE);
    if (d === first || dirname(d) === d) break;
  }
}

/** makePrivateDir for the CLI: a failure is exit 4 (OUTPUT_UNWRITABLE). */
export function makeKeyDir(dir: string): void {
  try {
    makePrivateDir(dir);
  } catch (e) {
    throw new CliError(
      EXIT.OUTPUT,
      'OUTPUT_UNWRITABLE',
      `cannot create ${dir}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}
