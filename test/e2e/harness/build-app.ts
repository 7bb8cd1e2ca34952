/**
 * Builds what the browser e2e tests load: the real renderer (electron-vite's production build, the same
 * files the app serves from app://facevault) and the real preload bundled for a plain browser page, with
 * only `electron` aliased to the WebSocket transport shim. Built once per test file into .cache/e2e.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'vite';
import { projectRoot } from '../../support/shared-data.ts';

export interface BuiltApp {
  readonly rendererDir: string;
  readonly preloadFile: string;
}

export async function buildAppForBrowser(): Promise<BuiltApp> {
  execFileSync(
    process.execPath,
    [join(projectRoot, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'],
    {
      cwd: projectRoot,
      stdio: 'pipe',
    },
  );
  // As `npm run build` does: seal the resources (manifest + anchor in main), so the harness can report it.
  execFileSync(process.execPath, [join(projectRoot, 'scripts', 'seal-resources.ts')], {
    cwd: projectRoot,
    stdio: 'pipe',
  });
  const outDir = join(projectRoot, '.cache', 'e2e', 'preload');
  await build({
    configFile: false,
    logLevel: 'error',
    root: projectRoot,
    resolve: { alias: { electron: join(projectRoot, 'test', 'e2e', 'harness', 'electron-shim.ts') } },
    build: {
      outDir,
      emptyOutDir: true,
      minify: false,
      lib: {
        entry: join(projectRoot, 'src', 'preload', 'index.ts'),
        formats: ['iife'],
        name: 'fvPreload',
        fileName: () => 'preload.js',
      },
    },
  });
  const rendererDir = join(projectRoot, 'out', 'renderer');
  const preloadFile = join(outDir, 'preload.js');
  if (!existsSync(join(rendererDir, 'index.html')) || !existsSync(preloadFile))
    throw new Error('e2e build failed');
  return { rendererDir, preloadFile };
}
