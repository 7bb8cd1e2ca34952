/**
 * The package as it is built: `node scripts/release/package.ts --dir` (the release script, the
 * electron-builder configuration, its afterPack hook) into a throw-away folder, then inspected from the
 * outside, independently of the hook: fuses read back from the binary, the app.asar and resources walked
 * (nothing from development, no key bytes), the pinned key list and catalog checked with the app's own
 * reader, the sealed build inside identical to out/.
 *
 * - "stand-in Electron": always runs, offline: the dist is a stand-in binary carrying a real fuse wire
 *   (test/support/electron-dist.ts), so it proves the pipeline and the configuration, not that the app starts.
 * - "real Electron": runs where an Electron binary exists (ELECTRON_OVERRIDE_DIST_PATH or node_modules/electron/dist,
 *   e.g. the hosted release workflow); elsewhere it prints "DID NOT RUN: …" and is skipped.
 * Builds and seals its own copy of the app (FACEVAULT_OUT_DIR, so the other suites' builds of out/ are not
 * raced) and needs build/models, which `npm test` makes before vitest runs.
 */
import { extractFile } from '@electron/asar';
import { ed25519 } from '@noble/curves/ed25519.js';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { electronBinary } from '../../scripts/release/builder-config.ts';
import { verifyFuses } from '../../scripts/release/fuse-policy.ts';
import { findResourcesDir, inspectPackage } from '../../scripts/release/package-contents.ts';
import { encodeVendorSecretKey, parsePinnedVendorKeys } from '../../src/main/model/key-files.ts';
import { readCatalog } from '../../src/main/model/model-catalog.ts';
import { makeStandInElectronDist, realElectronDist } from '../support/electron-dist.ts';
import { projectRoot } from '../support/shared-data.ts';

const base = mkdtempSync(join(tmpdir(), 'fv-packaged-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const release = ed25519.keygen();
const keyDir = join(base, 'secret');
mkdirSync(keyDir, { mode: 0o700 });
const keyFile = join(keyDir, 'vendor.key.json');
writeFileSync(keyFile, encodeVendorSecretKey(release.secretKey), { mode: 0o600 });
chmodSync(keyFile, 0o600);
const sealed = join(base, 'sealed-out');
beforeAll(() => {
  const r1 = spawnSync(
    process.execPath,
    [
      join(projectRoot, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'),
      'build',
      '--logLevel',
      'error',
    ],
    {
      cwd: projectRoot,
      env: { ...process.env, FACEVAULT_OUT_DIR: sealed },
      encoding: 'utf8',
    },
  );
  expect(r1.status, r1.stderr).toBe(0);
  const r2 = spawnSync(process.execPath, [join(projectRoot, 'scripts', 'seal-resources.ts'), sealed], {
    cwd: projectRoot,
    encoding: 'utf8',
  });
  expect(r2.status, r2.stderr).toBe(0);
});

const electronVersion = (
  JSON.parse(readFileSync(join(projectRoot, 'node_modules', 'electron', 'package.json'), 'utf8')) as {
    version: string;
  }
).version;

function packageDir(
  electronDist: string,
  output: string,
  env: NodeJS.ProcessEnv = { FACEVAULT_VENDOR_KEY_FILE: keyFile },
) {
  const e: NodeJS.ProcessEnv = { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: electronDist };
  delete e.FACEVAULT_VENDOR_KEY_FILE;
  for (const k of [
    'CSC_LINK',
    'CSC_NAME',
    'WIN_CSC_LINK',
    'APPLE_ID',
    'APPLE_API_KEY',
    'FACEVAULT_REQUIRE_SIGNING',
  ])
    delete e[k];
  return spawnSync(
    process.execPath,
    [
      join(projectRoot, 'scripts', 'release', 'package.ts'),
      '--dir',
      '--skip-app-build',
      '--app-out',
      sealed,
      '--output',
      output,
    ],
    {
      cwd: projectRoot,
      env: { ...e, ...env },
      encoding: 'utf8',
      timeout: 300_000,
    },
  );
}

async function inspectBuilt(output: string): Promise<void> {
  const platform = process.platform === 'win32' ? 'win' : process.platform === 'darwin' ? 'mac' : 'linux';
  // electron-builder's folder names: linux-unpacked / linux-arm64-unpacked, win-unpacked, mac / mac-arm64.
  const arm = process.arch === 'arm64' ? '-arm64' : '';
  const unpacked =
    platform === 'mac' ? join(output, `mac${arm}`) : join(output, `${platform}${arm}-unpacked`);
  const binary = electronBinary({ appOutDir: unpacked, electronPlatformName: process.platform });
  expect(existsSync(binary), binary).toBe(true);
  // Fuses, read from the file the installer would ship.
  expect(await verifyFuses(binary)).toEqual([]);
  // Contents, with the release key's bytes as the secret that must be nowhere.
  const resources = findResourcesDir(unpacked);
  const report = inspectPackage(resources, [release.secretKey]);
  expect(report.violations).toEqual([]);
  expect(report.asarHasIntegrity).toBe(true);
  // Native modules unpacked, and only this platform's onnxruntime binaries.
  expect(
    report.unpackedFiles.some(
      (f) => f.startsWith('node_modules/onnxruntime-node/') && f.endsWith('onnxruntime_binding.node'),
    ),
  ).toBe(true);
  expect(
    report.unpackedFiles.some((f) => f.startsWith('node_modules/keytar/') && f.endsWith('keytar.node')),
  ).toBe(true);
  expect(
    report.unpackedFiles.filter(
      (f) => f.includes('/bin/napi-v6/') && !f.includes(`/bin/napi-v6/${process.platform}/${process.arch}/`),
    ),
  ).toEqual([]);
  // The app pins exactly the release key, and the shipped catalog verifies against it with the app's reader.
  const asar = join(resources, 'app.asar');
  const pinned = parsePinnedVendorKeys(extractFile(asar, 'build/pinned/vendor-keys.json'));
  expect(pinned.map((k) => Buffer.from(k.publicKey).toString('hex'))).toEqual([
    Buffer.from(release.publicKey).toString('hex'),
  ]);
  const catalog = await readCatalog(join(resources, 'models'), pinned);
  expect(catalog.models.length).toBeGreaterThan(0);
  // The sealed build is inside unchanged.
  for (const f of [
    'out/main/index.js',
    'out/resource-manifest.json',
    'out/preload/index.cjs',
    'out/renderer/index.html',
  ])
    expect(extractFile(asar, f).equals(readFileSync(join(sealed, f.slice('out/'.length)))), f).toBe(true);
}

describe('release build refuses without a release key', () => {
  it('exits 1 before building anything and says what to set', () => {
    const out = join(base, 'no-key');
    const r = packageDir(makeStandInElectronDist(join(base, 'standin-nokey'), electronVersion), out, {});
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/FACEVAULT_VENDOR_KEY_FILE/);
    expect(existsSync(out)).toBe(false);
  });
});

describe.skipIf(process.platform !== 'linux')(
  'packaging pipeline with a stand-in Electron binary (electron-builder --dir, offline)',
  () => {
    it('builds the unpacked app; fuses, contents, pinned key and catalog check out from the outside', async () => {
      const out = join(base, 'standin-out');
      const r = packageDir(makeStandInElectronDist(join(base, 'standin'), electronVersion), out);
      expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/fuses flipped and read back/);
      await inspectBuilt(out);
    });
  },
);

const real = realElectronDist();
if (real === null)
  console.log(
    'DID NOT RUN: packaged-app test with a real Electron binary: no Electron binary on this machine (set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron dist, or run `npx install-electron`)',
  );

/**
 * Whether `binary` obeys ELECTRON_RUN_AS_NODE, i.e. runs `-e <code>` as plain Node (the code writes a
 * marker file). Stock Electron, the control, does; the packaged app with RunAsNode off must not (it starts
 * as the app instead, stopped after 20 s, or exits for want of a display). NODE_OPTIONS and --inspect have
 * no such probe: Electron already ignores most NODE_OPTIONS in packaged apps, so a probe could not fail;
 * their fuses are checked on the wire.
 */
let probe = 0;
function runsAsNode(binary: string): boolean {
  const marker = join(base, `ran-as-node-${probe++}`);
  spawnSync(binary, ['-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x')`], {
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    timeout: 20_000,
    stdio: 'ignore',
  });
  return existsSync(marker);
}

describe.skipIf(real === null)('packaged app with a real Electron binary', () => {
  const out = join(base, 'real-out');
  it('builds the unpacked app from the real dist; its fuses and contents check out', async () => {
    const r = packageDir(real!, out);
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    await inspectBuilt(out);
  });

  it('the packaged binary ignores ELECTRON_RUN_AS_NODE, which stock Electron obeys', () => {
    const stock = join(
      real!,
      process.platform === 'win32'
        ? 'electron.exe'
        : process.platform === 'darwin'
          ? 'Electron.app/Contents/MacOS/Electron'
          : 'electron',
    );
    expect(runsAsNode(stock)).toBe(true);
    const arm = process.arch === 'arm64' ? '-arm64' : '';
    const packaged =
      process.platform === 'darwin'
        ? join(out, `mac${arm}`, 'FaceVault.app', 'Contents', 'MacOS', 'FaceVault')
        : process.platform === 'win32'
          ? join(out, `win${arm}-unpacked`, 'FaceVault.exe')
          : join(out, `linux${arm}-unpacked`, 'facevault');
    expect(runsAsNode(packaged)).toBe(false);
  });
});
