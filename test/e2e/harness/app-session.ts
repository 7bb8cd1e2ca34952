/**
 * The set-up every face journey shares (product journeys, desktop unlock, camera → face pipeline): keys in a
 * real Secret Service, the shipped default model set (`npm run models:build`: build/catalog, the pinned
 * development key, demo licences re-wrapped to this device, as the app opens it in development), the real
 * renderer and preload built for the browser, the harness's main services, and one persistent Chromium
 * profile whose fake camera plays a file at a fixed path — the person in front of "the webcam" is changed by
 * putting another clip at that path, as the same camera sees whoever sits there.
 *
 * Why a persistent profile: Chromium salts every deviceId per profile, and each `browser.newContext()` is a
 * new incognito-like profile with a new salt, so the camera pinned at enrolment would read as another camera
 * in the next context. The app runs in Electron's persistent default session, whose ids stay stable across
 * restarts (see src/main/liveness/camera-policy.ts); the tests do as a real user does: one profile, and each
 * journey a fresh page (an app start).
 *
 * Every step helper waits on a state (a visible element, the camera streaming, the flow's state), never on a
 * fixed sleep.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { FaceFlowOptions } from '../../../src/main/auth/face-flow.ts';
import type { FrameConsumer } from '../../../src/main/camera/frame-sink.ts';
import type { DesktopSession } from '../../../src/main/desktop/desktop-session.ts';
import { createKeyService, type KeyService } from '../../../src/main/keys/key-service.ts';
import { openDeviceKeys } from '../../../src/main/keys/open-device-keys.ts';
import { readCatalog, readPinnedKeys } from '../../../src/main/model/model-catalog.ts';
import { createModelService, type ModelService } from '../../../src/main/model/model-service.ts';
import { openModelSet } from '../../../src/main/model/model-set.ts';
import type { FaceFlow } from '../../../src/main/auth/face-flow.ts';
import { launchChromiumProfile } from '../../support/chromium.ts';
import { startSecretService, type SecretServiceInstance } from '../../support/secret-service.ts';
import { projectRoot } from '../../support/shared-data.ts';
import { buildAppForBrowser } from './build-app.ts';
import { startHarness, type Harness, type HarnessOptions } from './ipc-server.ts';
import { WINDOW } from './screens.ts';

/** A passphrase the shared policy accepts (zxcvbn score ≥ 3, ≥ 10 characters). */
export const PASSPHRASE = 'violet tundra saxophone pebble harbor';

/** Chromium's fake camera, reading whatever clip is at one fixed path (its label is that path). */
export interface Webcam {
  readonly path: string;
  /** Puts `clip` in front of the camera from its next start (the file is read when the camera starts). */
  show(clip: string): void;
}

function webcamAt(dir: string, first: string): Webcam {
  mkdirSync(dir, { recursive: true });
  // The device label Chromium reports is this path: it is named like a webcam, since the fake device stands
  // in for one here (a label with "fake" or "virtual" in it is refused by strict liveness, as it should be).
  const path = join(dir, 'webcam.mjpeg');
  const show = (clip: string): void => {
    copyFileSync(clip, `${path}.tmp`);
    renameSync(`${path}.tmp`, path);
  };
  show(first);
  return { path, show };
}

export interface AppSessionOptions {
  /** Temporary-folder prefix. */
  readonly name: string;
  /** The clip the webcam shows first. */
  readonly clip: string;
  /** Test harness only: the challenges every unlock asks for (createMainServices' challengeSource). */
  readonly challenges?: FaceFlowOptions['challengeOverride'];
  readonly desktopSession?: DesktopSession;
  readonly desktopNotifier?: HarnessOptions['desktopNotifier'];
  /** File locking (files:* channels), as the harness takes it, given the session's temporary folder. */
  readonly files?: (root: string) => HarnessOptions['files'];
  /** Wraps the real flow's frame consumer (to count replies); default: the flow's consumer itself. */
  readonly tap?: (flow: () => FaceFlow) => FrameConsumer;
}

export interface AppSession {
  readonly root: string;
  readonly keys: KeyService;
  readonly models: ModelService;
  readonly harness: Harness;
  readonly rendererDir: string;
  readonly webcam: Webcam;
  /** The one browser profile (persistent), camera allowed for the harness's origin. */
  readonly context: BrowserContext;
  /** Another harness on the same build (e.g. a broken model service), reachable from `context`. */
  startHarness(opts: HarnessOptions): Promise<Harness>;
  /** A fresh page of the app (an app start) on `on` (default: the session's harness). */
  open(opts?: { dark?: boolean; on?: Harness; bridge?: boolean }): Promise<Page>;
  close(): Promise<void>;
}

/** The shipped default set, opened as the app opens it in development (app-paths.ts: build/catalog). */
function defaultModels(root: string, keys: KeyService): ModelService {
  const catalogDir = join(projectRoot, 'build', 'catalog');
  const pinned = join(projectRoot, 'build', 'pinned', 'vendor-keys.json');
  if (!existsSync(join(catalogDir, 'catalog.json')) || !existsSync(pinned))
    throw new Error('the e2e journeys need the default models: run `npm run models:build` first');
  return createModelService({
    verifyEveryMs: 0,
    keys,
    openModels: async (deviceKeys) => {
      const pinnedVendorKeys = await readPinnedKeys(pinned);
      return openModelSet({
        catalog: await readCatalog(catalogDir, pinnedVendorKeys),
        pinnedVendorKeys,
        deviceKeys,
        licenceDir: join(root, 'licences'),
      });
    },
  });
}

export async function startAppSession(o: AppSessionOptions): Promise<AppSession> {
  const secrets: SecretServiceInstance = await startSecretService();
  secrets.useInProcess();
  const root = await mkdtemp(join(tmpdir(), `fv-e2e-${o.name}-`));
  const keys = createKeyService({
    open: () =>
      openDeviceKeys({ dataDir: join(root, 'keys'), backend: 'keychain', machineId: 'e2e-machine' }),
  });
  const models = defaultModels(root, keys);
  await models.start();
  const app = await buildAppForBrowser();
  const preloadSource = readFileSync(app.preloadFile, 'utf8');
  let services: Harness['services'] | null = null;
  const harness = await startHarness(app.rendererDir, {
    models,
    keys,
    templatesDir: join(root, 'templates'),
    ...(o.desktopSession ? { desktopSession: o.desktopSession } : {}),
    ...(o.desktopNotifier ? { desktopNotifier: o.desktopNotifier } : {}),
    ...(o.files ? { files: o.files(root) } : {}),
    ...(o.challenges ? { challengeSource: o.challenges } : {}),
    ...(o.tap
      ? {
          frameConsumer: o.tap(() => {
            if (!services) throw new Error('harness not started');
            return services.flow;
          }),
        }
      : {}),
  });
  services = harness.services;
  const webcam = webcamAt(join(root, 'camera'), o.clip);
  const context = await launchChromiumProfile(join(root, 'profile'), webcam.path, {
    viewport: WINDOW,
    reducedMotion: 'reduce',
  });
  const allow = (h: Harness) => context.grantPermissions(['camera'], { origin: h.origin });
  await allow(harness);
  const others: Harness[] = [];
  return {
    root,
    keys,
    models,
    harness,
    rendererDir: app.rendererDir,
    webcam,
    context,
    async startHarness(opts) {
      const h = await startHarness(app.rendererDir, opts);
      others.push(h);
      await allow(h);
      return h;
    },
    async open(opts = {}) {
      const on = opts.on ?? harness;
      const page = await context.newPage();
      await page.emulateMedia({ colorScheme: opts.dark ? 'dark' : 'light', reducedMotion: 'reduce' });
      // The preload runs before the page's scripts, as Electron's does; it reads its harness's IPC address.
      if (opts.bridge !== false)
        await page.addInitScript({
          content: `window.__FV_IPC_URL__ = ${JSON.stringify(on.ipcUrl)};\n${preloadSource}`,
        });
      await page.goto(`${on.origin}/index.html`);
      return page;
    },
    async close() {
      await context.close().catch(() => undefined);
      for (const h of others) await h.close();
      harness.services.desktop.close();
      await harness.close();
      await models.stop();
      await secrets.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

// ---- Steps of the journeys, each ending on the state it waits for ----

/** Setup's camera step: the preview streams and shows the face main found. */
export async function reachCameraStep(page: Page): Promise<void> {
  await page.waitForSelector('[data-testid="screen-onboarding-0"]', { timeout: 30_000 });
  await page.getByTestId('get-started').click();
  await page.waitForSelector('[data-testid="camera"][data-state="streaming"]', { timeout: 30_000 });
  await page.waitForSelector('[data-testid="face-overlay"]', { timeout: 30_000 });
}

/** From the streaming camera step to the passphrase step. */
export async function continueToPassphrase(page: Page): Promise<void> {
  await page.waitForSelector('[data-testid="camera-continue"]:not([disabled])', { timeout: 20_000 });
  await page.getByTestId('camera-continue').click();
  await page.waitForSelector('[data-testid="passphrase-step"]', { timeout: 20_000 });
}

/** Types the recovery passphrase twice; resolves when the meter accepts it (submit enabled). */
export async function typePassphrase(page: Page, passphrase = PASSPHRASE): Promise<void> {
  await page.getByTestId('passphrase').fill(passphrase);
  await page.getByTestId('passphrase-again').fill(passphrase);
  await page.waitForSelector('[data-testid="passphrase-submit"]:not([disabled])', { timeout: 10_000 });
}

/** Submits the passphrase; resolves when guided capture is running and shows the face. */
export async function startGuidedCapture(page: Page): Promise<void> {
  await page.getByTestId('passphrase-submit').click();
  await page.waitForSelector('[data-testid="enrol-count"]:has-text("of")', { timeout: 30_000 });
  await page.waitForSelector('[data-testid="face-overlay"]', { timeout: 30_000 });
}

/** Waits for the enrolment summary, then finishes setup; resolves on the home screen (vault key released). */
export async function finishSetup(page: Page): Promise<void> {
  await page.waitForSelector('[data-testid="summary"]', { timeout: 120_000 });
  await page.getByTestId('finish').click();
  await page.waitForSelector('[data-testid="screen-home"]', { timeout: 60_000 });
}

/** The whole first-run setup from the welcome screen to home. */
export async function onboard(page: Page, passphrase = PASSPHRASE): Promise<void> {
  await reachCameraStep(page);
  await continueToPassphrase(page);
  await typePassphrase(page, passphrase);
  await startGuidedCapture(page);
  await finishSetup(page);
}

/** Polls a main-side state (not a sleep: it ends as soon as the state holds). */
export async function until(
  what: string,
  cond: () => boolean | Promise<boolean>,
  ms = 60_000,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
