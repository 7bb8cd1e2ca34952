/**
 * Screenshots of each product screen at the app's default window size (960×720, src/main/app/
 * electron-window.ts), saved small (palette PNG) to docs/screenshots/ for the README, and the checks a
 * person would notice first: the screen is not blank (text and a picture that is not one flat colour) and
 * nothing overflows the window (no scroll container taller or wider than its box, so live guidance can
 * never sit below the fold).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { projectRoot } from '../../support/shared-data.ts';

export const WINDOW = { width: 960, height: 720 } as const;
const SCROLLERS = [
  'html',
  'body',
  '#root',
  '.app',
  '.content',
  '.onboarding',
  '.lock',
  '.step-card',
  '.page',
];

export interface ScreenCheck {
  readonly textChars: number;
  readonly overflowing: string[];
  readonly stdev: number;
}

export async function captureScreen(page: Page, name: string): Promise<ScreenCheck> {
  // Fonts loaded and every running transition or animation finished (motion is reduced in the test context).
  await page.evaluate(async () => {
    await document.fonts.ready;
    const finite = document
      .getAnimations()
      .filter((a) => a.effect?.getComputedTiming().iterations !== Infinity);
    await Promise.all(finite.map((a) => a.finished.catch(() => undefined)));
  });
  const { textChars, overflowing } = await page.evaluate((selectors) => {
    const over: string[] = [];
    for (const sel of selectors) {
      for (const el of document.querySelectorAll(sel)) {
        if (el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1) {
          over.push(`${sel} ${el.scrollWidth}x${el.scrollHeight} in ${el.clientWidth}x${el.clientHeight}`);
        }
      }
    }
    return { textChars: document.body.innerText.trim().length, overflowing: over };
  }, SCROLLERS);
  const png = await page.screenshot({ type: 'png' });
  const stats = await sharp(png).stats();
  const stdev = Math.max(...stats.channels.slice(0, 3).map((c) => c.stdev));
  const dir = join(projectRoot, 'docs', 'screenshots');
  mkdirSync(dir, { recursive: true });
  await sharp(png)
    .png({ palette: true, quality: 90, colours: 256, dither: 1, compressionLevel: 9 })
    .toFile(join(dir, `${name}.png`));
  return { textChars, overflowing, stdev };
}
