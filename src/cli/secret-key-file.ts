/**
 * Secret key files of the vendor CLI (vendor.key.json, *.modelkey.json, device.key.json): refused unless only
 * their owner can access them, like OpenSSH refuses a private key readable by others. The error names the exact
 * command that fixes it. Key directories the CLI creates are 0700 whatever the umask (umask can only remove
 * bits, and a umask that removes the owner's is corrected with an explicit chmod).
 */
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { KEY_FILE_MAX_BYTES } from '../main/model/key-files.ts';
import { CliError, EXIT, readInput } from './cli-support.ts';

export const SECRET_FILE_MODE = 0o600;
export const SECRET_DIR_MODE = 0o700;

/** `path` quoted for a POSIX shell when it needs it, so the suggested command can be pasted as is. */
export function shellQuote(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replaceAll("'", `'\\''`)}'`;
}

/** The exact fix for a too-open key file. */
export const chmodFix = (path: string): string => `chmod 600 ${shellQuote(path)}`;

/**
 * Reads a secret key file after checking (on the file a symlink points to, which is what gets read) that no
 * group or other permission bit is set. Missing or unreadable files are reported by readInput as usual.
 */
export function readSecretKeyFile(path: string, what: string, maxBytes = KEY_FILE_MAX_BYTES): Uint8Array {
  let mode: number | null = null;
  try {
    const st = statSync(path);
    if (st.isFile()) mode = st.mode & 0o777;
  } catch {
    /* readInput reports it with its usual message */
  }
  if (mode !== null && (mode & 0o077) !== 0) {
    throw new CliError(
      EXIT.BAD_INPUT,
      'KEY_FILE_PERMISSIONS',
      `${what} ${path} is accessible by group or others (mode ${mode.toString(8).padStart(4, '0')}); a private key must be readable by its owner only: run \`${chmodFix(path)}\``,
    );
  }
  return readInput(path, what, maxBytes);
}

/**
 * Creates `dir` (and missing parents) with mode 0700, and chmods every directory it created to exactly
 * 0700. An existing directory is left as it is.
 */
export function makeKeyDir(dir: string): void {
  const target = resolve(dir);
  let first: string | undefined;
  try {
    first = mkdirSync(target, { recursive: true, mode: SECRET_DIR_MODE });
  } catch (e) {
    throw new CliError(
      EXIT.OUTPUT,
      'OUTPUT_UNWRITABLE',
      `cannot create ${dir}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  if (first === undefined) return;
  for (let d = target; ; d = dirname(d)) {
    chmodSync(d, SECRET_DIR_MODE);
    if (d === first || dirname(d) === d) break;
  }
}
