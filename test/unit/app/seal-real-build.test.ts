/**
 * The real thing: `electron-vite build` into a throw-away folder (FACEVAULT_OUT_DIR, so the e2e build of
 * out/ is not raced), the real seal script, a clean verification as a packaged app would do it, then one
 * flipped byte of the real renderer bundle, which app:// must refuse.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAMAGED_PAGE, rendererResponse } from '../../../src/main/app/resource-guard.ts';
import { checkAppIntegrity } from '../../../src/main/app/resource-integrity.ts';
import { projectRoot } from '../../support/shared-data.ts';

let out: string;
let anchor: string;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'fv-real-build-'));
  execFileSync(
    process.execPath,
    [
      join(projectRoot, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'),
      'build',
      '--logLevel',
      'error',
    ],
    {
      cwd: projectRoot,
      stdio: 'pipe',
      env: { ...process.env, FACEVAULT_OUT_DIR: out },
    },
  );
  execFileSync(process.execPath, [join(projectRoot, 'scripts', 'seal-resources.ts'), out], {
    cwd: projectRoot,
    stdio: 'pipe',
  });
  const main = await readFile(join(out, 'main', 'index.js'), 'utf8');
  anchor = /RESOURCE_MANIFEST_SHA256 = "([0-9a-f]{64})"/.exec(main)?.[1] ?? '';
});
afterAll(async () => rm(out, { recursive: true, force: true }));

describe('seal-resources on a real electron-vite build', () => {
  it('embeds the manifest hash in the built main entry and verifies clean, packaged', async () => {
    expect(anchor).toMatch(/^[0-9a-f]{64}$/);
    const r = await checkAppIntegrity({ outRoot: out, anchor, packaged: true });
    expect(r.failures).toEqual([]);
    expect(r.state).toBe('sealed-ok');
    const sealed = [...r.manifest!.files.keys()];
    expect(sealed).toContain('main/pipeline-worker.js');
    expect(sealed).toContain('preload/index.cjs');
    expect(sealed).toContain('renderer/index.html');
    expect(sealed).not.toContain('main/index.js');
  });

  it('refuses to seal the same build twice', () => {
    const again = spawnSync(process.execPath, [join(projectRoot, 'scripts', 'seal-resources.ts'), out], {
      cwd: projectRoot,
      encoding: 'utf8',
    });
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already sealed/);
  });

  it('serves the real renderer, then refuses it after one flipped byte', async () => {
    const assets = join(out, 'renderer', 'assets');
    const js = (await readdir(assets)).find((f) => f.endsWith('.js'))!;
    const file = join(assets, js);
    const clean = await checkAppIntegrity({ outRoot: out, anchor, packaged: true });
    expect(
      await rendererResponse({ outRoot: out, file: join(out, 'renderer', 'index.html'), report: clean }),
    ).toMatchObject({ status: 200 });
    expect(await rendererResponse({ outRoot: out, file, report: clean })).toMatchObject({ status: 200 });

    const bytes = await readFile(file);
    const mid = Math.floor(bytes.length / 2);
    bytes[mid] = bytes[mid]! ^ 0x01;
    await writeFile(file, bytes);
    expect(await rendererResponse({ outRoot: out, file, report: clean })).toMatchObject({
      status: 500,
      body: DAMAGED_PAGE,
    });
    const after = await checkAppIntegrity({ outRoot: out, anchor, packaged: true });
    expect(after.state).toBe('tampered');
    expect(after.failures).toEqual([{ kind: 'hash-mismatch', path: `renderer/assets/${js}` }]);
    expect(
      await rendererResponse({ outRoot: out, file: join(out, 'renderer', 'index.html'), report: after }),
    ).toMatchObject({ status: 500 });
  });
});
