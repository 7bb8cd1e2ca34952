/**
 * The few file-system checks of the CLI socket (node:fs adapter for local-channel/): its folder must be a
 * real directory owned by this user with no group/other permission bits, the socket file 0600, and a stale
 * socket of a crashed instance is removed only when it is a socket.
 */
import { chmod, lstat, mkdir, rm } from 'node:fs/promises';

export type SocketDirProblem = 'not-a-directory' | 'other-owner' | 'too-open' | null;

/** Creates the folder 0700 if missing, tightens it if it is ours; says what is wrong otherwise. */
export async function securePrivateDir(dir: string): Promise<SocketDirProblem> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await lstat(dir);
  const uid = process.getuid?.();
  if (!st.isDirectory() || st.isSymbolicLink()) return 'not-a-directory';
  if (uid !== undefined && st.uid !== uid) return 'other-owner';
  if ((st.mode & 0o077) !== 0) {
    await chmod(dir, 0o700);
    if (((await lstat(dir)).mode & 0o077) !== 0) return 'too-open';
  }
  return null;
}

/** 'absent', 'socket' or 'other' for what is at `path`. */
export async function socketFileState(path: string): Promise<'absent' | 'socket' | 'other'> {
  try {
    return (await lstat(path)).isSocket() ? 'socket' : 'other';
  } catch {
    return 'absent';
  }
}

export const removeSocketFile = (path: string): Promise<void> => rm(path, { force: true });
export const restrictSocketFile = (path: string): Promise<void> => chmod(path, 0o600);
