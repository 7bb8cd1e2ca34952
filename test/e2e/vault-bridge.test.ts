/**
 * Browser end-to-end of the vault through the real renderer page and the real preload (headless Chromium;
 * only Electron's IPC transport stood in for), with main's real services behind it: device keys in a real
 * Secret Service (private dbus + gnome-keyring), the auth state on disk, the shipped scrypt parameters.
 * The page sets up the recovery passphrase, locks, unlocks with it, and touches owner-gated settings; every
 * reply the page can see is checked against the vault key held in main: it never appears, in any encoding.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyService, type KeyService } from '../../src/main/keys/key-service.ts';
import { openDeviceKeys } from '../../src/main/keys/open-device-keys.ts';
import { launchChromium } from '../support/chromium.ts';
import { fakeCameraMjpeg } from '../support/fake-camera.ts';
import { startSecretService, type SecretServiceInstance } from '../support/secret-service.ts';
import { buildAppForBrowser } from './harness/build-app.ts';
import { startHarness, type Harness } from './harness/ipc-server.ts';

const PASSPHRASE = 'marble otter quietly juggles ninety lanterns';
let secrets: SecretServiceInstance;
let root: string;
let keys: KeyService;
let harness: Harness;
let browser: Browser;
let preloadSource: string;

beforeAll(async () => {
  secrets = await startSecretService();
  secrets.useInProcess();
  root = await mkdtemp(join(tmpdir(), 'fv-e2e-vault-'));
  keys = createKeyService({
    open: () =>
      openDeviceKeys({ dataDir: join(root, 'keys'), backend: 'keychain', machineId: 'e2e-machine' }),
  });
  const app = await buildAppForBrowser();
  preloadSource = readFileSync(app.preloadFile, 'utf8');
  harness = await startHarness(app.rendererDir, { keys, templatesDir: join(root, 'templates') });
  browser = await launchChromium(fakeCameraMjpeg()); // the page's camera is not used here
});

afterAll(async () => {
  await browser?.close();
  await harness?.close();
  await keys?.close();
  await secrets?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('vault through the real preload', () => {
  it('sets up, locks and unlocks with the passphrase; owner-gated settings need the proof; the key never reaches the page', async () => {
    const context = await browser.newContext();
    await context.addInitScript({
      content: `window.__FV_IPC_URL__ = ${JSON.stringify(harness.ipcUrl)};\n${preloadSource}`,
    });
    const page = await context.newPage();
    await page.goto(`${harness.origin}/index.html`);
    await page.waitForFunction(() => window.faceVault !== undefined);
    const seen = await page.evaluate(async (pass) => {
      const fv = window.faceVault!;
      const pause = () => new Promise((r) => setTimeout(r, 1100)); // passphrase calls: 1 per second
      const out: Record<string, unknown> = {};
      out.fresh = await fv.getVaultStatus();
      out.weak = await fv.setupVault('password123');
      await pause();
      out.setup = await fv.setupVault(pass);
      out.locked = await fv.lockVault();
      out.gated = await fv.setSettings({ desktopUnlock: true });
      await pause();
      out.wrong = await fv.unlockWithPassphrase('not the passphrase at all, no');
      await pause();
      out.unlocked = await fv.unlockWithPassphrase(pass);
      out.settings = await fv.setSettings({ strictness: 'strict' });
      out.status = await fv.getVaultStatus();
      return out;
    }, PASSPHRASE);
    expect(seen.fresh).toMatchObject({
      ok: true,
      value: { setUp: false, unlocked: false, rollbackProtection: 'none' },
    });
    expect(seen.weak).toMatchObject({ ok: false, error: { code: 'PASSPHRASE_WEAK' } });
    expect(seen.setup).toMatchObject({ ok: true, value: { setUp: true, unlocked: true } });
    expect(seen.locked).toMatchObject({ ok: true, value: { unlocked: false, ownerProofUntil: null } });
    expect(seen.gated).toMatchObject({ ok: false, error: { code: 'OWNER_PROOF_REQUIRED' } });
    expect(seen.wrong).toMatchObject({ ok: false, error: { code: 'PASSPHRASE_WRONG' } });
    expect(seen.unlocked).toMatchObject({ ok: true, value: { unlocked: true, lockedOut: false } });
    expect(seen.settings).toMatchObject({ ok: true, value: { strictness: 'strict' } });
    // The key main holds now, against everything the page saw.
    const key = await harness.services.vault.withVaultKey((k) => Buffer.from(k));
    const text = JSON.stringify(seen);
    expect(text).not.toContain(key.toString('hex'));
    expect(text).not.toContain(key.toString('base64').slice(0, 16));
    expect(text).not.toContain(Array.from(key.subarray(0, 6)).join(','));
    await context.close();
  });
});
