/**
 * Attacks on the sealed app resources (renderer, preload, worker): each tampering of a sealed out/ tree
 * must be refused with a typed failure, and the app:// answer must never serve unverified bytes.
 */
import { appendFile, mkdir, mkdtemp, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RESOURCE_MANIFEST_SHA256 as PLACEHOLDER } from '../../../src/main/app/resource-anchor.ts';
import {
  createIntegrityMonitor,
  DAMAGED_PAGE,
  preloadTrusted,
  rendererResponse,
} from '../../../src/main/app/resource-guard.ts';
import {
  AppIntegrityError,
  checkAppIntegrity,
  isSealedAnchor,
  loadManifest,
  MANIFEST_FILE,
  parseManifest,
  readVerifiedResource,
  serializeManifest,
  sha256Hex,
} from '../../../src/main/app/resource-integrity.ts';
import { buildCsp } from '../../../src/main/app/security-policy.ts';
import { sealResources } from '../../../scripts/seal-resources.ts';

let out: string;
let anchor: string;

const MAIN = `var RESOURCE_MANIFEST_SHA256 = "${PLACEHOLDER}";\nconsole.log(RESOURCE_MANIFEST_SHA256);\n`;
const files: Record<string, string> = {
  'main/index.js': MAIN,
  'main/pipeline-worker.js': 'worker();\n',
  'main/chunks/family-x.js': 'export const f = 1;\n',
  'preload/index.cjs': 'bridge();\n',
  'renderer/index.html': '<!doctype html><script type="module" src="./assets/app.js"></script>',
  'renderer/assets/app.js': 'render();\n',
  'renderer/assets/app.css': 'body{}\n',
};

async function writeTree(root: string, tree: Record<string, string>): Promise<void> {
  for (const [rel, body] of Object.entries(tree)) {
    await mkdir(join(root, ...rel.split('/').slice(0, -1)), { recursive: true });
    await writeFile(join(root, ...rel.split('/')), body);
  }
}

const check = (packaged = true, a = anchor) => checkAppIntegrity({ outRoot: out, anchor: a, packaged });
const p = (rel: string) => join(out, ...rel.split('/'));

beforeEach(async () => {
  out = await mkdtemp(join(tmpdir(), 'fv-seal-'));
  await writeTree(out, files);
  anchor = (await sealResources(out)).manifestSha256;
});
afterEach(async () => rm(out, { recursive: true, force: true }));

describe('sealing', () => {
  it('the placeholder is 64 characters and can never be mistaken for a hash', () => {
    expect(PLACEHOLDER).toHaveLength(64);
    expect(isSealedAnchor(PLACEHOLDER)).toBe(false);
  });

  it('writes a canonical manifest of every file but the main entry, and embeds its hash in main', async () => {
    const manifest = await readFile(join(out, MANIFEST_FILE));
    expect(sha256Hex(manifest)).toBe(anchor);
    const parsed = parseManifest(manifest);
    expect([...parsed.files.keys()]).toEqual([
      'main/chunks/family-x.js',
      'main/pipeline-worker.js',
      'preload/index.cjs',
      'renderer/assets/app.css',
      'renderer/assets/app.js',
      'renderer/index.html',
    ]);
    const main = await readFile(p('main/index.js'), 'utf8');
    expect(main).toContain(`"${anchor}"`);
    expect(main).not.toContain(PLACEHOLDER);
    expect(main).toHaveLength(MAIN.length);
    expect((await check()).state).toBe('sealed-ok');
  });

  it('refuses to seal twice', async () => {
    await expect(sealResources(out)).rejects.toThrow(/already sealed/);
  });

  it('refuses a main entry without the placeholder, or with it twice', async () => {
    await writeFile(p('main/index.js'), 'no anchor here');
    await expect(sealResources(out)).rejects.toThrow(/no resource-manifest placeholder/);
    await writeFile(p('main/index.js'), MAIN + MAIN);
    await expect(sealResources(out)).rejects.toThrow(/2 times/);
  });

  it('refuses a sealed file that carries the placeholder (it would stay unsealed)', async () => {
    await writeFile(p('main/index.js'), MAIN);
    await writeFile(p('main/chunks/anchor.js'), MAIN);
    await expect(sealResources(out)).rejects.toThrow(/contains the resource-manifest placeholder/);
  });

  it('refuses to seal a symlink or an oversized file', async () => {
    await writeFile(p('main/index.js'), MAIN);
    await symlink('/etc/hostname', p('renderer/assets/link.js'));
    await expect(sealResources(out)).rejects.toThrow(/renderer\/assets\/link\.js \(not-regular\)/);
    await unlink(p('renderer/assets/link.js'));
    await expect(sealResources(out, { maxBytes: 8 })).rejects.toThrow(/too-large/);
  });
});

describe('tampering is refused', () => {
  const failuresOf = async (packaged = true, a = anchor) => {
    const r = await check(packaged, a);
    return { state: r.state, failures: r.failures };
  };

  it('a flipped byte in the renderer bundle', async () => {
    const b = await readFile(p('renderer/assets/app.js'));
    b[0] = b[0]! ^ 1;
    await writeFile(p('renderer/assets/app.js'), b);
    expect(await failuresOf()).toEqual({
      state: 'tampered',
      failures: [{ kind: 'hash-mismatch', path: 'renderer/assets/app.js' }],
    });
  });

  it('a changed worker entry and a changed preload', async () => {
    await writeFile(p('main/pipeline-worker.js'), 'evil();\n\n');
    await writeFile(p('preload/index.cjs'), 'evil();\n\n');
    const r = await check();
    expect(r.failures).toEqual([
      { kind: 'size-mismatch', path: 'main/pipeline-worker.js' },
      { kind: 'size-mismatch', path: 'preload/index.cjs' },
    ]);
    expect(preloadTrusted(r)).toBe(false);
  });

  it('an added file in a sealed folder', async () => {
    await writeFile(p('renderer/assets/extra.js'), 'x');
    await writeFile(p('main/chunks/extra.js'), 'x');
    expect((await failuresOf()).failures).toEqual([
      { kind: 'extra', path: 'main/chunks/extra.js' },
      { kind: 'extra', path: 'renderer/assets/extra.js' },
    ]);
  });

  it('a deleted file', async () => {
    await unlink(p('main/chunks/family-x.js'));
    expect((await failuresOf()).failures).toEqual([{ kind: 'missing', path: 'main/chunks/family-x.js' }]);
  });

  it('a file replaced by a symlink (even to identical bytes) or a directory symlink', async () => {
    const copy = join(out, 'copy.js');
    await writeFile(copy, await readFile(p('renderer/assets/app.js')));
    await unlink(p('renderer/assets/app.js'));
    await symlink(copy, p('renderer/assets/app.js'));
    const r = await check();
    expect(r.failures).toContainEqual({ kind: 'not-regular', path: 'renderer/assets/app.js' });
    await expect(readVerifiedResource(out, r.manifest!, 'renderer/assets/app.js')).rejects.toMatchObject({
      kind: 'not-regular',
    });
    await rm(p('main/chunks'), { recursive: true });
    await symlink(out, p('main/chunks'));
    expect((await failuresOf()).failures).toContainEqual({ kind: 'not-regular', path: 'main/chunks' });
  });

  it('an edited manifest (even a consistent, canonical one)', async () => {
    const m = parseManifest(await readFile(join(out, MANIFEST_FILE)));
    const entries = [...m.files.values()].map((e) =>
      e.path === 'renderer/assets/app.js' ? { ...e, size: 6, sha256: sha256Hex(Buffer.from('evil\n!')) } : e,
    );
    await writeFile(join(out, MANIFEST_FILE), serializeManifest(entries));
    await writeFile(p('renderer/assets/app.js'), 'evil\n!');
    expect(await failuresOf()).toEqual({
      state: 'tampered',
      failures: [{ kind: 'manifest-mismatch', path: MANIFEST_FILE }],
    });
  });

  it('a deleted manifest', async () => {
    await unlink(join(out, MANIFEST_FILE));
    expect((await failuresOf()).failures).toEqual([{ kind: 'manifest-missing', path: MANIFEST_FILE }]);
  });

  it('the manifest kept but a different hash embedded in main', async () => {
    expect((await failuresOf(true, sha256Hex(Buffer.from('other')))).failures).toEqual([
      { kind: 'manifest-mismatch', path: MANIFEST_FILE },
    ]);
  });

  it('a non-canonical or hostile manifest, even when its hash is anchored', async () => {
    const good = await readFile(join(out, MANIFEST_FILE), 'utf8');
    const bad = [
      good.replace('{"version":1', '{ "version":1'), // whitespace
      good.replace('"main/chunks/family-x.js"', '"main/../../etc/passwd"'),
      good.replace('"main/chunks/family-x.js"', '"main/index.js"'),
      good.replace('"main/chunks/family-x.js"', '"/abs/x.js"'),
      good.replace('"main/chunks/family-x.js"', '"renderer/index.html"'), // duplicate / unsorted
      good.replace('"version":1', '"version":2'),
      '[]',
      'not json',
    ];
    for (const text of bad) {
      await writeFile(join(out, MANIFEST_FILE), text);
      const r = await check(true, sha256Hex(Buffer.from(text)));
      expect(r.failures, text.slice(0, 40)).toEqual([{ kind: 'manifest-malformed', path: MANIFEST_FILE }]);
    }
  });

  it('a file that grew past its sealed size is refused without reading it', async () => {
    await appendFile(p('renderer/assets/app.js'), Buffer.alloc(1024 * 1024));
    expect((await failuresOf()).failures).toEqual([
      { kind: 'size-mismatch', path: 'renderer/assets/app.js' },
    ]);
  });

  it('a path outside the root or not in the manifest is never read', async () => {
    const m = (await loadManifest({ outRoot: out, anchor, packaged: true })) as {
      kind: 'sealed';
      manifest: Parameters<typeof readVerifiedResource>[1];
    };
    for (const rel of ['../x.js', 'renderer/../../x', 'main/index.js', 'other/x.js', 'renderer\\x.js']) {
      await expect(readVerifiedResource(out, m.manifest, rel)).rejects.toMatchObject({
        code: 'APP_INTEGRITY',
        kind: 'outside-root',
      });
    }
    await expect(readVerifiedResource(out, m.manifest, 'renderer/nope.js')).rejects.toMatchObject({
      kind: 'extra',
    });
  });

  it('an unsealed build: allowed and visible unpackaged, a failure packaged', async () => {
    expect(await failuresOf(false, PLACEHOLDER)).toEqual({ state: 'unsealed', failures: [] });
    expect(await failuresOf(true, PLACEHOLDER)).toEqual({
      state: 'tampered',
      failures: [{ kind: 'unsealed-packaged', path: null }],
    });
    await expect(loadManifest({ outRoot: out, anchor: PLACEHOLDER, packaged: true })).rejects.toBeInstanceOf(
      AppIntegrityError,
    );
  });
});

describe('what app:// serves', () => {
  const serve = async (rel: string, report?: Awaited<ReturnType<typeof check>>) =>
    rendererResponse({ outRoot: out, file: p(rel), report: report ?? (await check()) });

  it('verified bytes of a sealed file, with its content type', async () => {
    const r = await serve('renderer/assets/app.js');
    expect(r).toMatchObject({ status: 200, contentType: 'text/javascript; charset=utf-8' });
    expect(r.status === 200 && r.body.toString()).toBe('render();\n');
  });

  it('the damaged page for a tampered file, checked on the bytes read at request time', async () => {
    const clean = await check();
    await writeFile(p('renderer/assets/app.js'), 'evil();\n!!');
    expect(await serve('renderer/assets/app.js', clean)).toMatchObject({ status: 500, body: DAMAGED_PAGE });
  });

  it('the damaged page for the document once the full check failed, 404 for unknown or planted files', async () => {
    await writeFile(p('renderer/assets/planted.js'), 'x');
    const r = await check();
    expect(r.state).toBe('tampered');
    expect(await serve('renderer/index.html', r)).toMatchObject({ status: 500, body: DAMAGED_PAGE });
    expect(await serve('renderer/assets/planted.js', r)).toEqual({ status: 404 });
    expect(await rendererResponse({ outRoot: out, file: null, report: r })).toEqual({ status: 404 });
    expect(await rendererResponse({ outRoot: out, file: '/etc/passwd', report: r })).toEqual({ status: 404 });
    expect(await serve('preload/index.cjs', r)).toEqual({ status: 404 });
  });

  it('the verified page (to show the banner) when only the worker failed; the damaged page when the preload did', async () => {
    await writeFile(p('main/pipeline-worker.js'), 'evil();\n!');
    const workerOnly = await check();
    expect(workerOnly.state).toBe('tampered');
    expect(await serve('renderer/index.html', workerOnly)).toMatchObject({ status: 200 });
    await writeFile(p('preload/index.cjs'), 'evil();\n!');
    expect(await serve('renderer/index.html', await check())).toMatchObject({
      status: 500,
      body: DAMAGED_PAGE,
    });
  });

  it('nothing but the damaged page before any check', async () => {
    expect(
      await rendererResponse({ outRoot: out, file: p('renderer/index.html'), report: null }),
    ).toMatchObject({ status: 500 });
  });

  it('unchecked files in an unsealed development build', async () => {
    const r = await check(false, PLACEHOLDER);
    await writeFile(p('renderer/assets/app.js'), 'dev();\n');
    const s = await serve('renderer/assets/app.js', r);
    expect(s.status === 200 && s.body.toString()).toBe('dev();\n');
  });

  it('a damaged page with no script, no style and nothing remote (it passes the app CSP)', () => {
    expect(buildCsp()).toContain("script-src 'self'");
    expect(DAMAGED_PAGE).not.toMatch(/<script|<style|style=|on\w+=|https?:|<link|<img|<iframe/i);
    expect(DAMAGED_PAGE).toMatch(/reinstall/i);
  });
});

describe('the monitor', () => {
  it('reports sealed-ok, then a later tampering once, and stays tampered after a restore', async () => {
    const seen: string[] = [];
    const m = createIntegrityMonitor({
      outRoot: out,
      anchor,
      packaged: true,
      everyMs: 0,
      onTampered: (r) => seen.push(r.failures[0]!.kind),
    });
    expect(m.status()).toEqual({ state: 'checking', problem: null });
    await m.checkNow();
    expect(m.status()).toEqual({ state: 'sealed-ok', problem: null });
    const good = await readFile(p('main/pipeline-worker.js'));
    await writeFile(p('main/pipeline-worker.js'), 'evil();\n!');
    await m.checkNow();
    await m.checkNow();
    expect(m.status().state).toBe('tampered');
    expect(m.status().problem).toMatch(/main\/pipeline-worker\.js: size-mismatch.*Reinstall/);
    expect(seen).toEqual(['size-mismatch']);
    await writeFile(p('main/pipeline-worker.js'), good);
    await m.checkNow();
    expect(m.status().state).toBe('tampered');
  });

  it('says so visibly when unsealed', async () => {
    const m = createIntegrityMonitor({ outRoot: out, anchor: PLACEHOLDER, packaged: false, everyMs: 0 });
    await m.checkNow();
    expect(m.status()).toMatchObject({
      state: 'unsealed',
      problem: expect.stringMatching(/not integrity-checked/),
    });
  });
});
