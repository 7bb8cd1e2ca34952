/**
 * One bounded, synchronous read of a whole file: open → fstat on the same descriptor (so the size check and
 * the read are about the same file, even if the path is replaced in between) → read exactly that many bytes.
 *
 * Why synchronous: for the bundle sizes we ship (0.2–12 MB, page-cached after the first run) one read(2)
 * on this thread costs well under a millisecond per MB, while `fs.promises.readFile` reads in 512 KiB
 * slices through the thread pool and measured 6.5 ms against 0.6 ms for a 3.5 MB bundle
 * (`node bench/unlock-set.ts` prints the whole-unlock effect). Decryption that follows is synchronous
 * anyway. Not for untrusted sizes without a bound: `maxBytes` is mandatory. Errors from open/read (ENOENT…)
 * propagate as thrown by node:fs; the three refusals come from `fail` (default: BundleMalformedError), so
 * each caller reports them in its own terms.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { BundleMalformedError } from './bundle/errors.ts';

export type ReadRefusal = 'not-file' | 'too-large' | 'shrank';

const bundleRefusal = (why: ReadRefusal, maxBytes: number): Error =>
  new BundleMalformedError(
    why === 'not-file' ? 'not a regular file' : why === 'too-large' ? `file is larger than the ${maxBytes}-byte limit` : 'file shrank while it was read',
  );

export function readBoundedFileSync(path: string, maxBytes: number, fail: (why: ReadRefusal, maxBytes: number) => Error = bundleRefusal): Buffer {
  const fd = openSync(path, 'r');
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw fail('not-file', maxBytes);
    if (st.size > maxBytes) throw fail('too-large', maxBytes);
    const out = Buffer.allocUnsafeSlow(st.size); // filled completely below or discarded
    let off = 0;
    while (off < st.size) {
      const n = readSync(fd, out, off, st.size - off, off);
      if (n === 0) throw fail('shrank', maxBytes);
      off += n;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}
