/**
 * Browser end-to-end with the protected models loaded: Chromium's fake camera plays the shared face clip,
 * the real renderer and preload stream it, and main — keys in a real Secret Service (private dbus +
 * gnome-keyring), the shipped default model set unlocked from signed, encrypted bundles — answers with
 * coarse guidance. Proves that real video frames reach main intact enough to find the face in them, and
 * that the page sees only a guidance word.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FrameGuidance } from '../../src/shared/ipc-contract.ts';
import { fakeCameraMjpeg } from '../support/fake-camera.ts';
import { startAppSession, type AppSession } from './harness/app-session.ts';

let app: AppSession;
const seen: FrameGuidance[] = [];

beforeAll(async () => {
  app = await startAppSession({
    name: 'camera',
    clip: fakeCameraMjpeg(),
    // Tap the real flow's replies to count them.
    tap: (flow) => async (f) => {
      const r = await flow().consumer(f);
      seen.push(r.guidance);
      return r;
    },
  });
}, 240_000);

afterAll(async () => {
  await app?.close();
});

describe('fake camera → renderer → main face pipeline', () => {
  it('finds the face in the streamed video and the page shows only coarse guidance', async () => {
    expect(app.models.status()).toEqual({ models: 'ready', keyStore: 'keychain', problem: null });
    const page = await app.open();
    // Setup's camera step: the preview draws the face main found (its coarse box and landmarks).
    await page.waitForSelector('[data-testid="screen-onboarding-0"]', { timeout: 30_000 });
    await page.getByTestId('get-started').click();
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
    await page.close();
  });
});
