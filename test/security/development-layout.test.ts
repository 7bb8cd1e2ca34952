/**
 * Issue 10 item 4: what `npm run models:build` leaves where the app runs. Before, build/models held
 * byte-identical plaintext of the default models and build/vendor/vendor.key.json (the key the app pins) sat
 * in the same tree: anyone reading the app's folder could take the models or re-sign a swapped catalog.
 * Now the plaintext and the development signing key live in a build cache outside the checkout
 * (tools/build-layout.ts) and the app reports "development signing key" for that per-checkout key; a release
 * build signs with FACEVAULT_VENDOR_KEY_FILE and reports 'release'.
 * The tools run as `npm run models:build` runs them (child processes, default cache location under a
 * temporary XDG_CACHE_HOME, umask 000 to show the modes do not depend on it); only the app's build dir is
 * redirected (--build) so the test never touches the checkout.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appPaths } from '../../src/main/app/app-paths.ts';
import { createMainServices } from '../../src/main/create-main-services.ts';
import { readCatalog, readPinnedKeys, readPinnedSigning } from '../../src/main/model/model-catalog.ts';
import { statusLine } from '../../src/renderer/src/status-text.ts';
import { buildLayout, BUILD_CACHE_ENV, RELEASE_VENDOR_KEY_ENV } from '../../tools/build-layout.ts';
import { DEFAULT_SET } from '../../tools/build-default-catalog.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
// Exactly the shipped set's models (the set changes with the model work; a pinned list went stale once).
const DEFAULT_IDS = DEFAULT_SET.map((e) => e.modelId).join(',');
let tmp: string;
let xdg: string;

const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
const mode = (p: string): string => (statSync(p).mode & 0o777).toString(8).padStart(4, '0');

/** Runs a tool under umask 000 with the given environment additions; returns its result. */
function tool(script: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(
    'sh',
    ['-c', 'umask 000; exec "$@"', 'sh', process.execPath, join(ROOT, 'tools', script), ...args],
    {
      cwd: tmp,
      env: {
        ...process.env,
        XDG_CACHE_HOME: xdg,
        [RELEASE_VENDOR_KEY_ENV]: '',
        [BUILD_CACHE_ENV]: '',
        ...env,
      },
      encoding: 'utf8',
      timeout: 170_000,
    },
  );
}
const ok = (r: ReturnType<typeof tool>): string => {
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
};

const devBuild = () => join(tmp, 'dev', 'build');
const cache = () => buildLayout({ env: { XDG_CACHE_HOME: xdg } }).cacheDir;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'fv-dev-layout-'));
  xdg = join(tmp, 'xdg');
  ok(tool('build-default-models.ts', ['--only', DEFAULT_IDS, '--build', devBuild()]));
  ok(tool('build-default-catalog.ts', ['--build', devBuild()]));
}, 180_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('development layout', () => {
  it('the build cache is outside the checkout, and the app reads only the build dir', () => {
    const layout = buildLayout();
    expect(resolve(layout.cacheDir).startsWith(`${ROOT}/`)).toBe(false);
    const dev = appPaths({
      appPath: ROOT,
      resourcesPath: '/nonexistent',
      userData: '/nonexistent',
      packaged: false,
    });
    if (process.env.FACEVAULT_MODELS_DIR === undefined) expect(dev.catalogDir).toBe(layout.catalogDir);
    if (process.env.FACEVAULT_VENDOR_KEYS === undefined)
      expect(dev.pinnedKeysFile).toBe(layout.pinnedKeysFile);
    for (const p of [dev.catalogDir, dev.pinnedKeysFile])
      expect(resolve(p).startsWith(`${resolve(layout.cacheDir)}/`)).toBe(false);
    expect(() => buildLayout({ env: { [BUILD_CACHE_ENV]: join(ROOT, 'build', 'cache') } })).toThrow(
      /must be outside/,
    );
    expect(() => buildLayout({ env: { [BUILD_CACHE_ENV]: join(ROOT, '.cache') } })).toThrow(
      /must be outside/,
    );
  });

  it('no plaintext model and no secret key in what the app reads; both are in the 0700 cache', () => {
    const plain = readdirSync(join(cache(), 'models')).filter((f) => f.endsWith('.onnx'));
    expect(plain.sort()).toEqual(
      DEFAULT_IDS.split(',')
        .map((id) => `${id}.onnx`)
        .sort(),
    );
    const plainHashes = new Set(plain.map((f) => sha(join(cache(), 'models', f))));
    const appFiles = filesUnder(devBuild());
    expect(appFiles.length).toBeGreaterThan(0);
    for (const f of appFiles) {
      expect(f.endsWith('.onnx'), f).toBe(false);
      expect(plainHashes.has(sha(f)), `${f} is a plaintext model`).toBe(false);
      expect(readFileSync(f).includes('facevault/vendor-secret-key'), `${f} is a signing key`).toBe(false);
    }
    expect(existsSync(join(devBuild(), 'models'))).toBe(false);
    expect(existsSync(join(devBuild(), 'vendor'))).toBe(false);
    // Under umask 000: cache directories 0700, the signing key 0600.
    for (const d of [join(xdg, 'facevault'), cache(), join(cache(), 'models'), join(cache(), 'vendor')])
      expect(mode(d), d).toBe('0700');
    expect(mode(join(cache(), 'vendor', 'vendor.key.json'))).toBe('0600');
  });

  it('the per-checkout key is pinned as development, and the app status says "development signing key"', async () => {
    const pinned = join(devBuild(), 'pinned', 'vendor-keys.json');
    expect(JSON.parse(readFileSync(pinned, 'utf8'))).toMatchObject({ keys: [{ development: true }] });
    await readCatalog(join(devBuild(), 'catalog'), await readPinnedKeys(pinned)); // still a valid, signed catalog
    const signing = readPinnedSigning(pinned);
    expect(signing).toBe('development');
    const status = createMainServices({
      appVersion: '0',
      trustedOrigins: [],
      signing: () => signing,
    }).status();
    expect(status.signing).toBe('development');
    expect(statusLine(status)).toContain('development signing key');
  });

  it('a release build signs with FACEVAULT_VENDOR_KEY_FILE: pinned as release, no development key used', async () => {
    const keys = join(tmp, 'release-keys');
    execFileSync(process.execPath, [join(ROOT, 'src', 'cli', 'facevault.ts'), 'keygen', '--out', keys], {
      encoding: 'utf8',
    });
    const releaseKey = join(keys, 'vendor.key.json');
    const releaseBuild = join(tmp, 'release', 'build');
    ok(tool('build-default-catalog.ts', ['--build', releaseBuild], { [RELEASE_VENDOR_KEY_ENV]: releaseKey }));
    const pinned = join(releaseBuild, 'pinned', 'vendor-keys.json');
    const list = JSON.parse(readFileSync(pinned, 'utf8')) as { keys: Array<Record<string, unknown>> };
    const pub = JSON.parse(readFileSync(join(keys, 'vendor.pub.json'), 'utf8')) as { publicKey: string };
    expect(list.keys).toEqual([{ keyId: expect.any(String), publicKey: pub.publicKey }]);
    expect(readPinnedSigning(pinned)).toBe('release');
    await readCatalog(join(releaseBuild, 'catalog'), await readPinnedKeys(pinned));
    expect(
      createMainServices({
        appVersion: '0',
        trustedOrigins: [],
        signing: () => readPinnedSigning(pinned),
      }).status().signing,
    ).toBe('release');

    // A release key readable by others is refused with the exact fix.
    chmodSync(releaseKey, 0o644);
    const r = tool('build-default-catalog.ts', ['--build', join(tmp, 'release2', 'build')], {
      [RELEASE_VENDOR_KEY_ENV]: releaseKey,
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`chmod 600 ${releaseKey}`);
  });

  it('moves an old-layout checkout’s plaintext and key out of the app’s build dir', () => {
    const old = join(tmp, 'old', 'build');
    ok(tool('build-default-models.ts', ['--out', join(old, 'models'), '--only', 'human-blazeface']));
    execFileSync('mkdir', ['-p', join(old, 'vendor')]);
    execFileSync(process.execPath, [
      join(ROOT, 'src', 'cli', 'facevault.ts'),
      'keygen',
      '--out',
      join(old, 'vendor'),
    ]);
    const oldXdg = join(tmp, 'old-xdg');
    const out = ok(
      tool('build-default-models.ts', ['--only', 'human-blazeface', '--build', old], {
        XDG_CACHE_HOME: oldXdg,
      }),
    );
    expect(out).toMatch(/moved the development signing key/);
    expect(existsSync(join(old, 'models'))).toBe(false);
    expect(existsSync(join(old, 'vendor', 'vendor.key.json'))).toBe(false);
    const moved = join(
      buildLayout({ env: { XDG_CACHE_HOME: oldXdg } }).cacheDir,
      'vendor',
      'vendor.key.json',
    );
    expect(mode(moved)).toBe('0600');
  });
});
