/**
 * The release catalog staged for a package: the default set from models:build's output (build/models, or
 * the build cache of the new development layout; `npm test` builds it first), encrypted and signed with the release key, read back with the app's own reader
 * against the pinned list that ships; the plaintext weights appear in no staged file; a role that
 * resources/catalog/release.json requires but the set lacks stops the build.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { devLayout } from '../../../scripts/release/dev-layout.ts';
import { readReleasePolicy, stageReleaseInputs } from '../../../scripts/release/release-catalog.ts';
import { parsePinnedVendorKeys } from '../../../src/main/model/key-files.ts';
import { readCatalog } from '../../../src/main/model/model-catalog.ts';
import { DEFAULT_SET } from '../../../tools/build-default-catalog.ts';
import { projectRoot } from '../../support/shared-data.ts';

const base = mkdtempSync(join(tmpdir(), 'fv-relcat-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const kp = ed25519.keygen();
const key = { path: '/not/read', publicKey: kp.publicKey, secretKey: kp.secretKey };

describe('release catalog', () => {
  it('signs the default set with the release key; the app reads it with exactly the pinned list that ships', async () => {
    const staged = await stageReleaseInputs({ root: projectRoot, key, stageDir: join(base, 'stage') });
    const pinned = parsePinnedVendorKeys(readFileSync(join(staged.pinnedDir, 'vendor-keys.json')));
    expect(pinned.map((p) => Buffer.from(p.publicKey).toString('hex'))).toEqual([
      Buffer.from(kp.publicKey).toString('hex'),
    ]);
    const catalog = await readCatalog(staged.catalogDir, pinned);
    expect(catalog.models.map((m) => m.role).sort()).toEqual(DEFAULT_SET.map((e) => e.role).sort());
    for (const role of readReleasePolicy(projectRoot).requiredRoles)
      expect(catalog.models.some((m) => m.role === role)).toBe(true);
  });

  it('no staged file carries the plaintext weights', async () => {
    const staged = await stageReleaseInputs({ root: projectRoot, key, stageDir: join(base, 'stage-plain') });
    const { modelsDir } = await devLayout(projectRoot);
    const manifest = JSON.parse(readFileSync(join(modelsDir, 'manifest.json'), 'utf8')) as {
      models: Array<{ id: string; file: string }>;
    };
    const files = readdirSync(staged.catalogDir).map((f) => readFileSync(join(staged.catalogDir, f)));
    for (const e of DEFAULT_SET) {
      const onnx = readFileSync(join(modelsDir, manifest.models.find((m) => m.id === e.modelId)!.file));
      for (const at of [0.25, 0.5, 0.75]) {
        const window = onnx.subarray(Math.floor(onnx.length * at), Math.floor(onnx.length * at) + 64);
        for (const f of files) expect(f.includes(window)).toBe(false);
      }
    }
  });

  const missing = (['detector', 'embedder', 'antispoof'] as const).filter(
    (r) => !DEFAULT_SET.some((e) => e.role === r),
  );
  // Skipped (visibly) once the default set ships every role: then no role can be missing.
  it.skipIf(missing.length === 0)(
    'stops when the release policy requires a role the default set does not have',
    async () => {
      await expect(
        stageReleaseInputs({
          root: projectRoot,
          key,
          stageDir: join(base, 'stage-strict'),
          policy: { requiredRoles: [...missing], demoLicences: true },
        }),
      ).rejects.toThrow(new RegExp(`no ${missing[0]} model`));
    },
  );
});
