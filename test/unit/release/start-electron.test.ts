/**
 * `npm start`'s launcher (scripts/start-electron.ts): where no Electron binary can be had it ends in one
 * plain paragraph naming ELECTRON_OVERRIDE_DIST_PATH (never a stack trace), and where one exists it runs
 * it with the given arguments and exits with its code. The download attempt is pointed at a closed
 * loopback port, so it fails at once and never leaves this machine.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { downloadReason, platformExecutable } from '../../../scripts/start-electron.ts';
import { projectRoot } from '../../support/shared-data.ts';

const base = mkdtempSync(join(tmpdir(), 'fv-start-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** An electron package folder with no dist (what `npm ci` leaves), whose install.js can really run. */
function electronPackageWithoutDist(): string {
  const dir = join(projectRoot, 'node_modules', 'electron');
  const copy = join(base, `electron-pkg-${Math.random().toString(36).slice(2)}`);
  mkdirSync(copy);
  for (const f of ['package.json', 'install.js', 'checksums.json']) copyFileSync(join(dir, f), join(copy, f));
  return copy;
}

function launch(env: NodeJS.ProcessEnv, args: string[] = ['--ensure']) {
  const e: NodeJS.ProcessEnv = { ...process.env, NODE_PATH: join(projectRoot, 'node_modules') };
  delete e.ELECTRON_OVERRIDE_DIST_PATH;
  delete e.ELECTRON_SKIP_BINARY_DOWNLOAD;
  return spawnSync(process.execPath, [join(projectRoot, 'scripts', 'start-electron.ts'), ...args], {
    env: { ...e, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

const paragraph = (stderr: string) =>
  stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('Downloading'));

describe('npm start without an Electron binary', () => {
  it('ELECTRON_OVERRIDE_DIST_PATH pointing at nothing: one paragraph, exit 1, no stack trace', () => {
    const r = launch({ ELECTRON_OVERRIDE_DIST_PATH: join(base, 'no-such-dist') });
    expect(r.status).toBe(1);
    const p = paragraph(r.stderr);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/ELECTRON_OVERRIDE_DIST_PATH is set to .*no-such-dist/);
    expect(r.stderr).not.toMatch(/\n\s+at |TypeError/);
  });

  it('no dist and downloads off (ELECTRON_SKIP_BINARY_DOWNLOAD): says so, and how to point at a dist', () => {
    const r = launch({
      FACEVAULT_ELECTRON_PACKAGE: electronPackageWithoutDist(),
      ELECTRON_SKIP_BINARY_DOWNLOAD: '1',
    });
    expect(r.status).toBe(1);
    const p = paragraph(r.stderr);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/ELECTRON_SKIP_BINARY_DOWNLOAD is set/);
    expect(p[0]).toMatch(/ELECTRON_OVERRIDE_DIST_PATH=\/path\/to\/electron-dist npm start/);
    expect(r.stderr).not.toMatch(/Downloading/);
  });

  it('no dist and the download fails: the real installer runs, fails, and its failure becomes one line in the paragraph', () => {
    const r = launch({
      FACEVAULT_ELECTRON_PACKAGE: electronPackageWithoutDist(),
      ELECTRON_MIRROR: 'http://127.0.0.1:9/',
      electron_config_cache: join(base, 'empty-cache'),
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Downloading the Electron/);
    const p = paragraph(r.stderr);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/downloading it failed \(.+\)/);
    expect(p[0]).toMatch(/ELECTRON_OVERRIDE_DIST_PATH/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('reduces a download stack trace to its error line', () => {
    expect(
      downloadReason('TypeError: fetch failed\n    at node:internal/deps/undici:1:1\n    at async x\n'),
    ).toBe('fetch failed');
    expect(downloadReason('HTTPError: Response code 404 (Not Found) for http://x\n')).toBe(
      'Response code 404 (Not Found) for http://x',
    );
  });
});

describe.skipIf(process.platform === 'win32')('npm start with an Electron dist', () => {
  it('runs the dist’s executable with the arguments and exits with its code', () => {
    const dist = join(base, 'dist');
    mkdirSync(join(dist, ...platformExecutable().split('/').slice(0, -1)), { recursive: true });
    const exe = join(dist, platformExecutable());
    writeFileSync(exe, `#!/bin/sh\necho "ran with: $*"\nexit 7\n`);
    chmodSync(exe, 0o755);
    const r = launch({ ELECTRON_OVERRIDE_DIST_PATH: dist }, ['.', '--flag']);
    expect(r.stdout).toContain('ran with: . --flag');
    expect(r.status).toBe(7);
  });
});
