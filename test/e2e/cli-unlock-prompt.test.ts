/**
 * Browser end-to-end for `facevault unlock` while FaceVault is locked: the real CLI (a child process)
 * talks to the real same-user socket of the real main services in this process (harness/app-session.ts:
 * device keys in a real Secret Service, the shipped default models); the real renderer and preload run in
 * headless Chromium (only Electron's IPC transport is stood in for). The lock screen shows
 * the request — which path, which process — and the person answers: Deny fails the command; the recovery
 * passphrase unlocks the app's own vault (scrypt, in main) and the waiting command then restores the file.
 * Face unlock is not enrolled in this harness, so "Look at the camera" is shown unavailable (the face
 * path is the same lock-screen unlock that face-to-file-journey.test.ts drives with the fake camera).
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeCameraMjpeg } from '../support/fake-camera.ts';
import { projectRoot } from '../support/shared-data.ts';
import {
  startLocalChannel,
  type LocalChannel,
} from '../../src/main/filelock/local-channel/local-channel-server.ts';
import { PASSPHRASE, startAppSession, type AppSession } from './harness/app-session.ts';

const CLI = join(projectRoot, 'src', 'cli', 'facevault.ts');
let app: AppSession;
let socketPath: string;
let channel: LocalChannel;
let page: Page;
let original: string;
let container: string;
let digest: string;
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

interface CliRun {
  readonly pid: number;
  readonly done: Promise<{ code: number; json: { ok: boolean; error?: { code: string } } }>;
}
function cliUnlock(path: string): CliRun {
  const c = spawn(process.execPath, [CLI, 'unlock', path, '--json', '--socket', socketPath], {
    cwd: projectRoot,
  });
  let out = '';
  c.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return {
    pid: c.pid!,
    done: new Promise((res) => c.on('exit', (code) => res({ code: code ?? -1, json: JSON.parse(out) }))),
  };
}

beforeAll(async () => {
  // File locking borrows the app's own vault (createMainServices' default): the lock screen's unlock is
  // what releases the key, and a CLI request while locked goes to the window (cli-requests.ts).
  app = await startAppSession({
    name: 'clireq',
    clip: fakeCameraMjpeg(),
    files: (root) => ({ dataDir: join(root, 'data'), chunkSize: 64 * 1024 }),
  });
  const work = join(app.root, 'work');
  mkdirSync(work, { recursive: true });
  socketPath = join(app.root, 'run', 'cli.sock');
  channel = await startLocalChannel({ socketPath, files: await app.harness.services.files() });
  page = await app.open();
  const setup = await page.evaluate((p) => window.faceVault!.setupVault(p), PASSPHRASE);
  expect(setup.ok).toBe(true);
  original = join(work, 'passport-scan.png');
  writeFileSync(original, randomBytes(300_000));
  digest = sha(original);
  container = (await (await app.harness.services.files()).lockNow(original)).containerPath;
  await page.reload();
  // Lock FaceVault the way a person does: the shell's Lock button, then the lock screen is up.
  await page.getByTestId('lock-app').click({ timeout: 30_000 });
  await page.getByTestId('screen-lock').waitFor({ state: 'visible' });
}, 300_000);

afterAll(async () => {
  await channel?.close();
  await app?.close();
});

describe('the lock screen answers the command line', () => {
  it('shows the path and the asking process; Deny fails the command and unlocks nothing', async () => {
    const run = cliUnlock(container);
    const card = page.getByTestId('cli-request');
    await card.waitFor({ state: 'visible', timeout: 30_000 });
    expect(await page.getByTestId('cli-request-path').textContent()).toBe(container);
    const who = await page.getByTestId('cli-request-who').textContent();
    expect(who).toContain('facevault.ts');
    expect(who).toContain(`process ${run.pid}`);
    expect(await page.getByRole('alertdialog').getAttribute('aria-labelledby')).toBe('cli-request-title');
    // No face enrolled in this harness: the camera answer is offered but unavailable, said in words on the
    // card (not only in a tooltip) and tied to the disabled button.
    expect(await page.getByTestId('cli-request-face').isDisabled()).toBe(true);
    expect(await page.getByTestId('cli-request-how').textContent()).toMatch(/Face unlock is off now/);
    expect(await page.getByTestId('cli-request-face').getAttribute('aria-describedby')).toBe(
      'cli-request-how',
    );
    if (process.env.FACEVAULT_E2E_SCREENSHOT)
      await page.getByTestId('screen-lock').screenshot({ path: process.env.FACEVAULT_E2E_SCREENSHOT });
    await page.getByTestId('cli-request-deny').click();
    const r = await run.done;
    expect(r.code).toBe(6);
    expect(r.json).toMatchObject({ ok: false, error: { code: 'LOCAL_CHANNEL_DENIED' } });
    await card.waitFor({ state: 'detached' });
    expect(existsSync(container)).toBe(true);
    expect(existsSync(original)).toBe(false);
    await page.getByTestId('screen-lock').waitFor({ state: 'visible' });
  });

  it('Use passphrase → the vault unlocks in main → the waiting command restores the file', async () => {
    const run = cliUnlock(container);
    await page.getByTestId('cli-request').waitFor({ state: 'visible', timeout: 30_000 });
    await page.getByTestId('cli-request-passphrase').click();
    const field = page.getByTestId('unlock-passphrase');
    await field.waitFor({ state: 'visible' });
    await field.fill(PASSPHRASE);
    await page.getByTestId('unlock-passphrase-submit').click();
    const r = await run.done;
    expect(r).toMatchObject({ code: 0, json: { ok: true } });
    expect(sha(original)).toBe(digest);
    expect(existsSync(container)).toBe(false);
    await page.getByTestId('screen-lock').waitFor({ state: 'detached', timeout: 30_000 });
    expect(await page.getByTestId('cli-request').count()).toBe(0);
  });
});
