/**
 * The out-of-the-box path: `npm run models:build` (models + catalog) into a temporary build directory, then
 * the app's own unlock path — pinned key list, catalog, demo licence re-wrapped to this device (keychain
 * backend over an in-memory keytar), models loaded from memory into the face pipeline — and real LFW faces:
 * `ok` guidance, same person accepted and different people rejected against an enrolled template at the shipped threshold.
 * Also: the development signing key is 0600 in the build cache (outside the app's build dir), a second build
 * is a no-op, a changed input rebuilds.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDescriptor } from '../../../src/main/face/family.ts';
import { buildTemplate, scoreTemplate } from '../../../src/main/face/match.ts';
import { openDeviceKeys } from '../../../src/main/keys/open-device-keys.ts';
import { readCatalog, readPinnedKeys } from '../../../src/main/model/model-catalog.ts';
import { previewGuidance } from '../../../src/main/auth/face-flow.ts';
import { createKeyService } from '../../../src/main/keys/key-service.ts';
import { createModelService, type ModelService } from '../../../src/main/model/model-service.ts';
import { openModelSet } from '../../../src/main/model/model-set.ts';
import { buildDefaultCatalog, DEFAULT_SET } from '../../../tools/build-default-catalog.ts';
import { buildDefaultModels } from '../../../tools/build-default-models.ts';
import { lfwFrame } from '../../support/face-frames.ts';
import { memoryKeytar } from '../../support/memory-keytar.ts';

let root: string;
const keytar = memoryKeytar();

function service(): ModelService {
  return createModelService({
    verifyEveryMs: 0,
    keys: createKeyService({
      open: () =>
        openDeviceKeys({
          dataDir: join(root, 'user', 'keys'),
          backend: 'keychain',
          machineId: 'machine-A',
          loadKeytar: async () => keytar,
        }),
    }),
    openModels: async (keys) =>
      openModelSet({
        catalog: await readCatalog(
          join(root, 'build', 'catalog'),
          await readPinnedKeys(join(root, 'build', 'pinned', 'vendor-keys.json')),
        ),
        pinnedVendorKeys: await readPinnedKeys(join(root, 'build', 'pinned', 'vendor-keys.json')),
        deviceKeys: keys,
        licenceDir: join(root, 'user', 'licences'),
      }),
  });
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fv-default-catalog-'));
  buildDefaultModels({
    outDir: join(root, 'cache', 'models'),
    only: DEFAULT_SET.map((e) => e.modelId),
    log: () => {},
  });
}, 180_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('default catalog built by models:build', () => {
  it('builds once with a 0600 development signing key, then skips while the inputs are unchanged', async () => {
    const first = await buildDefaultCatalog({
      buildDir: join(root, 'build'),
      cacheDir: join(root, 'cache'),
      log: () => {},
    });
    expect(first).toMatchObject({ built: true, vendorKeyCreated: true });
    expect(statSync(join(root, 'cache', 'vendor', 'vendor.key.json')).mode & 0o777).toBe(0o600);
    expect(first.signing).toBe('development');
    const catalog = await readCatalog(first.catalogDir, await readPinnedKeys(first.pinnedKeysFile));
    expect(catalog.models.map((m) => m.role)).toEqual(DEFAULT_SET.map((e) => e.role));
    const second = await buildDefaultCatalog({
      buildDir: join(root, 'build'),
      cacheDir: join(root, 'cache'),
      log: () => {},
    });
    expect(second).toMatchObject({ built: false, vendorKeyCreated: false });
    // A missing catalog file forces a rebuild.
    await rm(join(first.catalogDir, 'bootstrap.key.json'));
    expect(
      (
        await buildDefaultCatalog({
          buildDir: join(root, 'build'),
          cacheDir: join(root, 'cache'),
          log: () => {},
        })
      ).built,
    ).toBe(true);
  });

  it('unlocks through the demo licence and gives ok guidance and correct decisions on real faces', async () => {
    const s = service();
    await s.start();
    try {
      expect(s.status()).toEqual({ models: 'ready', keyStore: 'keychain', problem: null });
      for (const e of DEFAULT_SET)
        expect(existsSync(join(root, 'user', 'licences', `${e.name}.fvb.device.lic`)), e.name).toBe(true);
      expect(await previewGuidance(s.pipeline(), await lfwFrame('Aaron_Patterson'))).toBe('ok');
      expect(await previewGuidance(s.pipeline(), await lfwFrame('Abdullah_Gul'))).toBe('ok');
      const blank = { data: new Uint8Array(640 * 480 * 4).fill(40), width: 640, height: 480 };
      expect(await previewGuidance(s.pipeline(), blank)).toBe('no-face');

      const embedderEntry = DEFAULT_SET.find((e) => e.role === 'embedder')!;
      const d = parseDescriptor(embedderEntry.descriptor);
      if (!('verifyThreshold' in d)) throw new Error('the default embedder descriptor has no threshold');
      const p = s.pipeline()!;
      const emb = async (name: string, i: number): Promise<Float32Array> => {
        const r = await p.analyzeFrame({ ...(await lfwFrame(name, i)), format: 'rgba' }, { embed: 'always' });
        expect(r.embedding, `${name} ${i}`).toBeDefined();
        return r.embedding!;
      };
      // The product decides probe vs template (mean of the enrolment embeddings), which is what the threshold is calibrated for.
      const enrol: Float32Array[] = [];
      for (const i of [1, 2, 3, 4, 5]) enrol.push(await emb('Abdullah_Gul', i));
      const template = buildTemplate(enrol);
      for (const i of [6, 7, 8])
        expect(scoreTemplate(await emb('Abdullah_Gul', i), template), `Abdullah_Gul ${i}`).toBeGreaterThan(
          d.verifyThreshold,
        );
      for (const [name, i] of [
        ['Aaron_Patterson', 1],
        ['AJ_Cook', 1],
        ['Aaron_Sorkin', 1],
        ['Aaron_Sorkin', 2],
      ] as const) {
        expect(scoreTemplate(await emb(name, i), template), name).toBeLessThan(d.verifyThreshold);
      }
    } finally {
      await s.stop();
    }
  });

  it('a second start opens every model from the device licence cache; a catalog signed by another key is refused', async () => {
    const keys = await openDeviceKeys({
      dataDir: join(root, 'user', 'keys'),
      backend: 'keychain',
      machineId: 'machine-A',
      loadKeytar: async () => keytar,
    });
    try {
      const set = await openModelSet({
        catalog: await readCatalog(
          join(root, 'build', 'catalog'),
          await readPinnedKeys(join(root, 'build', 'pinned', 'vendor-keys.json')),
        ),
        pinnedVendorKeys: await readPinnedKeys(join(root, 'build', 'pinned', 'vendor-keys.json')),
        deviceKeys: keys,
        licenceDir: join(root, 'user', 'licences'),
      });
      expect(set.models.map((m) => m.licence)).toEqual(DEFAULT_SET.map(() => 'device-cache'));
      set.release();
    } finally {
      await keys.close();
    }
    const pinned = join(root, 'build', 'pinned', 'vendor-keys.json');
    const original = await readFile(pinned);
    // Rebuild with a fresh vendor key: the old pinned list must not accept the new bundles.
    await rm(join(root, 'cache', 'vendor'), { recursive: true });
    await buildDefaultCatalog({
      buildDir: join(root, 'build'),
      cacheDir: join(root, 'cache'),
      log: () => {},
    });
    await writeFile(pinned, original);
    const t = service();
    await t.start();
    expect(t.status().problem).toMatch(/^MODEL_CATALOG_SIGNATURE/);
    await t.stop();
  });
});
