/**
 * The packaged layout of the app's self-check: out/ inside resources/app.asar. Paths there are read by
 * asar-read.ts (lstat + readFile, which Electron serves from the archive on every call) instead of
 * open(), which Electron serves from a once-extracted temp copy. Under plain Node the archive is a folder
 * named app.asar, so these tests prove the path detection, the refusals and that a re-check re-reads; that
 * Electron's archive reader answers the same way is verified only where the packaged app runs (hosted CI).
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insideAsarArchive, readArchivedFile } from '../../../src/main/storage/asar-read.ts';
import { RESOURCE_MANIFEST_SHA256 as PLACEHOLDER } from '../../../src/main/app/resource-anchor.ts';
import {
  AppIntegrityError,
  checkAppIntegrity,
  readBounded,
} from '../../../src/main/app/resource-integrity.ts';
import { sealResources } from '../../../scripts/seal-resources.ts';

let base: string;
let out: string;
let anchor: string;
const tree: Record<string, string> = {
  'main/index.js': `var RESOURCE_MANIFEST_SHA256 = "${PLACEHOLDER}";\n`,
  'main/pipeline-worker.js': 'worker();\n',
  'preload/index.cjs': 'bridge();\n',
  'renderer/index.html': '<!doctype html><title>x</title>',
};

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'fv-asar-layout-'));
  out = join(base, 'resources', 'app.asar', 'out');
  for (const [rel, body] of Object.entries(tree)) {
    await mkdir(join(out, ...rel.split('/').slice(0, -1)), { recursive: true });
    await writeFile(join(out, ...rel.split('/')), body);
  }
  anchor = (await sealResources(out)).manifestSha256;
});
afterAll(async () => rm(base, { recursive: true, force: true }));

describe('packaged layout detection', () => {
  it.each([
    ['/opt/FaceVault/resources/app.asar/out/main/index.js', true],
    ['C:\\Program Files\\FaceVault\\resources\\APP.ASAR\\out\\renderer\\index.html', true],
    ['/Applications/FaceVault.app/Contents/Resources/app.asar/out/preload/index.cjs', true],
    ['/opt/FaceVault/resources/app.asar', false],
    ['/opt/FaceVault/resources/app.asar.unpacked/node_modules/keytar/build/Release/keytar.node', false],
    ['/work/facevault/out/main/index.js', false],
  ])('%s → %s', (p, inside) => {
    expect(insideAsarArchive(p)).toBe(inside);
  });
});

describe('the self-check over out/ inside app.asar', () => {
  it('verifies a sealed build as a packaged app', async () => {
    expect((await checkAppIntegrity({ outRoot: out, anchor, packaged: true })).state).toBe('sealed-ok');
  });

  it('a re-check reads the file again: a change after the first check is caught', async () => {
    expect((await checkAppIntegrity({ outRoot: out, anchor, packaged: true })).state).toBe('sealed-ok');
    await writeFile(join(out, 'renderer', 'index.html'), '<!doctype html><title>y</title>');
    const r = await checkAppIntegrity({ outRoot: out, anchor, packaged: true });
    expect(r.failures).toEqual([{ kind: 'hash-mismatch', path: 'renderer/index.html' }]);
    await writeFile(join(out, 'renderer', 'index.html'), tree['renderer/index.html']!);
  });

  it('refuses a missing file and an oversized one with the same typed kinds as outside an archive', async () => {
    await expect(readBounded(join(out, 'renderer', 'gone.js'), 'renderer/gone.js')).rejects.toMatchObject({
      kind: 'missing',
    });
    await expect(
      readBounded(join(out, 'main', 'pipeline-worker.js'), 'main/pipeline-worker.js', 4),
    ).rejects.toMatchObject({ kind: 'too-large' });
  });

  // Creating symlinks needs a privilege on Windows.
  it.skipIf(process.platform === 'win32')('refuses a symlink inside the archive', async () => {
    await symlink(join(out, 'preload', 'index.cjs'), join(out, 'renderer', 'link.js'));
    await expect(readBounded(join(out, 'renderer', 'link.js'), 'renderer/link.js')).rejects.toMatchObject({
      kind: 'not-regular',
    });
    const r = await checkAppIntegrity({ outRoot: out, anchor, packaged: true });
    expect(r.failures).toContainEqual({ kind: 'not-regular', path: 'renderer/link.js' });
    await rm(join(out, 'renderer', 'link.js'));
  });

  it('readArchivedFile returns exactly the file’s bytes and builds the caller’s error', async () => {
    expect(
      (
        await readArchivedFile(join(out, 'preload', 'index.cjs'), 1024, (k) => new AppIntegrityError(k, 'p'))
      ).toString(),
    ).toBe('bridge();\n');
    await expect(
      readArchivedFile(join(out, 'preload'), 1024, (k) => new AppIntegrityError(k, 'p')),
    ).rejects.toMatchObject({ kind: 'not-regular' });
  });
});
