/**
 * Issue 10 item 2: one named test per non-regular or oversized input, against the real CLI (child process:
 * `node src/cli/facevault.ts`) and the app's catalog reader (readCatalog + openModelSet phase 1, in a child
 * process so that a reader blocking forever on a FIFO fails the test by timeout instead of hanging it).
 * Each must be refused promptly with its typed code, without reading the body: peak RSS of the child is
 * reported by test/support/max-rss-on-exit.ts and must stay far below the size of the file refused.
 * On the code before storage/bounded-read.ts: /dev/zero grew without bound, a FIFO blocked in open(2), a
 * sparse file was read whole before its magic was checked, a symlink in the catalog was followed.
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCatalog } from '../../src/cli/vendor/catalog-builder.ts';
import { CATALOG_FILE } from '../../src/main/model/model-catalog.ts';
import { makeVendor, pseudoModel, testDescriptor } from '../support/bundle-fixtures.ts';
import { projectRoot } from '../support/shared-data.ts';

const CLI = join(projectRoot, 'src', 'cli', 'facevault.ts');
const CATALOG_CHILD = join(projectRoot, 'test', 'support', 'catalog-reader-child.ts');
const MAXRSS = join(projectRoot, 'test', 'support', 'max-rss-on-exit.ts');
/** Far above what node itself needs (~60–120 MB), far below the files refused (≥ 900 MB). */
const RSS_BOUND_KIB = 400 * 1024;
/** A refusal is immediate; the old code hung or grew until this. */
const TIMEOUT_MS = 30_000;

const root = mkdtempSync(join(tmpdir(), 'fv-nonregular-'));
const p = (f: string) => join(root, f);

interface Run {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
  readonly maxRssKiB: number;
}

function run(script: string, args: string[]): Run {
  const r = spawnSync(process.execPath, ['--import', MAXRSS, script, ...args], {
    encoding: 'utf8',
    cwd: projectRoot,
    timeout: TIMEOUT_MS,
  });
  const m = /MAXRSS_KIB=(\d+)/.exec(r.stderr ?? '');
  return {
    code: r.status,
    out: r.stdout ?? '',
    err: r.stderr ?? '',
    maxRssKiB: m ? Number(m[1]) : Number.POSITIVE_INFINITY,
  };
}
const cli = (...args: string[]) => run(CLI, args);

function mkfifo(path: string): void {
  const r = spawnSync('mkfifo', [path]);
  if (r.status !== 0) throw new Error(`mkfifo failed: ${r.stderr.toString()}`);
}
function sparse(path: string, bytes: number): void {
  writeFileSync(path, new Uint8Array(0));
  truncateSync(path, bytes);
}

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('CLI input reading refuses non-regular and oversized files before reading them', () => {
  let vendorKey: string;
  let vendorPub: string;
  beforeAll(() => {
    const r = cli('keygen', '--out', p('vendor'));
    expect(r.code, r.err).toBe(0);
    vendorKey = p('vendor/vendor.key.json');
    vendorPub = p('vendor/vendor.pub.json');
  });
  const pack = (model: string) =>
    cli(
      'pack',
      model,
      '--key',
      vendorKey,
      '--out',
      p('x.fvb'),
      '--family',
      'yunet',
      '--model-version',
      '1',
      '--force',
    );

  it('verify /dev/zero: refused as a character device (was: grew without bound)', () => {
    const r = cli('verify', '/dev/zero', '--pub', vendorPub);
    expect([r.code, r.err]).toEqual([
      2,
      expect.stringMatching(/INPUT_UNREADABLE: bundle \/dev\/zero: not a regular file \(character-device\)/),
    ]);
    expect(r.maxRssKiB).toBeLessThan(RSS_BOUND_KIB);
  });

  it('pack of a FIFO: refused without blocking (was: hung forever)', () => {
    mkfifo(p('model.fifo'));
    const r = pack(p('model.fifo'));
    expect([r.code, r.err]).toEqual([
      2,
      expect.stringMatching(/INPUT_UNREADABLE: model .*model\.fifo: not a regular file \(fifo\)/),
    ]);
  });

  it('inspect of a directory: refused as a directory', () => {
    mkdirSync(p('a-dir'));
    const r = cli('inspect', p('a-dir'));
    expect([r.code, r.err]).toEqual([
      2,
      expect.stringMatching(/INPUT_UNREADABLE: bundle .*a-dir: is a directory/),
    ]);
  });

  it('pack of a 1.9 GB sparse file: refused on its header, the body never read (was: read whole, 2 GB RSS)', () => {
    sparse(p('huge.onnx'), 1.9e9);
    const r = pack(p('huge.onnx'));
    expect([r.code, r.err]).toEqual([
      2,
      expect.stringMatching(/NOT_ONNX: model .*huge\.onnx: not an ONNX model/),
    ]);
    expect(r.maxRssKiB).toBeLessThan(RSS_BOUND_KIB);
  });

  it('a symlink to /dev/zero: the target is checked (was: grew without bound)', () => {
    symlinkSync('/dev/zero', p('zero.fvb'));
    const r = cli('inspect', p('zero.fvb'));
    expect([r.code, r.err]).toEqual([
      2,
      expect.stringMatching(/INPUT_UNREADABLE: bundle .*zero\.fvb: not a regular file \(character-device\)/),
    ]);
    expect(r.maxRssKiB).toBeLessThan(RSS_BOUND_KIB);
  });
});

describe("the app's catalog reader refuses non-regular files, symlinks and bodies behind a bad magic", () => {
  const vendor = makeVendor();
  const pubHex = Buffer.from(vendor.publicKey).toString('hex');
  let pristine: string;
  let bundleName: string;
  let n = 0;

  beforeAll(async () => {
    pristine = p('pristine');
    await buildCatalog({
      outDir: pristine,
      vendorSecretKey: vendor.secretKey,
      models: (['detector', 'embedder', 'antispoof'] as const).map((role, i) => ({
        role,
        name: role.slice(0, 3),
        onnx: pseudoModel(700 + i * 50, 30 + i),
        modelId: `test.${role}`,
        modelVersion: '1',
        descriptor: { ...testDescriptor, family: 'yunet' },
      })),
      chunkSize: 64,
    });
    const catalog = JSON.parse(readFileSync(join(pristine, CATALOG_FILE), 'utf8')) as {
      models: Array<{ bundle: string }>;
    };
    bundleName = catalog.models[0]!.bundle;
  });

  /** A fresh copy of the signed catalog dir with `file` replaced by what `plant` puts there. */
  function attack(file: string, plant: (path: string) => void): Run {
    const dir = p(`attack-${n++}`);
    mkdirSync(dir);
    for (const f of readdirSync(pristine)) copyFileSync(join(pristine, f), join(dir, f));
    unlinkSync(join(dir, file));
    plant(join(dir, file));
    return run(CATALOG_CHILD, [dir, pubHex, p(`licences-${n}`)]);
  }
  const outcome = (r: Run) =>
    JSON.parse(r.out.trim().split('\n').at(-1) ?? '{}') as { ok?: true; code?: string; message?: string };

  it('the pristine copy opens up to the device keys (control)', () => {
    const r = attack(CATALOG_FILE, (path) => copyFileSync(join(pristine, CATALOG_FILE), path));
    expect(outcome(r), r.err).toEqual({ code: 'OTHER', message: 'no device keys in this test' });
  });

  it('a FIFO in place of catalog.json: refused without blocking the thread (was: froze in open(2))', () => {
    const r = attack(CATALOG_FILE, mkfifo);
    expect(r.code, 'the reader blocked').toBe(0);
    expect(outcome(r)).toEqual({
      code: 'MODEL_CATALOG_INVALID',
      message: expect.stringMatching(/not a regular file \(fifo\)/),
    });
  });

  it('a FIFO in place of a bundle: refused without blocking the thread (was: froze in open(2))', () => {
    const r = attack(bundleName, mkfifo);
    expect(r.code, 'the reader blocked').toBe(0);
    expect(outcome(r)).toEqual({
      code: 'BUNDLE_MALFORMED',
      message: expect.stringMatching(/not a regular file \(fifo\)/),
    });
  });

  it('a symlink in place of catalog.json, even to the identical signed bytes: refused (was: followed)', () => {
    const r = attack(CATALOG_FILE, (path) => symlinkSync(join(pristine, CATALOG_FILE), path));
    expect(outcome(r)).toEqual({
      code: 'MODEL_CATALOG_INVALID',
      message: expect.stringMatching(/is a symbolic link/),
    });
  });

  it('a bundle that is a symlink to /dev/zero: refused as a symlink', () => {
    const r = attack(bundleName, (path) => symlinkSync('/dev/zero', path));
    expect(outcome(r)).toEqual({
      code: 'BUNDLE_MALFORMED',
      message: expect.stringMatching(/is a symbolic link/),
    });
  });

  it('a bundle that is a directory: refused', () => {
    const r = attack(bundleName, (path) => mkdirSync(path));
    expect(outcome(r)).toEqual({
      code: 'BUNDLE_MALFORMED',
      message: expect.stringMatching(/not a regular file \(directory\)/),
    });
  });

  it('a 900 MB sparse bundle (under the size bound, no magic): refused on its header, body never read (was: read whole)', () => {
    const r = attack(bundleName, (path) => sparse(path, 900e6));
    expect(outcome(r)).toEqual({ code: 'BUNDLE_MALFORMED', message: 'not a FaceVault bundle (bad magic)' });
    expect(r.maxRssKiB).toBeLessThan(RSS_BOUND_KIB);
  });
});
