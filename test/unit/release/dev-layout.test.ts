/**
 * The release build follows the checkout's development layout: build/models and build/vendor today, the
 * build cache of tools/build-layout.ts (issue 10) when the checkout has that module; it then also knows
 * the old place of the development key, so that key is refused wherever it was left.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { devLayout } from '../../../scripts/release/dev-layout.ts';

const base = mkdtempSync(join(tmpdir(), 'fv-devlayout-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('development layout', () => {
  it('without tools/build-layout.ts: build/models and build/vendor', async () => {
    const root = join(base, 'old');
    mkdirSync(root);
    expect(await devLayout(root)).toEqual({
      modelsDir: join(root, 'build', 'models'),
      devKeyFiles: [join(root, 'build', 'vendor', 'vendor.key.json')],
    });
  });

  it('with tools/build-layout.ts: its build cache, plus the old key place', async () => {
    const root = join(base, 'new');
    mkdirSync(join(root, 'tools'), { recursive: true });
    writeFileSync(
      join(root, 'tools', 'build-layout.ts'),
      `export function buildLayout(o) { return { modelsDir: o.root + '/../cache/models', devVendorKeyFile: o.root + '/../cache/vendor/vendor.key.json' }; }\n`,
    );
    expect(await devLayout(root)).toEqual({
      modelsDir: `${root}/../cache/models`,
      devKeyFiles: [
        `${root}/../cache/vendor/vendor.key.json`,
        join(root, 'build', 'vendor', 'vendor.key.json'),
      ],
    });
  });
});
