/**
 * A tampered, truncated, extended or swapped locked file is refused with a typed error, and neither it nor
 * anything next to it is changed (no restored file, no staging folder, no journal entry left).
 */
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEADER_BYTES } from '../../src/main/filelock/container-format.ts';
import { lockPath, unlockContainer } from '../../src/main/storage/filelock/lock-engine.ts';
import { deriveFileLockKeys } from '../../src/main/filelock/vault-key.ts';

const keys = deriveFileLockKeys(new Uint8Array(randomBytes(32)));
let dir: string;
let pristine: Uint8Array;
let other: Uint8Array;
const CHUNK = 4096;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fvlock-tamper-'));
  const journalDir = join(dir, '.journal');
  const src = join(dir, 'secret.bin');
  writeFileSync(src, randomBytes(5 * CHUNK + 123)); // several chunks, partial last one
  const r = await lockPath(src, { journalDir, keys, chunkSize: CHUNK });
  pristine = new Uint8Array(readFileSync(r.containerPath));
  writeFileSync(src, randomBytes(5 * CHUNK + 123));
  const r2 = await lockPath(src, { journalDir, keys, chunkSize: CHUNK });
  other = new Uint8Array(readFileSync(r2.containerPath));
  rmSync(r.containerPath);
  rmSync(r2.containerPath);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function refuse(bytes: Uint8Array): Promise<string> {
  const d = mkdtempSync(join(dir, 'case-'));
  const p = join(d, 'aaaaaaaaaaaaaaaaaaaaaaaaaa.fvlock');
  writeFileSync(p, bytes);
  const digest = createHash('sha256').update(bytes).digest('hex');
  // On main and on the cipher pool (two threads open the chunks): the same refusal, nothing touched.
  const codes: string[] = [];
  for (const cipherThreads of [0, 2]) {
    let code = 'NONE';
    try {
      await unlockContainer(p, { journalDir: join(d, '.journal'), keys, chunkSize: CHUNK, cipherThreads });
    } catch (e) {
      code = (e as { code?: string }).code ?? 'UNTYPED';
    }
    codes.push(code);
  }
  expect(codes[1]).toBe(codes[0]);
  const code = codes[0]!;
  // Untouched, and nothing else appeared next to it.
  expect(createHash('sha256').update(readFileSync(p)).digest('hex')).toBe(digest);
  expect(readdirSync(d).filter((n) => n !== '.journal')).toEqual(['aaaaaaaaaaaaaaaaaaaaaaaaaa.fvlock']);
  rmSync(d, { recursive: true, force: true });
  return code;
}

describe('tampered and truncated containers', () => {
  it('every single-bit flip in the header and at chunk boundaries is refused', async () => {
    const positions = [
      ...Array.from({ length: HEADER_BYTES }, (_, i) => i),
      ...Array.from({ length: 6 }, (_, c) => HEADER_BYTES + c * (CHUNK + 16)),
      ...Array.from({ length: 6 }, (_, c) => HEADER_BYTES + c * (CHUNK + 16) - 1).filter(
        (x) => x > HEADER_BYTES,
      ),
      pristine.length - 1,
    ];
    for (const pos of positions) {
      const m = new Uint8Array(pristine);
      m[pos] = m[pos]! ^ (1 << (pos % 8));
      const code = await refuse(m);
      expect(
        ['FILELOCK_MALFORMED', 'FILELOCK_UNSUPPORTED', 'FILELOCK_INTEGRITY', 'FILELOCK_WRONG_VAULT'],
        `byte ${pos}`,
      ).toContain(code);
    }
  });

  it('truncation at any length and appended bytes: FILELOCK_MALFORMED before any key is used', async () => {
    for (const len of [
      0,
      1,
      8,
      HEADER_BYTES - 1,
      HEADER_BYTES,
      HEADER_BYTES + 1,
      HEADER_BYTES + CHUNK + 16,
      pristine.length - 16,
      pristine.length - 1,
    ]) {
      expect(await refuse(pristine.subarray(0, len)), `length ${len}`).toBe('FILELOCK_MALFORMED');
    }
    const longer = new Uint8Array(pristine.length + 1);
    longer.set(pristine);
    expect(await refuse(longer)).toBe('FILELOCK_MALFORMED');
  });

  it('dropping the final chunk and fixing up the length, swapping or reordering chunks: FILELOCK_INTEGRITY', async () => {
    const body = (b: Uint8Array, i: number) =>
      b.subarray(HEADER_BYTES + i * (CHUNK + 16), HEADER_BYTES + (i + 1) * (CHUNK + 16));
    // Swap chunks 1 and 2.
    const sw = new Uint8Array(pristine);
    sw.set(body(pristine, 2), HEADER_BYTES + 1 * (CHUNK + 16));
    sw.set(body(pristine, 1), HEADER_BYTES + 2 * (CHUNK + 16));
    expect(await refuse(sw)).toBe('FILELOCK_INTEGRITY');
    // Chunk 1 of another container under the same vault key (same length).
    const mix = new Uint8Array(pristine);
    mix.set(body(other, 1), HEADER_BYTES + 1 * (CHUNK + 16));
    expect(await refuse(mix)).toBe('FILELOCK_INTEGRITY');
    // Header of the other container over this body: the key unwraps but the body's AD differs.
    const hdr = new Uint8Array(pristine);
    hdr.set(other.subarray(0, HEADER_BYTES), 0);
    expect(await refuse(hdr)).toBe('FILELOCK_INTEGRITY');
  });

  it('random mutations (fast-check) never unlock and never touch the file', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: pristine.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        async (pos, x) => {
          const m = new Uint8Array(pristine);
          m[pos] = m[pos]! ^ x;
          expect(await refuse(m)).not.toBe('NONE');
        },
      ),
      { numRuns: 150 },
    );
  });

  it('the pristine copy still unlocks (the harness can tell success from refusal)', async () => {
    const d = mkdtempSync(join(dir, 'ok-'));
    const p = join(d, 'bbbbbbbbbbbbbbbbbbbbbbbbbb.fvlock');
    writeFileSync(p, pristine);
    copyFileSync(p, join(d, 'copy'));
    const u = await unlockContainer(p, { journalDir: join(d, '.journal'), keys });
    expect(u.name).toBe('secret.bin');
  });
});
