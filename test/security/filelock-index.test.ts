/**
 * The list of locked items (items.fvidx, docs/filelock-format.md "The list of locked items"): no name or
 * path is ever on disk in the clear; the list opens only with this vault's key; tampering, truncation, a
 * foreign vault's list or a damaged one give a typed error, are set aside (never deleted), and never cost
 * a container — every container still unlocks without the list. The plaintext items.json of earlier
 * versions is sealed on first open and then removed.
 */
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileLockService, type FileLockService } from '../../src/main/filelock/file-lock-service.ts';
import {
  INDEX_HEADER_BYTES,
  openIndex,
  sealIndex,
  type RegistryItem,
} from '../../src/main/filelock/index-format.ts';
import { deriveFileLockKeys } from '../../src/main/filelock/vault-key.ts';
import { createTestVault, type TestVault } from '../support/filelock-vault.ts';

let root: string;
let data: string;
let work: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'fv-index-'));
  data = join(root, 'profile');
  work = join(root, 'Secret project plans');
  mkdirSync(work, { recursive: true });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const NAME = 'salary-negotiation-2026.xlsx';
const indexFile = () => join(data, 'items.fvidx');

async function service(vault: TestVault): Promise<FileLockService> {
  const s = createFileLockService({ dataDir: data, vault });
  await s.start();
  return s;
}

async function lockOne(s: FileLockService, name = NAME): Promise<string> {
  const p = join(work, name);
  writeFileSync(p, randomBytes(10_000));
  const r = await s.lockNow(p);
  return r.containerPath;
}

/** Every file under the profile folder, as bytes (names, paths and their UTF-16 forms must be absent). */
function profileBytes(): Buffer {
  const out: Buffer[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d, { withFileTypes: true })) {
      out.push(Buffer.from(n.name));
      if (n.isDirectory()) walk(join(d, n.name));
      else out.push(readFileSync(join(d, n.name)));
    }
  };
  walk(data);
  return Buffer.concat(out);
}

const item = (over: Partial<RegistryItem> = {}): RegistryItem => ({
  id: 'abcdefghijklmnopqrstuvwxyz',
  displayName: NAME,
  kind: 'file',
  sizeBytes: 10,
  containerPath: '/home/u/abcdefghijklmnopqrstuvwxyz.fvlock',
  originalPath: `/home/u/${NAME}`,
  state: 'locked',
  changedAt: 1,
  ...over,
});

describe('the list of locked items never shows names or paths in the clear', () => {
  it('after locks, unlocks and relocks, no file in the profile contains a name or a path', async () => {
    const vault = createTestVault();
    const s = await service(vault);
    const c = await lockOne(s);
    await lockOne(s, 'medical-records.pdf');
    await s.unlockNow(c);
    expect(
      s
        .view()
        .items.map((i) => i.displayName)
        .sort(),
    ).toEqual(['medical-records.pdf', NAME]);
    const bytes = profileBytes();
    for (const needle of [NAME, 'medical-records', 'Secret project plans', work, 'salary']) {
      expect(bytes.includes(Buffer.from(needle))).toBe(false);
      expect(bytes.includes(Buffer.from(needle, 'utf16le'))).toBe(false);
    }
    expect(existsSync(join(data, 'items.json'))).toBe(false);
    expect(statSync(indexFile()).mode & 0o777).toBe(0o600);
  });

  it('while the vault is locked the list is not read and not shown; after unlocking it is', async () => {
    const vault = createTestVault();
    let s = await service(vault);
    await lockOne(s);
    vault.lock();
    s = await service(vault); // a restart with the vault locked
    expect(s.view()).toMatchObject({ items: [], listState: 'vault-locked', listProblem: null });
    vault.unlock();
    await expect.poll(() => s.view().listState).toBe('ready');
    expect(s.view().items.map((i) => i.displayName)).toEqual([NAME]);
    vault.lock();
    expect(s.view()).toMatchObject({ items: [], listState: 'vault-locked' });
  });
});

describe('the sealed format', () => {
  const keys = deriveFileLockKeys(new Uint8Array(randomBytes(32)));
  it('round-trips, and a fresh nonce makes every write different', () => {
    const a = sealIndex([item()], keys);
    const b = sealIndex([item()], keys);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    expect(openIndex(a, keys)).toEqual([item()]);
  });

  it('every single-bit flip anywhere, truncation and extension are refused with FILELOCK_INDEX_DAMAGED', () => {
    const sealed = sealIndex([item(), item({ id: 'bbbbbbbbbbbbbbbbbbbbbbbbbb' })], keys);
    for (let i = 0; i < sealed.length; i += 1) {
      if (i >= 8 && i < 24) continue; // the vault key id: its own code, below
      const t = new Uint8Array(sealed);
      t[i]! ^= 1 << (i % 8);
      expect(() => openIndex(t, keys), `byte ${i}`).toThrow(
        expect.objectContaining({ code: 'FILELOCK_INDEX_DAMAGED' }),
      );
    }
    for (const n of [0, 4, INDEX_HEADER_BYTES, INDEX_HEADER_BYTES + 15, sealed.length - 1]) {
      expect(() => openIndex(sealed.subarray(0, n), keys)).toThrow(
        expect.objectContaining({ code: 'FILELOCK_INDEX_DAMAGED' }),
      );
    }
    const longer = new Uint8Array(sealed.length + 1);
    longer.set(sealed);
    expect(() => openIndex(longer, keys)).toThrow(
      expect.objectContaining({ code: 'FILELOCK_INDEX_DAMAGED' }),
    );
  });

  it('another vault’s list is FILELOCK_WRONG_VAULT; a forged key id under the wrong key is damaged', () => {
    const other = deriveFileLockKeys(new Uint8Array(randomBytes(32)));
    const sealed = sealIndex([item()], other);
    expect(() => openIndex(sealed, keys)).toThrow(expect.objectContaining({ code: 'FILELOCK_WRONG_VAULT' }));
    const forged = new Uint8Array(sealed);
    forged.set(keys.vaultKeyId, 8);
    expect(() => openIndex(forged, keys)).toThrow(
      expect.objectContaining({ code: 'FILELOCK_INDEX_DAMAGED' }),
    );
  });

  it('random garbage never opens (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), (bytes) => {
        expect(() => openIndex(bytes, keys)).toThrow(
          expect.objectContaining({ code: expect.stringMatching(/^FILELOCK_(INDEX_DAMAGED|WRONG_VAULT)$/) }),
        );
      }),
      { numRuns: 200 },
    );
  });
});

describe('a damaged list costs no container', () => {
  it('is set aside (kept), reported with a typed problem, and every container still unlocks', async () => {
    const vault = createTestVault();
    let s = await service(vault);
    const a = await lockOne(s);
    const b = await lockOne(s, 'b.bin');
    const bytes = readFileSync(indexFile());
    bytes[bytes.length - 3]! ^= 0x40;
    writeFileSync(indexFile(), bytes);
    s = await service(vault);
    expect(s.view()).toMatchObject({
      items: [],
      listState: 'ready',
      listProblem: expect.stringContaining('damaged'),
    });
    const aside = readdirSync(data).filter((n) => n.startsWith('items.fvidx.damaged-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(data, aside[0]!)).equals(bytes)).toBe(true);
    // The containers do not need the list: both unlock, and the list is rebuilt from what is done now.
    await s.unlockNow(a);
    await s.unlockNow(b);
    expect(readdirSync(work).sort()).toEqual(['b.bin', NAME].sort());
    expect(s.view().items.map((i) => i.state)).toEqual(['unlocked', 'unlocked']);
  });

  it('a list from another vault is set aside too, never used, never deleted', async () => {
    const mine = createTestVault();
    const s1 = await service(createTestVault());
    await lockOne(s1, 'theirs.bin');
    const s2 = await service(mine);
    expect(s2.view().listProblem).toContain('another vault');
    expect(readdirSync(data).some((n) => n.startsWith('items.fvidx.damaged-'))).toBe(true);
  });
});

describe('migration from the plaintext list of earlier versions', () => {
  it('items.json is sealed into items.fvidx on the first unlocked start, then removed', async () => {
    mkdirSync(data, { recursive: true });
    writeFileSync(join(data, 'items.json'), JSON.stringify({ v: 1, items: [item()] }));
    const s = await service(createTestVault());
    expect(s.view().items.map((i) => i.displayName)).toEqual([NAME]);
    expect(existsSync(join(data, 'items.json'))).toBe(false);
    expect(profileBytes().includes(Buffer.from(NAME))).toBe(false);
  });

  it('a damaged items.json is set aside and reported, not deleted', async () => {
    mkdirSync(data, { recursive: true });
    writeFileSync(join(data, 'items.json'), '{ "v": 1, "items": [ broken');
    const s = await service(createTestVault());
    expect(s.view().listProblem).toContain('damaged');
    expect(readdirSync(data).some((n) => n.startsWith('items.json.damaged-'))).toBe(true);
  });
});
