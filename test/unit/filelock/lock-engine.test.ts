import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HEADER_BYTES, paddedLength } from '../../../src/main/filelock/container-format.ts';
import {
  inspectContainer,
  lockPath,
  readContainerMeta,
  unlockContainer,
} from '../../../src/main/storage/filelock/lock-engine.ts';
import { deriveFileLockKeys } from '../../../src/main/filelock/vault-key.ts';

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
let dir: string;
let journalDir: string;
const keys = deriveFileLockKeys(new Uint8Array(randomBytes(32)));
const opts = () => ({ journalDir, keys, chunkSize: 4096 });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fvlock-'));
  journalDir = join(dir, '.journal');
});
afterEach(() => {
  execFileSync('chmod', ['-R', 'u+rwx', dir]);
  rmSync(dir, { recursive: true, force: true });
});

describe('lock / unlock round trip', () => {
  it.each([0, 1, 4095, 4096, 4097, 100_000, 1_000_003])(
    'a %i-byte file comes back byte-identical, name and mode kept',
    async (size) => {
      const p = join(dir, 'report final.pdf');
      writeFileSync(p, randomBytes(size));
      chmodSync(p, 0o640);
      const before = sha(p);
      const r = await lockPath(p, opts());
      expect(existsSync(p)).toBe(false);
      expect(r.containerPath).toMatch(/[a-z2-7]{26}\.fvlock$/);
      // The container's name and length say nothing more than the padded size.
      const st = statSync(r.containerPath);
      expect(readdirSync(dir).filter((n) => !n.startsWith('.'))).toEqual([`${r.id}.fvlock`]);
      const c = await inspectContainer(r.containerPath);
      expect(c.header.streamLength).toBe(paddedLength(c.header.streamLength));
      expect(st.size).toBe(c.size);
      expect((await readContainerMeta(r.containerPath, keys)).name).toBe('report final.pdf');
      const u = await unlockContainer(r.containerPath, opts());
      expect(u.restoredPath).toBe(p);
      expect(sha(p)).toBe(before);
      expect(statSync(p).mode & 0o777).toBe(0o640);
      expect(existsSync(r.containerPath)).toBe(false);
      expect(readdirSync(journalDir)).toEqual([]);
    },
  );

  it('a folder tree (nested, empty file, empty folder, read-only file) round trips', async () => {
    const root = join(dir, 'Photos');
    mkdirSync(join(root, 'a', 'b'), { recursive: true });
    mkdirSync(join(root, 'empty'));
    writeFileSync(join(root, 'a', 'b', 'x.bin'), randomBytes(50_000));
    writeFileSync(join(root, 'zero'), '');
    writeFileSync(join(root, 'ro.txt'), 'read only');
    chmodSync(join(root, 'ro.txt'), 0o444);
    const r = await lockPath(root, opts());
    expect(existsSync(root)).toBe(false);
    expect(r.kind).toBe('folder');
    expect(r.entries).toBe(7);
    await unlockContainer(r.containerPath, opts());
    expect(readFileSync(join(root, 'ro.txt'), 'utf8')).toBe('read only');
    expect(statSync(join(root, 'ro.txt')).mode & 0o777).toBe(0o444);
    expect(readFileSync(join(root, 'a', 'b', 'x.bin')).length).toBe(50_000);
    expect(readdirSync(join(root, 'empty'))).toEqual([]);
    expect(readFileSync(join(root, 'zero')).length).toBe(0);
  });

  it('unlock never overwrites: an existing file with the original name is refused, container kept', async () => {
    const p = join(dir, 'a.txt');
    writeFileSync(p, 'secret');
    const r = await lockPath(p, opts());
    writeFileSync(p, 'another file');
    await expect(unlockContainer(r.containerPath, opts())).rejects.toMatchObject({
      code: 'FILELOCK_TARGET_EXISTS',
    });
    expect(readFileSync(p, 'utf8')).toBe('another file');
    expect(existsSync(r.containerPath)).toBe(true);
  });
});

describe('what cannot be locked gets a clear, typed answer and nothing changes', () => {
  it('symlink, FIFO, hard link, sparse, missing, already locked', async () => {
    const t = join(dir, 't.txt');
    writeFileSync(t, 'x');
    symlinkSync(t, join(dir, 'link'));
    await expect(lockPath(join(dir, 'link'), opts())).rejects.toMatchObject({ code: 'FILELOCK_SYMLINK' });
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    await expect(lockPath(join(dir, 'fifo'), opts())).rejects.toMatchObject({ code: 'FILELOCK_NOT_REGULAR' });
    linkSync(t, join(dir, 'hard'));
    await expect(lockPath(t, opts())).rejects.toMatchObject({ code: 'FILELOCK_HARD_LINKED' });
    const sp = join(dir, 'sparse.img');
    writeFileSync(sp, 'head');
    truncateSync(sp, 64 << 20);
    await expect(lockPath(sp, opts())).rejects.toMatchObject({ code: 'FILELOCK_SPARSE' });
    await expect(lockPath(join(dir, 'nope'), opts())).rejects.toMatchObject({ code: 'FILELOCK_NOT_FOUND' });
    const f = join(dir, 'f');
    mkdirSync(f);
    symlinkSync('/etc/passwd', join(f, 'inner-link'));
    await expect(lockPath(f, opts())).rejects.toMatchObject({
      code: 'FILELOCK_SYMLINK',
      message: expect.stringContaining('f/inner-link'),
    });
    const ok = join(dir, 'ok.txt');
    writeFileSync(ok, 'fine');
    const r = await lockPath(ok, opts());
    await expect(lockPath(r.containerPath, opts())).rejects.toMatchObject({
      code: 'FILELOCK_ALREADY_LOCKED',
    });
    expect(readdirSync(dir).filter((n) => n.endsWith('.partial'))).toEqual([]);
  });

  it('a sparse file locks when allowed (and comes back dense but identical)', async () => {
    const sp = join(dir, 'sparse.img');
    writeFileSync(sp, 'head');
    truncateSync(sp, 3 << 20);
    const before = sha(sp);
    const r = await lockPath(sp, { ...opts(), allowSparse: true });
    await unlockContainer(r.containerPath, opts());
    expect(sha(sp)).toBe(before);
  });

  it('a folder that is not writable: refused before anything is written', async () => {
    if (process.getuid?.() === 0) return; // root ignores permissions; the check is an access(2) call
    const d = join(dir, 'ro');
    mkdirSync(d);
    writeFileSync(join(d, 'f'), 'x');
    chmodSync(d, 0o555);
    await expect(lockPath(join(d, 'f'), opts())).rejects.toMatchObject({ code: 'FILELOCK_NOT_WRITABLE' });
  });
});

describe('wrong vault', () => {
  it('a container from another vault key is FILELOCK_WRONG_VAULT and stays untouched', async () => {
    const p = join(dir, 'a');
    writeFileSync(p, 'x');
    const r = await lockPath(p, opts());
    const other = deriveFileLockKeys(new Uint8Array(randomBytes(32)));
    const before = sha(r.containerPath);
    await expect(unlockContainer(r.containerPath, { journalDir, keys: other })).rejects.toMatchObject({
      code: 'FILELOCK_WRONG_VAULT',
    });
    expect(sha(r.containerPath)).toBe(before);
    expect(statSync(r.containerPath).size).toBeGreaterThan(HEADER_BYTES);
  });
});

describe('the read-back check is real', () => {
  it.each(['compare', 'thread', 'inline'] as const)(
    'a chunk corrupted on disk right after it was written fails the lock (%s); the original stays',
    async (verify) => {
      const p = join(dir, 'v.bin');
      const data = randomBytes(5 * 4096);
      writeFileSync(p, data);
      const corrupt = (step: string, i: number) => {
        if (step !== 'chunk-written' || i !== 2) return;
        const temp = readdirSync(dir).find((n) => n.endsWith('.partial'))!;
        const fd = openSync(join(dir, temp), 'r+');
        writeSync(fd, new Uint8Array([0xff ^ 0x5a]), 0, 1, HEADER_BYTES + 2 * (4096 + 16) + 7);
        closeSync(fd);
      };
      await expect(lockPath(p, { ...opts(), verify, onStep: corrupt })).rejects.toMatchObject({
        code: 'FILELOCK_IO',
      });
      expect(readFileSync(p).equals(data)).toBe(true);
      expect(readdirSync(dir).filter((n) => n !== '.journal')).toEqual(['v.bin']);
    },
  );
});

describe('recovery edge cases', () => {
  it('an unreadable journal entry is reported and kept; an entry whose folder is gone is deferred', async () => {
    const { recoverJournal } = await import('../../../src/main/storage/filelock/lock-engine.ts');
    mkdirSync(journalDir, { recursive: true });
    writeFileSync(join(journalDir, `${'a'.repeat(26)}.json`), '{ not json');
    const gone = join(dir, 'unplugged');
    writeFileSync(
      join(journalDir, `${'b'.repeat(26)}.json`),
      JSON.stringify({
        v: 1,
        op: 'lock',
        id: 'b'.repeat(26),
        source: join(gone, 'f'),
        sourceId: '1:2',
        kind: 'file',
        container: join(gone, 'x.fvlock'),
        temp: join(gone, '.x.partial'),
      }),
    );
    const out = await recoverJournal(journalDir);
    expect(out.map((o) => o.outcome).sort()).toEqual(['deferred', 'unreadable-journal']);
    expect(readdirSync(journalDir).sort()).toEqual([`${'a'.repeat(26)}.json`, `${'b'.repeat(26)}.json`]);
  });
});
