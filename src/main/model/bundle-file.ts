/**
 * Reads a bundle file through the storage concern's bounded reader (storage/bounded-read.ts), synchronously:
 * for the bundle sizes we ship (0.2–12 MB, page-cached after the first run) one read(2) on this thread costs
 * well under a millisecond per MB, while `fs.promises.readFile` reads in 512 KiB slices through the thread
 * pool and measured 6.5 ms against 0.6 ms for a 3.5 MB bundle (`node bench/unlock-set.ts` prints the
 * whole-unlock effect); decryption that follows is synchronous anyway.
 * Refuses (BUNDLE_MALFORMED) a symlink, anything but a regular file, a file over `maxBytes`, one without the
 * "FVBUNDLE" magic and a supported version (the first 12 bytes, checked before the body is read) and one that changes while read.
 * A missing file is BUNDLE_MALFORMED too ("no such file"), naming the path.
 */
import { describeRefusal, readBoundedFileSync } from '../storage/bounded-read.ts';
import { BundleMalformedError } from './bundle/errors.ts';
import { readHeaderLength } from './bundle/header.ts';

export function readBundleFileSync(path: string, maxBytes: number): Buffer {
  return readBoundedFileSync(path, {
    maxBytes,
    symlinks: 'refuse',
    // Magic, format version and header length (header.ts), before the body is read.
    header: { bytes: 12, check: (head) => void readHeaderLength(head) },
    refuse: (why) => new BundleMalformedError(`${path}: ${describeRefusal(why)}`),
  });
}
