/**
 * The package inspection on real archives: each case lays out an app folder, packs it with
 * @electron/asar (the library electron-builder uses, with per-file integrity), puts a resources folder
 * beside it, and checks what `inspectPackage` accepts and names. Plus the path rules on their own.
 */
import { createPackageWithOptions } from '@electron/asar';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  inspectPackage,
  pathViolations,
  REQUIRED_IN_ASAR,
} from '../../../scripts/release/package-contents.ts';

let root: string;
let n = 0;

async function put(base: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(dirname(join(base, rel)), { recursive: true });
    await writeFile(join(base, rel), content);
  }
}

const GOOD_APP: Record<string, string> = Object.fromEntries(REQUIRED_IN_ASAR.map((p) => [p, `// ${p}\n`]));
GOOD_APP['build/pinned/vendor-keys.json'] = JSON.stringify({
  type: 'facevault/vendor-key-list',
  version: 1,
  keys: [],
});
GOOD_APP['node_modules/zod/index.js'] = 'module.exports = {};\n';
const GOOD_RESOURCES: Record<string, string> = {
  'models/catalog.json': '{}',
  'models/catalog.json.sig': 'sig',
  'models/blazeface.fvb': 'bundle',
  'models/blazeface.demo.lic': 'lic',
  'models/bootstrap.key.json': JSON.stringify({ type: 'facevault/device-secret-key' }),
};

/** Builds <tmp>/resources/{app.asar, models/...} and returns the resources folder. */
async function layout(
  app: Record<string, string | Buffer>,
  resources: Record<string, string | Buffer>,
  unpack?: string,
): Promise<string> {
  const base = join(root, `case-${n++}`);
  await put(join(base, 'app'), app);
  const res = join(base, 'resources');
  await mkdir(res, { recursive: true });
  await createPackageWithOptions(join(base, 'app'), join(res, 'app.asar'), unpack ? { unpack } : {});
  await put(res, resources);
  return res;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fv-pkg-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('package inspection', () => {
  it('accepts the intended layout: sealed build, pinned keys, node_modules, and only the signed catalog beside it', async () => {
    const r = inspectPackage(await layout(GOOD_APP, GOOD_RESOURCES));
    expect(r.violations).toEqual([]);
    expect(r.asarHasIntegrity).toBe(true);
  });

  it.each([
    ['out/main/index.js.map', 'source map'],
    ['build/models/human-blazeface.onnx', 'plaintext ONNX model'],
    ['node_modules/some-dep/weights.onnx', 'plaintext ONNX model'],
    ['src/main/index.ts', 'TypeScript source'],
    ['test/unit/x.test.ts', 'test files'],
    ['build/vendor/vendor.key.json', 'vendor secret key file'],
    ['certs/signing.p12', 'certificate or private key'],
    ['.env', 'environment file'],
    ['tools/build-default-models.js', 'development tree (sources, tools, tests, build inputs)'],
    ['package-lock.json', 'lock file or editor/VCS metadata'],
    ['node_modules/keytar/build/Release/obj.target/keytar.o', 'native build intermediates'],
  ])('refuses %s (%s) inside app.asar', async (path, why) => {
    const r = inspectPackage(await layout({ ...GOOD_APP, [path]: 'x' }, GOOD_RESOURCES));
    expect(r.violations).toContainEqual({ path: `app.asar/${path}`, why });
  });

  it('finds a vendor secret key by its bytes wherever it hides (raw, base64, hex), not only by its file name', async () => {
    const secret = randomBytes(32);
    for (const enc of [secret.toString('base64'), secret.toString('hex')]) {
      const r = inspectPackage(
        await layout({ ...GOOD_APP, 'out/renderer/assets/x.js': `const k = "${enc}";` }, GOOD_RESOURCES),
        [secret],
      );
      expect(r.violations).toContainEqual({
        path: 'app.asar/out/renderer/assets/x.js',
        why: 'contains vendor secret key material',
      });
    }
    const r = inspectPackage(
      await layout(GOOD_APP, {
        ...GOOD_RESOURCES,
        'models/blazeface.fvb': Buffer.concat([randomBytes(100), secret]),
      }),
      [secret],
    );
    expect(r.violations).toContainEqual({
      path: 'models/blazeface.fvb',
      why: 'contains vendor secret key material',
    });
  });

  it('finds a secret key file by its structure under any name', async () => {
    const key = JSON.stringify({ type: 'facevault/vendor-secret-key', version: 1 });
    const r = inspectPackage(await layout({ ...GOOD_APP, 'out/main/settings.json': key }, GOOD_RESOURCES));
    expect(r.violations).toContainEqual({
      path: 'app.asar/out/main/settings.json',
      why: 'secret key file (facevault/vendor-secret-key)',
    });
  });

  it('refuses anything in the catalog folder that is not part of the signed catalog, and a catalog without bundles or signature', async () => {
    const r = inspectPackage(
      await layout(GOOD_APP, {
        ...GOOD_RESOURCES,
        'models/build-info.json': '{}',
        'models/human-blazeface.onnx': 'plain',
      }),
    );
    expect(r.violations).toContainEqual({
      path: 'models/build-info.json',
      why: 'not part of the signed catalog',
    });
    expect(r.violations).toContainEqual({ path: 'models/human-blazeface.onnx', why: 'plaintext ONNX model' });
    const bare = inspectPackage(await layout(GOOD_APP, { 'models/catalog.json': '{}' }));
    expect(bare.violations).toEqual(
      expect.arrayContaining([
        { path: 'models/catalog.json.sig', why: 'required file missing' },
        { path: 'models/*.fvb', why: 'no encrypted model bundle' },
      ]),
    );
  });

  it('refuses a stray file next to app.asar and a missing part of the sealed build', async () => {
    const app = { ...GOOD_APP };
    delete app['out/resource-manifest.json'];
    const r = inspectPackage(await layout(app, { ...GOOD_RESOURCES, 'vendor-keys.json': '{}' }));
    expect(r.violations).toContainEqual({
      path: 'vendor-keys.json',
      why: 'unexpected file next to app.asar',
    });
    expect(r.violations).toContainEqual({
      path: 'app.asar/out/resource-manifest.json',
      why: 'required file missing',
    });
  });

  it('checks unpacked files too (app.asar.unpacked)', async () => {
    const r = inspectPackage(
      await layout(
        { ...GOOD_APP, 'node_modules/native/a.node': 'bin', 'node_modules/native/a.node.map': '{}' },
        GOOD_RESOURCES,
        '**/node_modules/native/**',
      ),
    );
    expect(r.unpackedFiles).toContain('node_modules/native/a.node');
    expect(r.violations).toContainEqual({
      path: 'app.asar.unpacked/node_modules/native/a.node.map',
      why: 'source map',
    });
  });
});

describe('path rules', () => {
  it('let runtime code of dependencies through (.d.ts, src/ folders of packages, package.json)', () => {
    expect(
      pathViolations(
        [
          'node_modules/zod/src/index.js',
          'node_modules/zod/index.d.ts',
          'node_modules/zod/package.json',
          'out/main/chunks/a.js',
        ],
        'asar',
      ),
    ).toEqual([]);
  });
});
