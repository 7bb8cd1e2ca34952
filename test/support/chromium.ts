/**
 * Debian's Chromium driven by playwright-core (never a downloaded browser), with the fake capture device
 * fed from a file. Flags from docs/testing-notes: no fake-UI auto-accept, so camera permission is decided
 * per context by grantPermissions — the same browser serves the granted and the denied paths.
 */
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

export const CHROMIUM_PATH = process.env.FACEVAULT_CHROMIUM ?? '/usr/bin/chromium';

const args = (fakeVideoFile: string): string[] => [
  '--use-fake-device-for-media-stream',
  `--use-file-for-fake-video-capture=${fakeVideoFile}`,
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function launchChromium(fakeVideoFile: string): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: args(fakeVideoFile) });
}

/**
 * A persistent profile in `userDataDir`, as the app's Electron session is (session.defaultSession): Chromium
 * salts each camera's deviceId per profile (and per incognito-like `newContext()` context), so only a
 * persistent profile keeps the id the app pinned at enrolment, across pages and relaunches. The fake device's
 * label is the video file's path, and the file is read again each time the camera starts.
 */
export function launchChromiumProfile(
  userDataDir: string,
  fakeVideoFile: string,
  options: { viewport?: { width: number; height: number }; reducedMotion?: 'reduce' } = {},
): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: args(fakeVideoFile),
    ...options,
  });
}
