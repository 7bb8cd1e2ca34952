/**
 * Browser end-to-end for the locked-files panel: the real renderer and preload in headless Chromium, the
 * real main services (harness/app-session.ts: device keys in a real Secret Service, the shipped default
 * models; file locking here with a vault backed by a real random key, scripted so each test decides when it
 * is open) in this process; only Electron's IPC transport and the browser process's File → path lookup
 * (webUtils.getPathForFile) are stood in for. Drop → locked on disk → unlock → relock; the OS picker is an
 * injected adapter. The journey where the face itself releases the key is face-to-file-journey.test.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeCameraMjpeg } from '../support/fake-camera.ts';
import { createTestVault, type TestVault } from '../support/filelock-vault.ts';
import { PASSPHRASE, startAppSession, type AppSession } from './harness/app-session.ts';

let app: AppSession;
let work: string;
let page: Page;
let vault: TestVault;
let picked: string[] = [];
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

/** Drops File objects whose disk paths the stand-in webUtils knows (`onDisk: false`: a page-made File). */
async function drop(files: Array<{ name: string; path: string; onDisk?: boolean }>): Promise<void> {
  await page.evaluate((fs) => {
    const dt = new DataTransfer();
    window.__FV_FILE_PATHS__ ??= new WeakMap();
    for (const f of fs) {
      const file = new File(['x'], f.name);
      if (f.onDisk !== false) window.__FV_FILE_PATHS__.set(file, f.path);
      dt.items.add(file);
    }
    const zone = document.querySelector('[data-testid="files-drop"]')!;
    zone.dispatchEvent(new DragEvent('dragenter', { dataTransfer: dt, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, files);
}

const itemState = (name: string) =>
  page.evaluate((n) => {
    for (const li of document.querySelectorAll('[data-testid="locked-item"]')) {
      if (li.querySelector('.fv-files-name')?.textContent === n) return li.getAttribute('data-state');
    }
    return null;
  }, name);

async function waitState(name: string, state: string): Promise<void> {
  await page.waitForFunction(
    ([n, s]) =>
      [...document.querySelectorAll('[data-testid="locked-item"]')].some(
        (li) => li.querySelector('.fv-files-name')?.textContent === n && li.getAttribute('data-state') === s,
      ),
    [name, state] as const,
    { timeout: 20_000 },
  );
}

beforeAll(async () => {
  vault = createTestVault({ unlocked: false });
  // The app's own vault only gets the window to its unlocked shell; the files service uses the scripted test
  // vault above.
  app = await startAppSession({
    name: 'files',
    clip: fakeCameraMjpeg(),
    files: (root) => ({
      dataDir: join(root, 'data'),
      vault,
      chunkSize: 64 * 1024,
      picker: { pick: async () => picked },
    }),
  });
  work = join(app.root, 'work');
  mkdirSync(work, { recursive: true });
  page = await app.open();
  // Set FaceVault up (recovery passphrase), which opens the vault; then the Locked files screen.
  const setup = await page.evaluate((p) => window.faceVault!.setupVault(p), PASSPHRASE);
  expect(setup.ok).toBe(true);
  await page.reload();
  await page.getByTestId('nav-files').click({ timeout: 30_000 });
  await page.waitForSelector('[data-testid="files-panel"]');
}, 300_000);

afterAll(async () => {
  await app?.close();
});

describe('locked-files panel', () => {
  it('a drop while the vault is locked asks to verify first and changes nothing', async () => {
    const p = join(work, 'report.pdf');
    writeFileSync(p, randomBytes(200_000));
    await drop([{ name: 'report.pdf', path: p }]);
    await page.waitForSelector('[data-testid="files-error"]');
    expect(await page.textContent('[data-testid="files-error"]')).toContain('Verify it’s you first');
    expect(existsSync(p)).toBe(true);
  });

  it('drop → locked on disk with a random name → unlock → same bytes → lock again', async () => {
    vault.unlock();
    const p = join(work, 'report.pdf');
    const digest = sha(p);
    await drop([{ name: 'report.pdf', path: p }]);
    await waitState('report.pdf', 'locked');
    expect(existsSync(p)).toBe(false);
    expect(readdirSync(work).filter((n) => /^[a-z2-7]{26}\.fvlock$/.test(n))).toHaveLength(1);
    await page.click('[data-testid="locked-item"][data-state="locked"] [data-testid="unlock-item"]');
    await waitState('report.pdf', 'unlocked');
    expect(sha(p)).toBe(digest);
    await page.click('[data-testid="locked-item"][data-state="unlocked"] [data-testid="relock-item"]');
    await waitState('report.pdf', 'locked');
    expect(existsSync(p)).toBe(false);
  });

  it('the folder picker locks a folder; a File that is not on disk is refused by the preload', async () => {
    const f = join(work, 'Photos');
    mkdirSync(join(f, '2025'), { recursive: true });
    writeFileSync(join(f, '2025', 'a.jpg'), randomBytes(90_000));
    picked = [f];
    await page.click('[data-testid="pick-folder"]');
    await waitState('Photos', 'locked');
    expect(existsSync(f)).toBe(false);
    await drop([{ name: 'made-up.txt', path: '', onDisk: false }]);
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="files-error"]')?.textContent?.includes('not a file on your disk'),
    );
    expect(await itemState('made-up.txt')).toBeNull();
  });

  it('a symlink dropped on the panel shows a clear problem on its row', async () => {
    const { symlinkSync } = await import('node:fs');
    const link = join(work, 'shortcut');
    symlinkSync('/etc/hostname', link);
    await drop([{ name: 'shortcut', path: link }]);
    await waitState('shortcut', 'error');
    expect(
      await page.textContent(
        '[data-testid="locked-item"][data-state="error"] [data-testid="locked-item-problem"]',
      ),
    ).toContain('symbolic link');
    if (process.env.FACEVAULT_E2E_SCREENSHOT)
      await page
        .locator('[data-testid="files-panel"]')
        .screenshot({ path: process.env.FACEVAULT_E2E_SCREENSHOT });
  });
});
