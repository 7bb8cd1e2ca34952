/**
 * The whole unlock path with real parts: a real TPM 2.0 protocol (swtpm) holds the device secret, a
 * catalog of signed, encrypted bundles (reference YuNet, MobileFaceNet, MiniFASNet from ../shared) is
 * unlocked through the demo licence on first run, re-wrapped to the device, loaded into onnxruntime from
 * memory, and a real face photo gets coarse guidance. Then: second run without the bootstrap key, another
 * machine, a tampered bundle on disk, an unpinned vendor key.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE_DESCRIPTORS } from '../../../src/cli/vendor/reference-descriptors.ts';
import { openDeviceKeys } from '../../../src/main/keys/open-device-keys.ts';
import { pinVendorKey } from '../../../src/main/model/bundle/signature.ts';
import { buildCatalog, signCatalogDir } from '../../../src/cli/vendor/catalog-builder.ts';
import { readCatalog, type ModelRole } from '../../../src/main/model/model-catalog.ts';
import { previewGuidance } from '../../../src/main/auth/face-flow.ts';
import { createKeyService } from '../../../src/main/keys/key-service.ts';
import {
  createModelService,
  unlockIntoWorker,
  type ModelService,
} from '../../../src/main/model/model-service.ts';
import { LicenseInvalidError } from '../../../src/main/model/license/errors.ts';
import { openModelSet } from '../../../src/main/model/model-set.ts';
import { lfwFrame } from '../../support/face-frames.ts';
import { referenceModelsDir } from '../../support/shared-data.ts';
import { startSwtpm, type SwtpmInstance } from '../../support/swtpm.ts';

let tpm: SwtpmInstance;
let root: string;
let catalogDir: string;
let dataDir: string;
const vendor = ed25519.keygen();
const plaintexts: Uint8Array[] = [];

function service(opts: { machineId?: string; pinned?: Uint8Array } = {}): ModelService {
  return createModelService({
    verifyEveryMs: 0,
    keys: createKeyService({
      open: () =>
        openDeviceKeys({
          dataDir: join(dataDir, 'keys'),
          backend: 'tpm',
          tcti: tpm.tcti,
          machineId: opts.machineId ?? 'machine-A',
        }),
    }),
    openModels: async (keys, onModel) =>
      openModelSet({
        onModel,
        catalog: await readCatalog(catalogDir, [pinVendorKey(opts.pinned ?? vendor.publicKey)]),
        pinnedVendorKeys: [pinVendorKey(opts.pinned ?? vendor.publicKey)],
        deviceKeys: keys,
        licenceDir: join(dataDir, 'licences'),
      }),
  });
}

beforeAll(async () => {
  tpm = await startSwtpm();
  root = await mkdtemp(join(tmpdir(), 'fv-models-'));
  catalogDir = join(root, 'catalog');
  dataDir = join(root, 'user');
  const ref = referenceModelsDir();
  const files = {
    detector: join(ref, 'yunet', 'face_detection_yunet_2023mar.onnx'),
    embedder: join(ref, 'w600k_mbf_int8', 'w600k_mbf_int8_dynamic.onnx'),
    antispoof: join(ref, 'minifasnet', '2.7_80x80_MiniFASNetV2.onnx'),
  };
  for (const f of Object.values(files)) plaintexts.push(new Uint8Array(await readFile(f)));
  await buildCatalog({
    outDir: catalogDir,
    vendorSecretKey: vendor.secretKey,
    chunkSize: 64 * 1024,
    models: [
      {
        role: 'detector',
        name: 'yunet',
        onnx: plaintexts[0]!,
        modelId: 'ref.yunet',
        modelVersion: '2023mar',
        descriptor: REFERENCE_DESCRIPTORS.yunet,
      },
      {
        role: 'embedder',
        name: 'w600k',
        onnx: plaintexts[1]!,
        modelId: 'ref.w600k-mbf',
        modelVersion: '1',
        descriptor: REFERENCE_DESCRIPTORS.w600kMbf,
      },
      {
        role: 'antispoof',
        name: 'minifasnet-v2',
        onnx: plaintexts[2]!,
        modelId: 'ref.minifasnet-v2',
        modelVersion: '1',
        descriptor: REFERENCE_DESCRIPTORS.minifasnetV2,
      },
    ],
  });
});

afterAll(async () => {
  await tpm?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(join(e.parentPath, e.name));
  }
  return out;
}

describe('protected models, first run to unlock', () => {
  it('first run: unlocks every model through the demo licence, re-wraps it to the device, and guides a real face', async () => {
    const s = service();
    await s.start();
    expect(s.status()).toEqual({ models: 'ready', keyStore: 'tpm', problem: null });
    expect(existsSync(join(dataDir, 'licences', 'yunet.fvb.device.lic'))).toBe(true);

    const face = await lfwFrame('Aaron_Patterson');
    expect(await previewGuidance(s.pipeline(), face)).toBe('ok');
    const blank = { data: new Uint8Array(640 * 480 * 4).fill(40), width: 640, height: 480 };
    expect(await previewGuidance(s.pipeline(), blank)).toBe('no-face');
    const small = await lfwFrame('Aaron_Patterson', 1, 90);
    expect(await previewGuidance(s.pipeline(), small)).toBe('move-closer');

    // The pipeline behind it matches faces: same person close, other person far.
    const p = s.pipeline()!;
    const emb = async (name: string, i: number) =>
      (await p.analyzeFrame({ ...(await lfwFrame(name, i)), format: 'rgba' }, { embed: 'always' }))
        .embedding!;
    const a1 = await emb('Abdullah_Gul', 1);
    const a2 = await emb('Abdullah_Gul', 2);
    const b = await emb('Aaron_Patterson', 1);
    const cos = (x: Float32Array, y: Float32Array) => x.reduce((acc, v, i) => acc + v * y[i]!, 0);
    expect(cos(a1, a2)).toBeGreaterThan(REFERENCE_DESCRIPTORS.w600kMbf.verifyThreshold);
    expect(cos(a1, b)).toBeLessThan(REFERENCE_DESCRIPTORS.w600kMbf.verifyThreshold);
    await s.stop();
  });

  it('no plaintext model byte sequence exists anywhere in the catalog or the user data', async () => {
    const files = [...(await allFiles(catalogDir)), ...(await allFiles(dataDir))];
    expect(files.length).toBeGreaterThan(8);
    for (const f of files) {
      const bytes = Buffer.from(await readFile(f));
      for (const p of plaintexts) {
        for (const off of [0, 4096, Math.floor(p.length / 2), p.length - 64]) {
          expect(bytes.indexOf(Buffer.from(p.subarray(off, off + 64)))).toBe(-1);
        }
      }
    }
  });

  it('second run needs neither the bootstrap key nor the demo licences any more', async () => {
    const cat = JSON.parse(await readFile(join(catalogDir, 'catalog.json'), 'utf8')) as Record<
      string,
      unknown
    >; // our own file
    await unlink(join(catalogDir, 'bootstrap.key.json'));
    for (const n of ['yunet', 'w600k', 'minifasnet-v2']) await unlink(join(catalogDir, `${n}.demo.lic`));
    // The vendor re-signs the catalog without the demo entries (an unsigned edit would be refused).
    await signCatalogDir(
      catalogDir,
      {
        models: (cat.models as Array<{ role: ModelRole; bundle: string }>).map(({ role, bundle }) => ({
          role,
          bundle,
        })),
      },
      vendor.secretKey,
    );
    const s = service();
    await s.start();
    expect(s.status().models).toBe('ready');
    expect(await previewGuidance(s.pipeline(), await lfwFrame('Abdullah_Gul'))).toBe('ok');
    await s.stop();
  });

  it('the same TPM and files under another machine id open nothing (binding error)', async () => {
    const s = service({ machineId: 'machine-B' });
    await s.start();
    expect(s.status()).toMatchObject({ models: 'error', keyStore: 'unavailable' });
    expect(s.status().problem).toMatch(/^KEY_BINDING_MISMATCH/);
    await s.stop();
  });

  it('a vendor key that is not pinned is refused before any decryption (its catalog signature already fails)', async () => {
    const s = service({ pinned: ed25519.keygen().publicKey });
    await s.start();
    expect(s.status().models).toBe('error');
    expect(s.status().problem).toMatch(/^MODEL_CATALOG_SIGNATURE/);
    await s.stop();
  });

  it('a bundle tampered on disk after loading is caught by the runtime re-check and the models are unloaded', async () => {
    const s = service();
    await s.start();
    expect(s.status().models).toBe('ready');
    expect(await s.verifyNow()).toBe(true);
    const path = join(catalogDir, 'w600k.fvb');
    const original = await readFile(path);
    const bad = Buffer.from(original);
    bad[bad.length - 100]! ^= 0x01;
    await writeFile(path, bad);
    try {
      expect(await s.verifyNow()).toBe(false);
      expect(s.status().models).toBe('error');
      expect(s.status().problem).toMatch(
        /^BUNDLE_SIGNATURE_INVALID: model "ref.w600k-mbf" failed its integrity check/,
      );
      expect(await previewGuidance(s.pipeline(), await lfwFrame('Abdullah_Gul'))).toBe('models-not-ready');
      // And a fresh start refuses the tampered bundle outright: its signature is checked first (the catalog
      // pin is checked over the digest the signature covers; a re-signed swap is catalog-tamper.test.ts's).
      const again = service();
      await again.start();
      expect(again.status().problem).toMatch(/^BUNDLE_SIGNATURE_INVALID/);
      await again.stop();
    } finally {
      await writeFile(path, original);
      await s.stop();
    }
  });
});

describe('refuse (a failure found outside the service, e.g. the app files)', () => {
  it('unloads a ready pipeline, reports the reason, and a later start() stays refused', async () => {
    const s = service();
    await s.start();
    expect(s.status().models).toBe('ready');
    await s.refuse('APP_INTEGRITY: test');
    expect(s.status()).toMatchObject({ models: 'error', problem: 'APP_INTEGRITY: test' });
    expect(s.pipeline()).toBeNull();
    expect(s.verifyThreshold()).toBeNull(); // nothing of the unloaded set is handed out
    await s.start();
    expect(s.status()).toMatchObject({ models: 'error', problem: 'APP_INTEGRITY: test' });
    await s.stop();
  });

  it('a refusal while the models are still loading wins over the load finishing', async () => {
    const s = service();
    const started = s.start();
    await s.refuse('APP_INTEGRITY: during load');
    await started;
    expect(s.status()).toMatchObject({ models: 'error', problem: 'APP_INTEGRITY: during load' });
    expect(s.pipeline()).toBeNull();
    await s.stop();
  });
});

describe('streamed unlock (model-service unlockIntoWorker)', () => {
  const pinned = () => [pinVendorKey(vendor.publicKey)];
  const tpmKeys = () =>
    openDeviceKeys({
      dataDir: join(dataDir, 'keys'),
      backend: 'tpm',
      tcti: tpm.tcti,
      machineId: 'machine-A',
    });

  it('each model goes to the worker the moment it is decrypted, in catalog order, and leaves nothing behind', async () => {
    const events: string[] = [];
    const r = await unlockIntoWorker(tpmKeys, async (keys, onModel) =>
      openModelSet({
        catalog: await readCatalog(catalogDir, pinned()),
        pinnedVendorKeys: pinned(),
        deviceKeys: keys,
        licenceDir: join(dataDir, 'licences'),
        onModel: (m) => {
          events.push(`decrypted ${m.role} (${m.plaintext.byteLength > 0 ? 'plaintext here' : 'empty'})`);
          onModel(m);
          events.push(`handed ${m.role} (${m.plaintext.byteLength === 0 ? 'detached' : 'still here'})`);
        },
      }),
    );
    try {
      expect(events).toEqual([
        'decrypted detector (plaintext here)',
        'handed detector (detached)',
        'decrypted embedder (plaintext here)',
        'handed embedder (detached)',
        'decrypted antispoof (plaintext here)',
        'handed antispoof (detached)',
      ]);
      expect(r.set.models.every((m) => m.plaintext.byteLength === 0)).toBe(true);
      expect(await previewGuidance(r.pipe, await lfwFrame('Abdullah_Gul'))).toBe('ok');
    } finally {
      await r.pipe.close();
      await r.keys.close();
    }
  });

  it('bundles are verified before the key store answers: a tampered bundle fails while the keys are still pending', async () => {
    const path = join(catalogDir, 'minifasnet-v2.fvb');
    const original = await readFile(path);
    const bad = Buffer.from(original);
    bad[bad.length - 100]! ^= 0x01;
    await writeFile(path, bad);
    let derived = 0;
    const never = new Promise<never>(() => {}); // a key store that never answers
    try {
      await expect(
        openModelSet({
          catalog: await readCatalog(catalogDir, pinned()),
          pinnedVendorKeys: pinned(),
          deviceKeys: never.then(() => ({
            identity: null as never,
            deriveKey: async () => (derived++, new Uint8Array(32)),
          })),
          licenceDir: join(dataDir, 'licences'),
        }),
      ).rejects.toMatchObject({ code: 'BUNDLE_SIGNATURE_INVALID' });
      expect(derived).toBe(0);
    } finally {
      await writeFile(path, original);
    }
  });

  it('a failure after the first model was handed over closes the worker and reports the typed error', async () => {
    const handed: string[] = [];
    let keys: { close(): Promise<void> } | null = null;
    await expect(
      unlockIntoWorker(
        tpmKeys,
        async (k, onModel) =>
          openModelSet({
            catalog: await readCatalog(catalogDir, pinned()),
            pinnedVendorKeys: pinned(),
            deviceKeys: k,
            licenceDir: join(dataDir, 'licences'),
            onModel: (m) => {
              if (m.role === 'embedder')
                throw new LicenseInvalidError('simulated: no licence for the embedder');
              onModel(m);
              handed.push(m.role);
            },
          }),
        (k) => (keys = k),
      ),
    ).rejects.toMatchObject({ code: 'LICENSE_INVALID' });
    expect(handed).toEqual(['detector']);
    expect(keys).not.toBeNull(); // handed to the owner, who closes them
    await keys!.close();
  });
});
