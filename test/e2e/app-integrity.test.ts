/**
 * Browser end-to-end for the app's own files: a sealed copy of the real build is served through the app's
 * integrity answer (resource-guard.ts), the status reaches the page, a later tampered worker file shows the
 * banner, and a tampered renderer bundle gets the built-in damaged page instead of the app.
 */
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.ts';
import { fakeCameraMjpeg } from '../support/fake-camera.ts';
import { projectRoot } from '../support/shared-data.ts';
import { buildAppForBrowser } from './harness/build-app.ts';
import { startHarness, type Harness } from './harness/ipc-server.ts';

let out: string;
let harness: Harness;
let browser: Browser;
let preloadSource: string;

async function openApp(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  await context.addInitScript({
    content: `window.__FV_IPC_URL__ = ${JSON.stringify(harness.ipcUrl)};\n${preloadSource}`,
  });
  const page = await context.newPage();
  await page.goto(`${harness.origin}/index.html`);
  return { context, page };
}

const flipByte = async (file: string) => {
  const b = await readFile(file);
  b[0] = b[0]! ^ 1;
  await writeFile(file, b);
};

beforeAll(async () => {
  const app = await buildAppForBrowser();
  preloadSource = await readFile(app.preloadFile, 'utf8');
  // A private copy of the sealed build: tampering it cannot disturb other tests using out/.
  out = await mkdtemp(join(tmpdir(), 'fv-e2e-integrity-'));
  await cp(join(projectRoot, 'out'), out, { recursive: true });
  harness = await startHarness(join(out, 'renderer'), { outRoot: out });
  browser = await launchChromium(fakeCameraMjpeg());
});

afterAll(async () => {
  await browser?.close();
  await harness?.close();
  if (out) await rm(out, { recursive: true, force: true });
});

describe('app files integrity, as the page sees it', () => {
  it('a sealed build verifies clean and the page says so, with no banner', async () => {
    const { context, page } = await openApp();
    await page.waitForSelector('[data-testid="app"][data-integrity="sealed-ok"]', {
      timeout: 20_000,
    });
    expect(await page.locator('[data-testid="integrity-banner"]').count()).toBe(0);
    const status = await page.evaluate(() => window.faceVault!.getStatus());
    expect(status.ok && status.value.appIntegrity).toEqual({ state: 'sealed-ok', problem: null });
    await context.close();
  });

  it('a tampered worker file: the verified page loads and shows the damaged-files banner', async () => {
    await flipByte(join(out, 'main', 'pipeline-worker.js'));
    expect((await harness.integrity.checkNow()).state).toBe('tampered');
    const { context, page } = await openApp();
    const banner = page.locator('[data-testid="integrity-banner"][data-state="tampered"]');
    await banner.waitFor({ timeout: 20_000 });
    expect(await banner.textContent()).toMatch(
      /files were changed.*Reinstall.*main\/pipeline-worker\.js: hash-mismatch/,
    );
    await page.waitForSelector('[data-testid="app"][data-integrity="tampered"]');
    // No set-up on a damaged install: "Get started" is off, and says why.
    await page.waitForSelector('[data-testid="setup-blocked"]', { state: 'visible' });
    expect(await page.getByTestId('get-started').isDisabled()).toBe(true);
    expect(await page.getByTestId('get-started').getAttribute('aria-describedby')).toBe('setup-blocked');
    await context.close();
  });

  it('a tampered renderer bundle: the built-in damaged page instead of the app, and no script runs', async () => {
    const assets = join(out, 'renderer', 'assets');
    const js = (await readdir(assets)).find((f) => f.endsWith('.js'))!;
    await flipByte(join(assets, js));
    await harness.integrity.checkNow();
    const { context, page } = await openApp();
    expect(await page.textContent('body')).toMatch(/files are damaged.*reinstall/is);
    expect(await page.locator('script').count()).toBe(0);
    const direct = await page.request.get(`${harness.origin}/assets/${js}`);
    expect(direct.status()).toBe(500);
    expect(await direct.text()).not.toContain('function');
    await context.close();
  });
});
