/**
 * `npm start`'s launcher: runs the app in the Electron binary of node_modules/electron, or in the dist
 * named by ELECTRON_OVERRIDE_DIST_PATH, and when there is none says in one paragraph what happened and
 * how to fix it, instead of the stack trace `electron .` ends in where Electron cannot be downloaded.
 *
 *   node scripts/start-electron.ts --ensure   make sure a binary is there (download it once if allowed); no launch
 *   node scripts/start-electron.ts [args…]    launch Electron with args (npm start passes ".")
 *
 * The npm package `electron` holds only JavaScript; its binary comes from Electron's own download server
 * on first use (node_modules/electron/install.js). Downloading is skipped when ELECTRON_SKIP_BINARY_DOWNLOAD
 * is set. Exit codes: the app's own; 1 when no Electron binary could be found or fetched.
 * FACEVAULT_ELECTRON_PACKAGE (tests only) names another electron package folder.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');

function electronPackageDir(): string {
  if (process.env.FACEVAULT_ELECTRON_PACKAGE) return resolve(process.env.FACEVAULT_ELECTRON_PACKAGE);
  return dirname(createRequire(join(ROOT, 'package.json')).resolve('electron/package.json'));
}

/** The executable's path inside a dist, as electron/install.js writes it to path.txt. */
export function platformExecutable(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'darwin') return 'Electron.app/Contents/MacOS/Electron';
  if (platform === 'win32') return 'electron.exe';
  return 'electron';
}

export function explain(o: { version: string; reason: string; override: string | null }): string {
  const target = `${process.platform === 'win32' ? 'win32' : process.platform === 'darwin' ? 'darwin' : 'linux'}-${process.arch}`;
  const head = o.override
    ? `FaceVault cannot start: ELECTRON_OVERRIDE_DIST_PATH is set to ${o.override}, but that folder holds no ${platformExecutable()} (${o.reason}).`
    : `FaceVault cannot start: the Electron ${o.version} binary it runs in is not installed, and ${o.reason}. The npm package "electron" holds only JavaScript; its binary comes from Electron's own download server, not from the npm registry.`;
  return (
    `${head} To run FaceVault anyway, point ELECTRON_OVERRIDE_DIST_PATH at an unpacked Electron ${o.version} dist for ${target} ` +
    `(the folder that contains ${platformExecutable()}, e.g. electron-v${o.version}-${target}.zip from Electron's releases, ` +
    `unzipped; copy it from a machine that can download it) and run: ELECTRON_OVERRIDE_DIST_PATH=/path/to/electron-dist npm start. Nothing was changed.`
  );
}

function fail(paragraph: string): never {
  console.error(`\n${paragraph}\n`);
  process.exit(1);
}

/** A one-line reason from a failed download's output (its last error line, without the stack). */
export function downloadReason(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('at '));
  const err = [...lines]
    .reverse()
    .find((l) => /error|failed|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|status/i.test(l));
  return (err ?? lines.at(-1) ?? 'no output').replace(/^(\w*Error):\s*/, '').slice(0, 200);
}

function resolveBinary(): string {
  const pkgDir = electronPackageDir();
  const version = (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string })
    .version; // electron's own package.json
  const exe = platformExecutable();
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH?.trim() || null;
  if (override) {
    const bin = join(resolve(override), exe);
    if (!existsSync(bin))
      fail(
        explain({
          version,
          override: resolve(override),
          reason: existsSync(override) ? `${bin} does not exist` : 'the folder does not exist',
        }),
      );
    return bin;
  }
  const bin = join(pkgDir, 'dist', exe);
  const installedVersion = existsSync(join(pkgDir, 'dist', 'version'))
    ? readFileSync(join(pkgDir, 'dist', 'version'), 'utf8')
        .trim()
        .replace(/^v/, '')
    : null;
  if (existsSync(bin) && installedVersion === version) return bin;
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD)
    fail(
      explain({
        version,
        override: null,
        reason: 'ELECTRON_SKIP_BINARY_DOWNLOAD is set, so it was not downloaded',
      }),
    );
  console.error(`Downloading the Electron ${version} binary (once; about 100 MB)…`);
  const r = spawnSync(process.execPath, [join(pkgDir, 'install.js')], {
    cwd: pkgDir,
    encoding: 'utf8',
    timeout: 15 * 60_000,
  });
  if (r.status !== 0 || !existsSync(bin)) {
    const reason = r.error ? r.error.message : downloadReason(`${r.stdout ?? ''}\n${r.stderr ?? ''}`);
    fail(explain({ version, override: null, reason: `downloading it failed (${reason})` }));
  }
  return bin;
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const bin = resolveBinary();
  if (args[0] === '--ensure') process.exit(0);
  const child = spawn(bin, args, { stdio: 'inherit', cwd: process.cwd() });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => child.kill(sig));
  child.on('error', (e) =>
    fail(
      `FaceVault cannot start: ${bin} could not be run (${e.message}). If it was copied from another machine, check it is an Electron dist for ${process.platform}-${process.arch} and executable.`,
    ),
  );
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
