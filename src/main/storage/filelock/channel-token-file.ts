/**
 * The CLI channel's per-user secret on disk (node:fs adapter; channel-proof.ts says what it is for):
 * `<userData>/run/cli.token`, 32 random bytes, replaced atomically at every app start (so a copy stops
 * working at the next start). On Linux/macOS the file is 0600 in a 0700 folder. On Windows `mode` only
 * toggles the read-only attribute: the protection is the NTFS ACL the file inherits from the user's
 * profile folder (%APPDATA% grants the user, SYSTEM and Administrators) — Node cannot set or check a DACL
 * without native code, which docs/filelock-format.md states as the remaining limit.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { TOKEN_BYTES } from '../../filelock/local-channel/channel-proof.ts';
import { ensurePrivateDir, writeFileDurable } from './durable.ts';

/** Writes a fresh token (the app, at start) and returns it; the caller wipes it when the channel closes. */
export async function createChannelToken(path: string): Promise<Uint8Array> {
  await ensurePrivateDir(dirname(path));
  const token = new Uint8Array(randomBytes(TOKEN_BYTES));
  await writeFileDurable(path, token);
  return token;
}

/** Reads the token (the CLI); null when there is none (the app is not running) or it is malformed. */
export async function readChannelToken(path: string): Promise<Uint8Array | null> {
  try {
    const b = new Uint8Array(await readFile(path));
    return b.length === TOKEN_BYTES ? b : null;
  } catch {
    return null;
  }
}
