/**
 * Unit tests of the renderer's camera hook (use-camera.ts) and frame pump (frame-pump.ts), run where they run
 * in the app: Debian's Chromium (playwright-core), with React, real getUserMedia on Chromium's fake camera and
 * real <video>/<canvas> elements. Only the preload bridge is a recording stub whose replies the test controls
 * (test/e2e/harness/camera-units-entry.tsx). No assertion depends on wall-clock time: the pump's behaviour is
 * checked by what it sent and skipped while a reply was outstanding.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import react from '@vitejs/plugin-react';
import { build } from 'vite';
import { launchChromium } from '../support/chromium.ts';
import { fakeCameraMjpeg } from '../support/fake-camera.ts';
import { projectRoot } from '../support/shared-data.ts';

const ORIGIN = 'http://localhost:48917'; // never contacted: every request is answered by page.route below
let browser: Browser;
let bundle: string;

type Units = Record<string, (...a: never[]) => unknown>;

async function openPage(camera: boolean): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  if (camera) await context.grantPermissions(['camera'], { origin: ORIGIN });
  const page = await context.newPage();
  await page.route(`${ORIGIN}/**`, (route) => {
    const url = new URL(route.request().url());
    if (url.pathname === '/units.js') return route.fulfill({ contentType: 'text/javascript', body: bundle });
    return route.fulfill({
      contentType: 'text/html',
      body: '<!doctype html><meta charset="utf-8"><body><script src="/units.js"></script></body>',
    });
  });
  await page.goto(`${ORIGIN}/index.html`);
  await page.waitForFunction(() => '__cameraUnits' in window);
  return { context, page };
}

/** Calls window.__cameraUnits[name](...args) in the page. */
const call = <T>(page: Page, name: string, ...args: unknown[]): Promise<T> =>
  page.evaluate(
    ([n, a]) => (window as unknown as { __cameraUnits: Units })['__cameraUnits'][n]!(...(a as never[])),
    [name, args] as const,
  ) as Promise<T>;

/** Polls window.__cameraUnits[name]() until `ok` holds for its value (gives up after ~20 s). */
async function until<T>(page: Page, name: string, ok: (v: T) => boolean): Promise<T> {
  let v = await call<T>(page, name);
  for (let i = 0; i < 800 && !ok(v); i++) {
    await page.waitForTimeout(25);
    v = await call<T>(page, name);
  }
  expect(ok(v), `${name}: ${JSON.stringify(v)}`).toBe(true);
  return v;
}

interface Stats {
  readonly sent: number;
  readonly skipped: number;
  readonly last: { frameNumber: number } | null;
  readonly lastError: { code: string } | null;
}
type Cam = { kind: string } | null;

beforeAll(async () => {
  const outDir = join(projectRoot, '.cache', 'e2e', 'camera-units');
  // vitest runs with NODE_ENV=test, which makes the JSX transform emit development calls (jsxDEV) that the
  // production React build does not have: build as the app is built.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      configFile: false,
      logLevel: 'error',
      root: projectRoot,
      mode: 'production',
      plugins: [react()],
      define: { 'process.env.NODE_ENV': JSON.stringify('production') },
      build: {
        outDir,
        emptyOutDir: true,
        minify: false,
        lib: {
          entry: join(projectRoot, 'test', 'e2e', 'harness', 'camera-units-entry.tsx'),
          formats: ['iife'],
          name: 'fvCameraUnits',
          fileName: () => 'units.js',
        },
      },
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  bundle = readFileSync(join(outDir, 'units.js'), 'utf8');
  browser = await launchChromium(fakeCameraMjpeg());
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe('frame pump (frame-pump.ts)', () => {
  it('sends frames of exactly the agreed size and meta, letterboxed with the aspect kept', async () => {
    const { context, page } = await openPage(false);
    try {
      // A 2:1 video into a 4:3 frame: full width, black bars above and below.
      await call(page, 'startPump', {
        videoW: 320,
        videoH: 160,
        width: 640,
        height: 480,
        auto: { ok: true, value: null },
      });
      await until<unknown[]>(page, 'submitted', (v) => v.length >= 3);
      const sent = await call<
        Array<{ meta: Record<string, unknown>; bytes: number; centre: number[]; corner: number[] }>
      >(page, 'submitted');
      for (const f of sent) {
        // Exactly the agreed fields; `camera` is the capturing track's device id and label (issue 12: main pins
        // the camera and refuses virtual ones), each cut to 256 characters (a canvas stream's are random ids).
        expect(Object.keys(f.meta).sort()).toEqual(['camera', 'format', 'height', 'timestampMs', 'width']);
        const cam = f.meta.camera as Record<string, unknown>;
        expect(Object.keys(cam).sort()).toEqual(['deviceId', 'label']);
        for (const v of Object.values(cam)) expect(typeof v === 'string' && v.length <= 256).toBe(true);
        expect(f.meta).toMatchObject({ width: 640, height: 480, format: 'rgba8' });
        expect(f.bytes).toBe(640 * 480 * 4);
        expect(f.corner).toEqual([0, 0, 0, 255]); // letterbox bar
        expect(f.centre[0]).toBeGreaterThan(150); // the red video
        expect(f.centre[1]).toBeLessThan(90);
        expect(f.centre[3]).toBe(255);
      }
      const ts = sent.map((f) => f.meta.timestampMs as number);
      expect([...ts].sort((a, b) => a - b)).toEqual(ts);
      await call(page, 'stopPump');
    } finally {
      await context.close();
    }
  });

  it('keeps at most one frame in flight: ticks while main has not answered are skipped, then it resumes', async () => {
    const { context, page } = await openPage(false);
    try {
      await call(page, 'startPump', { videoW: 640, videoH: 480, width: 640, height: 480 });
      await until<number>(page, 'pending', (v) => v === 1);
      await until<Stats | null>(page, 'pumpStats', (v) => v !== null && v.skipped >= 3);
      expect(await call(page, 'submitted')).toHaveLength(1); // nothing else was sent meanwhile
      expect(await call(page, 'pending')).toBe(1);
      await call(page, 'answer');
      await until<unknown[]>(page, 'submitted', (v) => v.length === 2);
      const stats = await call<Stats>(page, 'pumpStats');
      expect(stats.sent).toBe(1);
      expect(stats.last?.frameNumber).toBe(1);
      await call(page, 'stopPump');
    } finally {
      await context.close();
    }
  });

  it('reports main’s typed error and a transport failure in its stats, and keeps going', async () => {
    const { context, page } = await openPage(false);
    try {
      await call(page, 'startPump', { videoW: 640, videoH: 480, width: 640, height: 480 });
      await until<number>(page, 'pending', (v) => v === 1);
      await call(page, 'answer', { ok: false, error: { code: 'IPC_RATE_LIMITED', message: 'slow down' } });
      await until<Stats | null>(page, 'pumpStats', (v) => v?.lastError?.code === 'IPC_RATE_LIMITED');
      await call(page, 'setAuto', 'reject');
      await call(page, 'answer');
      await until<Stats | null>(page, 'pumpStats', (v) => v?.lastError?.code === 'IPC_INTERNAL');
      await call(page, 'setAuto', { ok: true, value: null });
      await until<Stats | null>(
        page,
        'pumpStats',
        (v) => v !== null && v.lastError === null && v.last !== null,
      );
      await call(page, 'stopPump');
    } finally {
      await context.close();
    }
  });

  it('sends nothing after stop, and nothing while the video has no picture', async () => {
    const { context, page } = await openPage(false);
    try {
      await call(page, 'startPump', {
        videoW: 640,
        videoH: 480,
        width: 640,
        height: 480,
        auto: { ok: true, value: null },
      });
      await until<unknown[]>(page, 'submitted', (v) => v.length >= 2);
      await call(page, 'stopPump');
      const n = (await call<unknown[]>(page, 'submitted')).length;
      await page.evaluate(() => new Promise((r) => setTimeout(r, 400))); // several pump periods
      expect(await call<unknown[]>(page, 'submitted')).toHaveLength(n);

      await call(page, 'startPump', { videoW: 0, videoH: 0, width: 640, height: 480, empty: true });
      await page.evaluate(() => new Promise((r) => setTimeout(r, 400)));
      expect(await call<unknown[]>(page, 'submitted')).toHaveLength(0);
      await call(page, 'stopPump');
    } finally {
      await context.close();
    }
  });
});

describe('camera hook (use-camera.ts)', () => {
  it('starts the fake camera: starting → streaming with its label, size and the device list', async () => {
    const { context, page } = await openPage(true);
    try {
      await call(page, 'mount');
      const s = (await until<Cam>(page, 'cameraState', (v) => v?.kind === 'streaming')) as unknown as {
        label: string;
        width: number;
        height: number;
      };
      expect(s.label.length).toBeGreaterThan(0);
      expect(s.width).toBeGreaterThan(0);
      expect(s.height).toBeGreaterThan(0);
      const devices = await call<Array<{ deviceId: string; label: string }>>(page, 'cameraDevices');
      expect(devices.length).toBeGreaterThanOrEqual(1);
      // The probe's <video> gets the stream in an effect after the render that reported 'streaming'.
      await until<number>(page, 'liveTrackCount', (n) => n === 1);
      // Learning which device it got does not restart the camera: the first track stays the live one while
      // the video plays on.
      expect(await call(page, 'holdTracks')).toBe(1);
      const t0 = await call<number>(page, 'videoTime');
      await until<number>(page, 'videoTime', (t) => t > t0 + 0.3);
      expect(await call(page, 'heldLive')).toBe(1);
      expect(await call(page, 'heldIsCurrent')).toBe(true);
      expect(await call(page, 'streamRequests')).toBe(1);
      // Choosing the camera that is already streaming (as the device picker does) keeps the stream too.
      const current = await call<string | null>(page, 'cameraDeviceId');
      expect(current).toBe(devices[0]!.deviceId);
      await call(page, 'cameraSelect', current);
      const t1 = await call<number>(page, 'videoTime');
      await until<number>(page, 'videoTime', (t) => t > t1 + 0.3);
      expect(await call(page, 'streamRequests')).toBe(1);
      expect(await call(page, 'heldIsCurrent')).toBe(true);
    } finally {
      await context.close();
    }
  });

  it('permission refused → denied, and no track is left open', async () => {
    const { context, page } = await openPage(false);
    try {
      await call(page, 'mount');
      await until<Cam>(page, 'cameraState', (v) => v?.kind === 'denied');
      expect(await call(page, 'liveTrackCount')).toBe(0);
    } finally {
      await context.close();
    }
  });

  it('a device lost mid-stream → lost; Retry starts it again; stop and unmount release the camera', async () => {
    const { context, page } = await openPage(true);
    try {
      await call(page, 'mount');
      await until<Cam>(page, 'cameraState', (v) => v?.kind === 'streaming');
      await call(page, 'endTrack');
      await until<Cam>(page, 'cameraState', (v) => v?.kind === 'lost');
      // The hook's state and the probe's <video> (set in an effect after the render) change one after the
      // other, and stop / unmount take effect on React's next render: wait on each, never read at once.
      await call(page, 'cameraStart');
      await until<Cam>(page, 'cameraState', (v) => v?.kind === 'streaming');
      await until<number>(page, 'liveTrackCount', (n) => n === 1);
      expect(await call(page, 'holdTracks')).toBe(1);
      await call(page, 'cameraStop');
      await until<number>(page, 'heldLive', (n) => n === 0);
      await until<number>(page, 'liveTrackCount', (n) => n === 0);

      await call(page, 'cameraStart');
      await until<Cam>(page, 'cameraState', (v) => v?.kind === 'streaming');
      await until<number>(page, 'liveTrackCount', (n) => n === 1);
      expect(await call(page, 'holdTracks')).toBe(1);
      await call(page, 'unmount');
      await until<number>(page, 'heldLive', (n) => n === 0);
    } finally {
      await context.close();
    }
  });

  it.each([
    ['NotReadableError', 'busy'],
    ['NotFoundError', 'no-camera'],
    ['OverconstrainedError', 'no-camera'],
  ])('getUserMedia failing with %s → %s', async (name, kind) => {
    const { context, page } = await openPage(true);
    try {
      await call(page, 'breakGetUserMedia', name);
      await call(page, 'mount');
      await until<Cam>(page, 'cameraState', (v) => v?.kind === kind);
    } finally {
      await context.close();
    }
  });

  it('no getUserMedia at all → no-camera', async () => {
    const { context, page } = await openPage(true);
    try {
      await call(page, 'breakGetUserMedia', null);
      await call(page, 'mount');
      await until<Cam>(page, 'cameraState', (v) => v?.kind === 'no-camera');
    } finally {
      await context.close();
    }
  });
});
