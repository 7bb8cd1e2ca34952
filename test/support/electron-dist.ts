/**
 * Electron binaries for the packaging tests.
 * - `realElectronDist()`: an unpacked Electron dist that exists on this machine (ELECTRON_OVERRIDE_DIST_PATH,
 *   or the one `npx install-electron` put under node_modules/electron/dist), or null: then the tests that
 *   need it print "DID NOT RUN: …" and are skipped.
 * - `makeStandInElectronDist()`: a folder shaped like a Linux Electron dist whose `electron` file is NOT
 *   Electron: random bytes around a real V1 fuse wire in Electron's default state. It lets electron-builder
 *   run its whole --dir pipeline (copy, ASAR, unpack, extra resources, our afterPack) offline; it proves
 *   the configuration and the hooks, never that the app starts.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from './shared-data.ts';

const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/** RunAsNode on, cookies plain, NODE_OPTIONS on, --inspect on, ASAR integrity off, ASAR-only off, snapshot off, file:// privileges on, wasm traps on. */
const ELECTRON_DEFAULT_WIRE = [49, 48, 49, 49, 48, 48, 48, 49, 49];

export function realElectronDist(): string | null {
  const pathTxt = join(projectRoot, 'node_modules', 'electron', 'path.txt');
  const exe = existsSync(pathTxt)
    ? readFileSync(pathTxt, 'utf8').trim()
    : process.platform === 'win32'
      ? 'electron.exe'
      : process.platform === 'darwin'
        ? 'Electron.app/Contents/MacOS/Electron'
        : 'electron';
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH?.trim();
  for (const dir of [override, join(projectRoot, 'node_modules', 'electron', 'dist')]) {
    if (dir && existsSync(join(dir, exe))) return dir;
  }
  return null;
}

export function makeStandInElectronDist(dir: string, electronVersion: string): string {
  mkdirSync(join(dir, 'resources'), { recursive: true });
  mkdirSync(join(dir, 'locales'), { recursive: true });
  const wire = Buffer.from([1, ELECTRON_DEFAULT_WIRE.length, ...ELECTRON_DEFAULT_WIRE]);
  writeFileSync(
    join(dir, 'electron'),
    Buffer.concat([randomBytes(64 * 1024), Buffer.from(SENTINEL), wire, randomBytes(4096)]),
    { mode: 0o755 },
  );
  writeFileSync(join(dir, 'version'), electronVersion);
  writeFileSync(join(dir, 'LICENSE'), 'stand-in, not Electron\n');
  writeFileSync(join(dir, 'resources.pak'), randomBytes(64));
  writeFileSync(join(dir, 'locales', 'en-US.pak'), randomBytes(64));
  return dir;
}
