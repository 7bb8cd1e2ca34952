/**
 * asarUnpack covers every native module of the shipped tree, found by walking node_modules (not by a
 * list): a new dependency with a `.node` binary or a binding.gyp that the config does not unpack fails
 * here. The walker itself is checked on a small synthetic tree.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASAR_UNPACK } from '../../../scripts/release/builder-config.ts';
import { coveredByAsarUnpack, findNativeModules } from '../../../scripts/release/native-modules.ts';
import { projectRoot } from '../../support/shared-data.ts';

describe('native modules in the shipped dependency tree', () => {
  const mods = findNativeModules(projectRoot);

  it('finds the ones we know of (onnxruntime-node, keytar, koffi’s platform package)', () => {
    const names = mods.map((m) => m.name);
    expect(names).toContain('onnxruntime-node');
    expect(names).toContain('keytar');
    expect(names.some((n) => n.startsWith('@koromix/koffi-'))).toBe(true);
  });

  it('every one is covered by asarUnpack', () => {
    const uncovered = mods.filter((m) => !coveredByAsarUnpack(m, ASAR_UNPACK));
    expect(uncovered.map((m) => `${m.dir}: ${m.files.join(', ')}`)).toEqual([]);
  });

  it('never walks development-only packages (electron, sharp, tfjs are not shipped)', () => {
    const names = mods.map((m) => m.name);
    expect(names).not.toContain('electron');
    expect(names.some((n) => n.startsWith('@img/sharp'))).toBe(false);
    expect(names.some((n) => n.startsWith('@tensorflow/'))).toBe(false);
  });
});

describe('the walker', () => {
  let root: string;
  const put = async (rel: string, content: string) => {
    await mkdir(dirname(join(root, rel)), { recursive: true });
    await writeFile(join(root, rel), content);
  };
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'fv-native-'));
    await put(
      'package.json',
      JSON.stringify({
        dependencies: { a: '1', c: '1' },
        optionalDependencies: { missing: '1' },
        devDependencies: { dev: '1' },
      }),
    );
    await put('node_modules/a/package.json', JSON.stringify({ name: 'a', dependencies: { b: '1' } }));
    await put('node_modules/a/node_modules/b/package.json', JSON.stringify({ name: 'b' }));
    await put('node_modules/a/node_modules/b/build/Release/b.node', 'bin');
    await put('node_modules/c/package.json', JSON.stringify({ name: 'c' }));
    await put('node_modules/c/binding.gyp', '{}');
    await put('node_modules/dev/package.json', JSON.stringify({ name: 'dev' }));
    await put('node_modules/dev/dev.node', 'bin');
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('resolves nested packages, skips dev dependencies and absent optional ones, and reports uncovered modules', () => {
    const mods = findNativeModules(root);
    expect(mods).toEqual([
      { name: 'b', dir: 'node_modules/a/node_modules/b', files: ['build/Release/b.node'] },
      { name: 'c', dir: 'node_modules/c', files: ['binding.gyp'] },
    ]);
    expect(mods.map((m) => coveredByAsarUnpack(m, ['**/node_modules/c/**']))).toEqual([false, true]);
  });
});
