/**
 * Small node:fs helpers shared by lock, unlock and recovery. Guarantees: `writeAll` writes every byte
 * (short writes are retried); `readExactly` fills the buffer or fails with FILELOCK_MALFORMED (a
 * container that ends early is never half-used); `removeTree` removes a staging tree we created even where
 * restored folders are already read-only; `exists` never follows a symbolic link (lstat).
 */
import { chmod, lstat, readdir, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { FileLockError } from '../../filelock/errors.ts';

export async function writeAll(fh: FileHandle, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await fh.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}

export async function readExactly(fh: FileHandle, buf: Uint8Array, position: number): Promise<void> {
  let got = 0;
  while (got < buf.length) {
    const { bytesRead } = await fh.read(buf, got, buf.length - got, position + got);
    if (bytesRead === 0)
      throw new FileLockError('FILELOCK_MALFORMED', 'the locked file ended early; it was not changed');
    got += bytesRead;
  }
}

/** Removes a staging tree we created, even where restored folders are already read-only. */
export async function removeTree(p: string): Promise<void> {
  try {
    await rm(p, { recursive: true, force: true });
    return;
  } catch {
    /* a read-only folder inside: make our own staging folders writable, then remove */
  }
  const walk = async (d: string): Promise<void> => {
    let st;
    try {
      st = await lstat(d);
    } catch {
      return;
    }
    if (!st.isDirectory()) return;
    await chmod(d, 0o700);
    for (const n of await readdir(d)) await walk(join(d, n));
  };
  await walk(p);
  await rm(p, { recursive: true, force: true });
}

export async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}
