/**
 * Reading the app's own sealed files in the packaged layout, where out/ lies inside resources/app.asar.
 *
 * Why not the plain bounded read: Electron's ASAR-aware fs serves `open()` on a path inside an archive
 * from a temporary copy it extracts once per run (and then reuses), so a periodic re-check through
 * `open()` would keep hashing that first copy in the temp folder, not the archive. `lstat` and `readFile`
 * are served from the archive itself on every call (header entry + read at its offset, checked against
 * the header's per-file integrity hash by Electron before the bytes are returned; see Electron's
 * lib/node/asar-fs-wrapper.ts). Symlink entries are refused, as is anything larger than `max` or whose
 * size differs from what was stat'ed. Under plain Node (tests, a folder that is merely named *.asar) the
 * same calls read the real file.
 * Guarantees, given Electron's archive reader: every call re-reads the archive; nothing is extracted.
 * Limits: Electron keeps the archive open from first use, so an archive replaced by rename while the app
 * runs is seen from the next start (macOS/Windows: the ASAR-integrity fuse checks its header then).
 */
import { lstat, readFile } from 'node:fs/promises';

export type ArchiveReadRefusal = 'missing' | 'not-regular' | 'too-large' | 'size-mismatch' | 'io';

/** True when `absPath` lies below a path segment ending in ".asar" (not the archive file itself). */
export function insideAsarArchive(absPath: string): boolean {
  const parts = absPath.split(/[\\/]+/);
  return parts.slice(0, -1).some((s) => s.toLowerCase().endsWith('.asar'));
}

/** Reads a file inside an archive through lstat + readFile; `refuse` builds the caller's typed error. */
export async function readArchivedFile<E extends Error>(
  absPath: string,
  max: number,
  refuse: (why: ArchiveReadRefusal) => E,
): Promise<Buffer<ArrayBuffer>> {
  let st;
  try {
    st = await lstat(absPath);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code; // fs errors (and Electron's archive errors) carry a code
    throw refuse(code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : 'io');
  }
  if (st.isSymbolicLink() || !st.isFile()) throw refuse('not-regular');
  if (st.size > max) throw refuse('too-large');
  let bytes: Buffer;
  try {
    bytes = await readFile(absPath);
  } catch {
    throw refuse('io');
  }
  // A file that changed between the stat and the read is refused rather than half-trusted.
  if (bytes.length !== st.size) throw refuse('size-mismatch');
  return bytes as Buffer<ArrayBuffer>;
}
