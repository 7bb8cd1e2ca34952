/**
 * `npm run dist -- [--linux] [--win] [--mac] [--dir] [--x64|--arm64] [--skip-app-build]`: builds FaceVault's
 * installers (default: this OS's targets) into dist/:
 *   1. refuses to start without the release vendor key (FACEVAULT_VENDOR_KEY_FILE, release-key.ts) or with
 *      an incomplete signing setup (signing.ts), before anything is built;
 *   2. `npm run models:build`, then `electron-vite build` and the resource seal (out/), unless
 *      --skip-app-build reuses a sealed out/ (the packaging test does);
 *   3. stages the release catalog signed with the release key and its pinned public key (release-catalog.ts);
 *   4. runs electron-builder with builder-config.ts: afterPack flips and reads back the fuses and inspects
 *      the package; signing and notarisation follow the environment.
 * --dir stops at the unpacked app (dist/<platform>-unpacked), which is what the packaging test inspects;
 * --output DIR puts everything (packages and the staged catalog, DIR/.stage) elsewhere than dist/;
 * --app-out DIR ships an already sealed build from DIR instead of out/.
 * Electron: ELECTRON_OVERRIDE_DIST_PATH names an unpacked Electron dist for the target platform; without it
 * electron-builder downloads Electron (not possible on the offline build machines; see README).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Arch, build, Platform } from 'electron-builder';
import { parseVendorSecretKey } from '../../src/main/model/key-files.ts';
import { builderConfig } from './builder-config.ts';
import { stageReleaseInputs } from './release-catalog.ts';
import { assertSealedBuild } from './sealed-build.ts';
import { devLayout } from './dev-layout.ts';
import { loadReleaseKey, ReleaseKeyError } from './release-key.ts';
import { assertSigningFor, signingPlan, SigningConfigError } from './signing.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');

type Os = 'linux' | 'win' | 'mac';

function fail(msg: string, code = 1): never {
  console.error(`\ndist: ${msg}\n`);
  process.exit(code);
}

const args = process.argv.slice(2);
const known = new Set(['--linux', '--win', '--mac', '--dir', '--x64', '--arm64', '--skip-app-build']);
// --output DIR: where packages (and the staged catalog, DIR/.stage) go; default dist/.
const outIdx = args.indexOf('--output');
const outputDir =
  outIdx >= 0 ? resolve(args[outIdx + 1] ?? fail('--output needs a folder')) : join(ROOT, 'dist');
if (outIdx >= 0) args.splice(outIdx, 2);
// --app-out DIR (with --skip-app-build): ship the sealed build in DIR instead of out/ (the packaging test).
const appOutIdx = args.indexOf('--app-out');
const appOut =
  appOutIdx >= 0 ? resolve(args[appOutIdx + 1] ?? fail('--app-out needs a folder')) : join(ROOT, 'out');
if (appOutIdx >= 0) args.splice(appOutIdx, 2);
const unknown = args.filter((a) => !known.has(a));
if (unknown.length > 0) {
  console.error(
    `dist: unknown option(s) ${unknown.join(' ')}\nusage: npm run dist -- [--linux] [--win] [--mac] [--dir] [--x64|--arm64] [--skip-app-build [--app-out DIR]] [--output DIR]`,
  );
  process.exit(2);
}
const here: Os = process.platform === 'win32' ? 'win' : process.platform === 'darwin' ? 'mac' : 'linux';
const oses: Os[] = (['linux', 'win', 'mac'] as const).filter((o) => args.includes(`--${o}`));
if (oses.length === 0) oses.push(here);
const dirOnly = args.includes('--dir');
const arch = args.includes('--arm64') ? 'arm64' : args.includes('--x64') ? 'x64' : undefined;

function run(cmd: string, argv: string[]): void {
  const r = spawnSync(cmd, argv, { cwd: ROOT, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) fail(`${cmd} ${argv.join(' ')} failed`);
}

const layout = await devLayout(ROOT);
let key;
let plan;
try {
  key = loadReleaseKey({ root: ROOT, devKeyFiles: layout.devKeyFiles });
  plan = signingPlan();
  for (const os of oses) assertSigningFor(os, plan);
} catch (e) {
  if (e instanceof ReleaseKeyError || e instanceof SigningConfigError) fail(e.message);
  throw e;
}
console.log(`release vendor key: ${key.path}`);
for (const line of plan.summary) console.log(`signing — ${line}`);

const electronDist = process.env.ELECTRON_OVERRIDE_DIST_PATH?.trim() || null;
if (electronDist !== null && !existsSync(electronDist))
  fail(`ELECTRON_OVERRIDE_DIST_PATH=${electronDist} does not exist`);

// Secret bytes that must appear nowhere in the package: the release key and, if present, the dev key.
const secrets: Uint8Array[] = [key.secretKey.slice()];
for (const f of layout.devKeyFiles) {
  if (!existsSync(f)) continue;
  try {
    secrets.push(parseVendorSecretKey(readFileSync(f)).secretKey);
  } catch {
    // not a key: nothing to look for
  }
}

try {
  if (!args.includes('--skip-app-build')) {
    run('npm', ['run', '--silent', 'models:build']);
    run(process.execPath, [join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build']);
    run(process.execPath, [join(ROOT, 'scripts', 'seal-resources.ts')]);
  }
  const anchor = await assertSealedBuild(appOut);
  console.log(`sealed build verified (resource manifest ${anchor.slice(0, 16)}…)`);
  const staged = await stageReleaseInputs({
    root: ROOT,
    key,
    stageDir: join(outputDir, '.stage'),
    modelsDir: layout.modelsDir,
  });
  key.secretKey.fill(0);
  console.log(
    `staged release catalog: ${staged.bundles} bundles signed with the release key -> ${staged.catalogDir}`,
  );

  Object.assign(process.env, plan.env);
  const platforms = { linux: Platform.LINUX, win: Platform.WINDOWS, mac: Platform.MAC } as const;
  const targets = new Map();
  for (const os of oses)
    for (const [k, v] of platforms[os].createTarget(dirOnly ? ['dir'] : null, ...(arch ? [Arch[arch]] : [])))
      targets.set(k, v);
  const outputs = await build({
    targets,
    projectDir: ROOT,
    publish: 'never',
    config: {
      ...builderConfig({
        root: ROOT,
        stageDir: staged.stageDir,
        outDir: appOut,
        signing: plan,
        electronDist,
        secrets,
      }),
      directories: { output: outputDir, buildResources: 'resources' },
    },
  });
  console.log(`\nbuilt:\n${outputs.map((p) => `  ${p}`).join('\n') || `  (unpacked app in ${outputDir})`}`);
} catch (e) {
  const msg = e instanceof Error ? e.message : String(e);
  if (
    /fetch failed|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|getaddrinfo|download/i.test(msg) &&
    electronDist === null
  )
    fail(
      `${msg}\n\nelectron-builder tried to download a tool or Electron itself. On a machine without that download, set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron ${readElectronVersion()} dist for the target platform, and build the targets that need no downloaded tools (--dir; see README "Building installers").`,
    );
  if (process.env.FACEVAULT_DEBUG === '1' && e instanceof Error) console.error(e.stack);
  fail(msg);
} finally {
  for (const s of secrets) s.fill(0);
}

function readElectronVersion(): string {
  try {
    return (
      JSON.parse(readFileSync(join(ROOT, 'node_modules', 'electron', 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
  } catch {
    return '';
  }
}
