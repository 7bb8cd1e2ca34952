/**
 * The plaintext of a container's stream, produced in order without holding it in memory: the meta record,
 * the FVTREE archive (entry headers, then each file's bytes read as it goes) and zero padding
 * (docs/filelock-format.md "Payload"). Guarantees: every file is opened O_NOFOLLOW and must still be the
 * file that was listed (dev:ino) and at least as long as listed, else FILELOCK_SOURCE_CHANGED; at most one
 * source file is open at a time.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { encodeMeta, paddedLength, type ContainerMeta } from '../../filelock/container-format.ts';
import { FileLockError } from '../../filelock/errors.ts';
import { archiveLength, encodeEntryHeader } from '../../filelock/tree-archive.ts';
import { idOf, type SourceEntry, type SourceTree } from './source-tree.ts';

export type Segment =
  { kind: 'bytes'; data: Uint8Array } | { kind: 'file'; entry: SourceEntry } | { kind: 'zeros'; n: number };

/** Produces the payload bytes in order (meta, archive, padding), reading files as it goes. */
export class PayloadSource {
  readonly #segments: Segment[];
  #seg = 0;
  #off = 0;
  #fh: FileHandle | null = null;

  constructor(segments: Segment[]) {
    this.#segments = segments;
  }

  async fill(buf: Uint8Array, len: number): Promise<void> {
    let pos = 0;
    while (pos < len) {
      const s = this.#segments[this.#seg];
      if (!s) throw new RangeError('payload shorter than announced');
      const segLen = s.kind === 'bytes' ? s.data.length : s.kind === 'zeros' ? s.n : s.entry.size;
      const take = Math.min(segLen - this.#off, len - pos);
      if (s.kind === 'bytes') buf.set(s.data.subarray(this.#off, this.#off + take), pos);
      else if (s.kind === 'zeros') buf.fill(0, pos, pos + take);
      else await this.#readFile(s.entry, buf, pos, take);
      pos += take;
      this.#off += take;
      if (this.#off === segLen) {
        if (s.kind === 'file') await this.#closeFile(s.entry);
        this.#seg++;
        this.#off = 0;
      }
    }
  }

  async #readFile(e: SourceEntry, buf: Uint8Array, pos: number, take: number): Promise<void> {
    if (!this.#fh) {
      try {
        this.#fh = await open(e.abs, constants.O_RDONLY | constants.O_NOFOLLOW);
      } catch (err) {
        throw new FileLockError(
          'FILELOCK_SOURCE_CHANGED',
          `${e.path} changed or disappeared while it was being locked; nothing was changed`,
          { cause: err },
        );
      }
      if (idOf(await this.#fh.stat({ bigint: true })) !== e.stamp.split(':').slice(0, 2).join(':')) {
        throw new FileLockError(
          'FILELOCK_SOURCE_CHANGED',
          `${e.path} was replaced while it was being locked; nothing was changed`,
        );
      }
    }
    let got = 0;
    while (got < take) {
      const { bytesRead } = await this.#fh.read(buf, pos + got, take - got, this.#off + got);
      if (bytesRead === 0)
        throw new FileLockError(
          'FILELOCK_SOURCE_CHANGED',
          `${e.path} got shorter while it was being locked; nothing was changed`,
        );
      got += bytesRead;
    }
  }

  async #closeFile(_e: SourceEntry): Promise<void> {
    await this.#fh?.close();
    this.#fh = null;
  }

  async close(): Promise<void> {
    await this.#fh?.close().catch(() => {});
    this.#fh = null;
  }
}

export function payloadFor(
  tree: SourceTree,
  lockedAt: number,
): { segments: Segment[]; length: number; meta: ContainerMeta } {
  const aLen = archiveLength(tree.entries);
  const meta: ContainerMeta = {
    v: 1,
    kind: tree.kind,
    name: tree.name,
    bytes: tree.bytes,
    entries: tree.entries.length,
    archiveBytes: aLen,
    lockedAt,
  };
  const m = encodeMeta(meta);
  const segments: Segment[] = [{ kind: 'bytes', data: m }];
  for (const e of tree.entries) {
    segments.push({ kind: 'bytes', data: encodeEntryHeader(e) });
    if (e.type === 'file' && e.size > 0) segments.push({ kind: 'file', entry: e });
  }
  segments.push({ kind: 'bytes', data: new Uint8Array(1) }); // end marker
  const unpadded = m.length + aLen;
  const length = paddedLength(unpadded);
  if (length > unpadded) segments.push({ kind: 'zeros', n: length - unpadded });
  return { segments, length, meta };
}
