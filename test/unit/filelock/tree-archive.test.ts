/**
 * FVTREE: what the writer encodes, the streaming parser gives back — whatever the chunk boundaries (headers
 * split anywhere) — and paths that could escape the restored folder are refused.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  archiveLength,
  encodeEntryHeader,
  EntryParser,
  type ArchiveEntry,
  type ArchiveEvent,
} from '../../../src/main/filelock/tree-archive.ts';

function encode(entries: ArchiveEntry[], data: Map<string, Uint8Array>): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    parts.push(encodeEntryHeader(e));
    if (e.type === 'file') parts.push(data.get(e.path) ?? new Uint8Array(0));
  }
  parts.push(new Uint8Array(1));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function parseAll(
  root: string,
  bytes: Uint8Array,
  cuts: number[],
): { entries: ArchiveEntry[]; data: Map<string, number[]> } {
  const p = new EntryParser(root);
  const entries: ArchiveEntry[] = [];
  const data = new Map<string, number[]>();
  let cur = '';
  const on = (ev: ArchiveEvent) => {
    if (ev.kind === 'entry') {
      entries.push(ev.entry);
      cur = ev.entry.path;
      if (ev.entry.type === 'file') data.set(cur, []);
    } else if (ev.kind === 'data') data.get(cur)!.push(...ev.bytes);
  };
  let off = 0;
  for (const c of [...cuts.filter((x) => x > 0 && x < bytes.length).sort((a, b) => a - b), bytes.length]) {
    if (c <= off) continue;
    for (const ev of p.feed(bytes.subarray(off, c)).events) on(ev);
    off = c;
  }
  expect(p.ended).toBe(true);
  expect(p.consumed).toBe(bytes.length);
  return { entries, data };
}

const name = fc.stringMatching(/^[A-Za-z0-9 ._é-]{1,12}$/).filter((s) => s !== '.' && s !== '..');

describe('FVTREE archive', () => {
  it('round trips any tree through any chunking', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(name, { minLength: 0, maxLength: 6 }),
        fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 6, maxLength: 6 }),
        fc.array(fc.nat(3000), { maxLength: 12 }),
        (names, blobs, cuts) => {
          const root = 'Root';
          const entries: ArchiveEntry[] = [
            { type: 'folder', path: root, mode: 0o755, mtimeMs: 1.5e12, size: 0 },
          ];
          entries.push({ type: 'folder', path: `${root}/sub`, mode: 0o700, mtimeMs: 1.6e12, size: 0 });
          const data = new Map<string, Uint8Array>();
          names.forEach((n, i) => {
            const path = i % 2 ? `${root}/sub/${n}` : `${root}/${n}`;
            const blob = blobs[i] ?? new Uint8Array(0);
            entries.push({ type: 'file', path, mode: 0o644, mtimeMs: 1.7e12 + i, size: blob.length });
            data.set(path, blob);
          });
          const bytes = encode(entries, data);
          expect(bytes.length).toBe(archiveLength(entries));
          const back = parseAll(root, bytes, cuts);
          expect(back.entries).toEqual(entries);
          for (const [p, b] of data) expect(back.data.get(p)).toEqual([...b]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it.each([
    ['a path escaping with ..', 'Root/../etc'],
    ['an absolute path', '/etc/passwd'],
    ['an empty component', 'Root//x'],
    ['a NUL', 'Root/a\0b'],
  ])('refuses %s', (_what, path) => {
    const root = encodeEntryHeader({ type: 'folder', path: 'Root', mode: 0o700, mtimeMs: 0, size: 0 });
    // Hand-built header (the encoder refuses these paths itself).
    const p = new TextEncoder().encode(path);
    const h = new Uint8Array(15 + p.length + 8);
    const dv = new DataView(h.buffer);
    h[0] = 2;
    dv.setUint16(1, p.length, true);
    h.set(p, 3);
    const bytes = new Uint8Array([...root, ...h, 0]);
    expect(() => new EntryParser('Root').feed(bytes)).toThrow(
      expect.objectContaining({ code: 'FILELOCK_MALFORMED' }),
    );
  });

  it('refuses an entry whose folder was not listed first, a duplicate, and a wrong root', () => {
    const e = (path: string, type: 'file' | 'folder' = 'folder') =>
      encodeEntryHeader({ type, path, mode: 0o700, mtimeMs: 0, size: 0 });
    expect(() => new EntryParser('Root').feed(new Uint8Array([...e('Root'), ...e('Root/a/b'), 0]))).toThrow(
      /outside a folder/,
    );
    expect(() =>
      new EntryParser('Root').feed(
        new Uint8Array([...e('Root'), ...e('Root/x', 'file'), ...e('Root/x', 'file'), 0]),
      ),
    ).toThrow(/duplicate/);
    expect(() => new EntryParser('Root').feed(new Uint8Array([...e('Other'), 0]))).toThrow(/first entry/);
    expect(() => new EntryParser('Root').feed(new Uint8Array([0]))).toThrow(/empty/);
  });
});
