/**
 * Durable small-file and directory operations for file locking (node:fs adapter). Every change that
 * recovery relies on is on disk before the next step: file fsync, then rename, then fsync of the directory
 * (POSIX rename(2) is atomic for the name; the directory fsync makes the new name survive a power loss).
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await fh.sync();
  } catch (e) {
    // Some file systems (network, FUSE) refuse fsync on a directory: nothing more can be done there.
    if (!(
      typeof e === 'object' &&
      e !== null &&
      'code' in e &&
      (e.code === 'EINVAL' || e.code === 'ENOTSUP')
    ))
      throw e;
  } finally {
    await fh.close();
  }
}

export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
}

/** Writes `data` to `path` atomically: temp in the same folder, fsync, rename, fsync folder. */
export async function writeFileDurable(path: string, data: Uint8Array | string): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await fsyncDir(dir);
}

export async function removeDurable(path: string, opts: { recursive?: boolean } = {}): Promise<void> {
  await rm(path, { force: true, recursive: opts.recursive ?? false });
  await fsyncDir(dirname(path));
}
