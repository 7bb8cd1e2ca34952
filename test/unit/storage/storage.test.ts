/**
 * The storage concern's own guarantees (src/main/storage): the bounded reader refuses a file that grows or
 * shrinks while it is read and hands every refusal to the caller's factory; the atomic writer creates its
 * directories 0700 and its files 0600 whatever the umask, and never replaces a file with createFileExclusive.
 */
import { appendFileSync, mkdtempSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createFileExclusive,
  ensurePrivateDir,
  writeFileAtomic,
} from '../../../src/main/storage/atomic-write.ts';
import {
  readBoundedFile,
  readBoundedFileIfExistsSync,
  readBoundedFileSync,
  type ReadRefusal,
} from '../../../src/main/storage/bounded-read.ts';

const root = mkdtempSync(join(tmpdir(), 'fv-storage-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

class Refused extends Error {
  readonly why: ReadRefusal;
  constructor(why: ReadRefusal) {
    super(why.kind);
    this.why = why;
  }
}
const opts = (maxBytes: number, header?: (path: string) => void, path = '') => ({
  maxBytes,
  symlinks: 'refuse' as const,
  refuse: (why: ReadRefusal) => new Refused(why),
  ...(header ? { header: { bytes: 4, check: () => header(path) } } : {}),
});

describe('bounded reader', () => {
  it('reads a regular file exactly, and an absent one is null or the caller’s "missing"', async () => {
    const p = join(root, 'a.bin');
    writeFileSync(p, 'hello world');
    expect(readBoundedFileSync(p, opts(64)).toString()).toBe('hello world');
    expect((await readBoundedFile(p, opts(64))).toString()).toBe('hello world');
    expect(readBoundedFileIfExistsSync(join(root, 'nope'), opts(64))).toBeNull();
    expect(() => readBoundedFileSync(join(root, 'nope'), opts(64))).toThrow(
      expect.objectContaining({ why: { kind: 'missing' } }),
    );
  });

  it('refuses a file larger than the bound from its size alone', () => {
    const p = join(root, 'big.bin');
    writeFileSync(p, new Uint8Array(65));
    expect(() => readBoundedFileSync(p, opts(64))).toThrow(
      expect.objectContaining({ why: { kind: 'too-large', size: 65, maxBytes: 64 } }),
    );
  });

  it('refuses a file that grows while it is read (sync and async)', async () => {
    const p = join(root, 'grow.bin');
    writeFileSync(p, new Uint8Array(32));
    const grow = () => appendFileSync(p, new Uint8Array(8));
    expect(() => readBoundedFileSync(p, opts(1024, grow, p))).toThrow(
      expect.objectContaining({ why: { kind: 'changed' } }),
    );
    writeFileSync(p, new Uint8Array(32));
    await expect(readBoundedFile(p, opts(1024, grow, p))).rejects.toMatchObject({ why: { kind: 'changed' } });
  });

  it('refuses a file that shrinks while it is read', () => {
    const p = join(root, 'shrink.bin');
    writeFileSync(p, new Uint8Array(32));
    expect(() =>
      readBoundedFileSync(
        p,
        opts(1024, () => truncateSync(p, 10), p),
      ),
    ).toThrow(expect.objectContaining({ why: { kind: 'changed' } }));
  });
});

describe('atomic writer', () => {
  it('creates directories 0700 and files 0600 under umask 000', async () => {
    const old = process.umask(0);
    try {
      const dir = join(root, 'deep', 'er', 'keys');
      await ensurePrivateDir(dir, (e) => e as Error);
      for (const d of [join(root, 'deep'), join(root, 'deep', 'er'), dir])
        expect(statSync(d).mode & 0o777).toBe(0o700);
      const f = join(dir, 'blob');
      await writeFileAtomic(f, new Uint8Array([1, 2, 3]), { fail: (e) => e as Error });
      expect(statSync(f).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(old);
    }
  });

  it('createFileExclusive never replaces an existing file', async () => {
    const f = join(root, 'once');
    const fail = (e: unknown) => e as Error;
    expect(await createFileExclusive(f, new Uint8Array([1]), { fail })).toBe(true);
    expect(await createFileExclusive(f, new Uint8Array([2]), { fail })).toBe(false);
    expect(readBoundedFileSync(f, opts(8))[0]).toBe(1);
  });
});
