/**
 * Debian's Chromium driven by playwright-core (never a downloaded browser), with the fake capture device
 * fed from a file. Flags from docs/testing-notes: no fake-UI auto-accept, so camera permission is decided
 * per context by grantPermissions — the same browser serves the granted and the denied paths.
 */
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.FACEVAULT_CHROMIUM ?? '/usr/bin/chromium';

export function launchChromium(fakeVideoFile: string): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${fakeVideoFile}`,
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
