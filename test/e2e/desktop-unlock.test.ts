/**
 * "Unlock my desktop with my face", end to end: logind is python3-dbusmock's template on a private
 * dbus-daemon started here (the one stand-in: logind cannot run in a container), FaceVault's real main
 * services talk to it over D-Bus, and the real renderer in Chromium supplies the fake camera's frames of
 * the enrolled face when main asks for them. The OS locks the session (Lock + LockedHint, as `loginctl
 * lock-session` and GNOME Shell do); FaceVault verifies in the background with the anti-spoofing model
 * loaded and calls Session.Unlock on a match; "Lock now" calls Session.Lock.
 * Turning the mode on goes through Settings › Desktop unlock, which asks for the recovery passphrase (owner
 * proof) before settings:set stores it in the vault's authenticated settings.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logindSession } from '../../src/main/desktop/logind-dbus.ts';
import { REFERENCE_DESCRIPTORS } from '../../src/cli/vendor/reference-descriptors.ts';
import { createKeyService, type KeyService } from '../../src/main/keys/key-service.ts';
import { openDeviceKeys } from '../../src/main/keys/open-device-keys.ts';
import { pinVendorKey } from '../../src/main/model/bundle/signature.ts';
import { buildCatalog } from '../../src/cli/vendor/catalog-builder.ts';
import { readCatalog } from '../../src/main/model/model-catalog.ts';
import { createModelService, type ModelService } from '../../src/main/model/model-service.ts';
import { openModelSet } from '../../src/main/model/model-set.ts';
import { launchChromium } from '../support/chromium.ts';
import { fakeCameraMjpeg } from '../support/fake-camera.ts';
import { SESSION_ID, startLogindMock, type LogindMock } from '../support/logind-mock.ts';
import { startSecretService, type SecretServiceInstance } from '../support/secret-service.ts';
import { referenceModelsDir } from '../support/shared-data.ts';
import { buildAppForBrowser } from './harness/build-app.ts';
import { startHarness, type Harness } from './harness/ipc-server.ts';
import { captureScreen, WINDOW } from './harness/screens.ts';

let secrets: SecretServiceInstance;
let logind: LogindMock;
let root: string;
let models: ModelService;
let keys: KeyService;
let harness: Harness;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const PASSPHRASE = 'violet tundra saxophone pebble harbor';

const until = async (what: string, cond: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

beforeAll(async () => {
  secrets = await startSecretService();
  secrets.useInProcess();
  logind = await startLogindMock();
  root = await mkdtemp(join(tmpdir(), 'fv-e2e-desktop-'));
  const vendor = ed25519.keygen();
  const ref = referenceModelsDir();
  await buildCatalog({
    outDir: join(root, 'catalog'),
    vendorSecretKey: vendor.secretKey,
    models: [
      {
        role: 'detector',
        name: 'yunet',
        onnx: new Uint8Array(await readFile(join(ref, 'yunet', 'face_detection_yunet_2023mar.onnx'))),
        modelId: 'ref.yunet',
        modelVersion: '2023mar',
        descriptor: REFERENCE_DESCRIPTORS.yunet,
      },
      {
        role: 'embedder',
        name: 'w600k',
        onnx: new Uint8Array(await readFile(join(ref, 'w600k_mbf_int8', 'w600k_mbf_int8_dynamic.onnx'))),
        modelId: 'ref.w600k-mbf',
        modelVersion: '1',
        descriptor: REFERENCE_DESCRIPTORS.w600kMbf,
      },
      {
        role: 'antispoof',
        name: 'minifasnet',
        onnx: new Uint8Array(await readFile(join(ref, 'minifasnet', '2.7_80x80_MiniFASNetV2.onnx'))),
        modelId: 'ref.minifasnet-v2',
        modelVersion: '2.7',
        descriptor: REFERENCE_DESCRIPTORS.minifasnetV2,
      },
    ],
  });
  keys = createKeyService({
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
  const preloadSource = readFileSync(app.preloadFile, 'utf8');
  harness = await startHarness(app.rendererDir, {
    models,
    keys,
    templatesDir: join(root, 'templates'),
    desktopSession: logindSession({ busAddress: logind.busAddress, sessionId: SESSION_ID }),
  });
  await harness.services.desktop.start();
  browser = await launchChromium(fakeCameraMjpeg());
  context = await browser.newContext({ viewport: WINDOW, reducedMotion: 'reduce' });
  await context.grantPermissions(['camera'], { origin: harness.origin });
  await context.addInitScript({
    content: `window.__FV_IPC_URL__ = ${JSON.stringify(harness.ipcUrl)};\n${preloadSource}`,
  });
  page = await context.newPage();
  await page.goto(`${harness.origin}/index.html`);
}, 240_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  harness?.services.desktop.close();
  await harness?.close();
  await models?.stop();
  await logind?.stop();
  await secrets?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('desktop unlock against logind (dbusmock on a private bus)', () => {
  it('enrols, then a locked session is unlocked by the same face in the background; "Lock now" locks it', async () => {
    await page.getByTestId('get-started').click();
    // As in the product journeys: continue once the preview streams and shows the face (the camera hook may
    // restart on the chosen device right after it first streams; a click during that restart was lost once).
    await page.waitForSelector('[data-testid="camera"][data-state="streaming"]', { timeout: 20_000 });
    await page.waitForSelector('[data-testid="face-overlay"]', { timeout: 20_000 });
    await page.getByTestId('camera-continue').click({ timeout: 20_000 });
    await page.waitForSelector('[data-testid="passphrase-step"]', { timeout: 20_000 });
    await page.getByTestId('passphrase').fill(PASSPHRASE);
    await page.getByTestId('passphrase-again').fill(PASSPHRASE);
    await page.getByTestId('passphrase-submit').click({ timeout: 10_000 });
    await page.waitForSelector('[data-testid="summary"]', { timeout: 120_000 });
    await page.getByTestId('finish').click();
    await page.waitForSelector('[data-testid="screen-home"]', { timeout: 60_000 });
    expect(harness.services.desktop.status()).toMatchObject({
      available: true,
      enabled: false,
      sessionLocked: false,
    });

    // Turning it on changes who can unlock the desktop: the owner's passphrase first (settings:set is owner-gated).
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('tab-desktop').click();
    await page.getByTestId('desktop-toggle').click();
    // (No dialog when a proof is still fresh: the face match or passphrase of the last minute.)
    await page.waitForSelector(
      '[data-testid="owner-proof"], [data-testid="desktop-toggle"][aria-checked="true"]',
    );
    if (await page.getByTestId('owner-proof').count()) {
      await page.getByTestId('proof-passphrase').fill(PASSPHRASE);
      await page.getByTestId('proof-confirm').click();
    }
    await page.waitForSelector('[data-testid="desktop-toggle"][aria-checked="true"]', { timeout: 30_000 });
    expect((await harness.services.desktop.refresh()).enabled).toBe(true);
    const c = await captureScreen(page, '12-settings-desktop');
    expect(c.overflowing).toEqual([]);

    const before = logind.sessionCalls().length;
    logind.lockFromOs();
    // The app locks with the session, and the background check asks for frames.
    await page.waitForSelector('[data-testid="screen-lock"]', { timeout: 20_000 });
    await until(
      'background unlock',
      () => harness.services.desktop.status().lastEvent === 'unlocked-by-face',
      90_000,
    );
    expect(logind.sessionCalls().slice(before)).toContain('Unlock');
    expect(harness.services.desktop.status()).toMatchObject({ sessionLocked: false, verifying: false });

    const mark = logind.sessionCalls().length;
    await page.waitForSelector('[data-testid="screen-home"]', { timeout: 30_000 });
    await page.getByTestId('lock-desktop').click();
    await until('Lock called', () => logind.sessionCalls().slice(mark).includes('Lock'), 10_000);
  });
});
