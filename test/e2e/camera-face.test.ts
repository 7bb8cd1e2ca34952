/**
 * Browser end-to-end with the protected models loaded: Chromium's fake camera plays the shared face clip,
 * the real renderer and preload stream it, and main — keys in a real Secret Service (private dbus +
 * gnome-keyring), the reference YuNet detector unlocked from a signed, encrypted bundle — answers with
 * coarse guidance. Proves that real video frames reach main intact enough to find the face in them, and
 * that the page sees only a guidance word.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE_DESCRIPTORS } from '../../src/cli/vendor/reference-descriptors.ts';
import { openDeviceKeys } from '../../src/main/keys/open-device-keys.ts';
import { pinVendorKey } from '../../src/main/model/bundle/signature.ts';
import { buildCatalog } from '../../src/cli/vendor/catalog-builder.ts';
import { readCatalog } from '../../src/main/model/model-catalog.ts';
import { createKeyService } from '../../src/main/keys/key-service.ts';
import { createModelService, type ModelService } from '../../src/main/model/model-service.ts';
import { openModelSet } from '../../src/main/model/model-set.ts';
import type { FrameGuidance } from '../../src/shared/ipc-contract.ts';
import { launchChromium } from '../support/chromium.ts';
import { fakeCameraMjpeg } from '../support/fake-camera.ts';
import { startSecretService, type SecretServiceInstance } from '../support/secret-service.ts';
import { referenceModelsDir } from '../support/shared-data.ts';
import { buildAppForBrowser } from './harness/build-app.ts';
import { startHarness, type Harness } from './harness/ipc-server.ts';

let secrets: SecretServiceInstance;
let root: string;
let models: ModelService;
let harness: Harness;
let browser: Browser;
let preloadSource: string;
const seen: FrameGuidance[] = [];

beforeAll(async () => {
  secrets = await startSecretService();
  secrets.useInProcess();
  root = await mkdtemp(join(tmpdir(), 'fv-e2e-models-'));
  const vendor = ed25519.keygen();
  await buildCatalog({
    outDir: join(root, 'catalog'),
    vendorSecretKey: vendor.secretKey,
    models: [
      {
        role: 'detector',
        name: 'yunet',
        onnx: new Uint8Array(
          await readFile(join(referenceModelsDir(), 'yunet', 'face_detection_yunet_2023mar.onnx')),
        ),
        modelId: 'ref.yunet',
        modelVersion: '2023mar',
        descriptor: REFERENCE_DESCRIPTORS.yunet,
      },
    ],
  });
  const keys = createKeyService({
    open: () =>
      openDeviceKeys({ dataDir: join(root, 'keys'), backend: 'keychain', machineId: 'e2e-machine' }),
  });
  models = createModelService({
    verifyEveryMs: 0,
    keys,
    openModels: async (keys) =>
      openModelSet({
        catalog: await readCatalog(join(root, 'catalog'), [pinVendorKey(vendor.publicKey)]),
        pinnedVendorKeys: [pinVendorKey(vendor.publicKey)],
        deviceKeys: keys,
        licenceDir: join(root, 'licences'),
      }),
  });
  await models.start();
  const app = await buildAppForBrowser();
  preloadSource = readFileSync(app.preloadFile, 'utf8');
  harness = await startHarness(app.rendererDir, {
    models,
    keys,
    templatesDir: join(root, 'templates'),
    // Tap the real flow's replies to count them.
    frameConsumer: async (f) => {
      const r = await harness.services.flow.consumer(f);
      seen.push(r.guidance);
      return r;
    },
  });
  browser = await launchChromium(fakeCameraMjpeg());
});

afterAll(async () => {
  await browser?.close();
  await harness?.close();
  await models?.stop();
  await secrets?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('fake camera → renderer → main face pipeline', () => {
  it('finds the face in the streamed video and the page shows only coarse guidance', async () => {
    expect(models.status()).toEqual({ models: 'ready', keyStore: 'keychain', problem: null });
    const context = await browser.newContext();
    await context.grantPermissions(['camera'], { origin: harness.origin });
    await context.addInitScript({
      content: `window.__FV_IPC_URL__ = ${JSON.stringify(harness.ipcUrl)};\n${preloadSource}`,
    });
    const page = await context.newPage();
    await page.goto(`${harness.origin}/index.html`);
    // Setup's camera step: the preview draws the face main found (its coarse box and landmarks).
    await page.getByTestId('get-started').click({ timeout: 20_000 });
    await page.waitForSelector('[data-testid="screen-onboarding-1"] .pill:has-text("Got you")', {
      timeout: 30_000,
    });
    const tally: Record<string, number> = {};
    for (const g of seen) tally[g] = (tally[g] ?? 0) + 1;
    console.log(`[e2e] guidance over ${seen.length} streamed frames: ${JSON.stringify(tally)}`);
    expect(tally.ok ?? 0).toBeGreaterThan(0);
    expect(tally['models-not-ready'] ?? 0).toBe(0);
    // What the page can learn about a frame: a frame number and one guidance word, nothing else.
    const reply = await page.evaluate(async () => {
      const r = await window.faceVault!.getStatus();
      return r;
    });
    expect(Object.keys(reply.ok ? reply.value : {}).sort()).toEqual([
      'appIntegrity',
      'appVersion',
      'keyStore',
      'modelSet',
      'models',
      'problem',
      'signing',
    ]);
    await context.close();
  });
});
