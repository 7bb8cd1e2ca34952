/**
 * The files:* door: the preload turns dropped Files into paths (and refuses anything else), the router's
 * schemas accept only bounded absolute paths and item ids, and the handlers reach the real service.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createMainServices } from '../../../src/main/create-main-services.ts';
import { createBridge, droppedPaths, MAX_DROPPED_FILES } from '../../../src/preload/bridge.ts';
import type { IpcChannel } from '../../../src/shared/ipc-contract.ts';
import { createTestVault } from '../../support/filelock-vault.ts';

const root = mkdtempSync(join(tmpdir(), 'fv-files-ipc-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const sender = { url: 'app://facevault/index.html', isMainFrame: true, id: 1 };

describe('preload: dropped files → paths', () => {
  const f = (name: string) => new File(['x'], name);
  it('maps each File through getPathForFile and refuses what is not a file on disk', () => {
    const a = f('a');
    const b = f('b');
    const paths = new Map([
      [a, '/home/u/a'],
      [b, '/home/u/b'],
    ]);
    expect(droppedPaths([a, b], (x) => paths.get(x) ?? '')).toEqual({
      ok: true,
      paths: ['/home/u/a', '/home/u/b'],
    });
    expect(droppedPaths([f('web.png')], () => '')).toMatchObject({
      ok: false,
      message: expect.stringContaining('not a file on your disk'),
    });
    expect(droppedPaths(['/etc/passwd'], () => '/etc/passwd')).toMatchObject({ ok: false });
    expect(droppedPaths([{ name: 'fake' }], () => '/x')).toMatchObject({ ok: false });
    expect(droppedPaths([], () => '/x')).toMatchObject({ ok: false });
    expect(
      droppedPaths(
        Array.from({ length: MAX_DROPPED_FILES + 1 }, () => f('n')),
        () => '/x',
      ),
    ).toMatchObject({ ok: false });
    expect(
      droppedPaths([f('t')], () => {
        throw new Error('not from disk');
      }),
    ).toMatchObject({ ok: false });
  });

  it('the bridge sends only the mapped paths, and only well-formed ids', async () => {
    const calls: Array<[IpcChannel, unknown[]]> = [];
    const invoke = (async (channel: IpcChannel, ...args: unknown[]) => {
      calls.push([channel, args]);
      return { ok: true, value: { items: [], listState: 'ready', listProblem: null } };
    }) as Parameters<typeof createBridge>[0];
    const file = new File(['x'], 'doc.txt');
    const bridge = createBridge(invoke, (x) => (x === file ? '/home/u/doc.txt' : ''));
    await bridge.lockDroppedFiles([file]);
    expect(calls).toEqual([['files:lock', [['/home/u/doc.txt']]]]);
    expect(await bridge.unlockItem('../../etc')).toMatchObject({
      ok: false,
      error: { code: 'IPC_INVALID_PAYLOAD' },
    });
    expect(await bridge.pickAndLock('everything' as 'files')).toMatchObject({ ok: false });
    expect(calls).toHaveLength(1);
  });
});

describe('router: files:* schemas and handlers', () => {
  const vault = createTestVault();
  const services = createMainServices({
    appVersion: 't',
    trustedOrigins: ['app://facevault'],
    files: { dataDir: join(root, 'data'), vault, chunkSize: 4096 },
  });
  const call = (c: string, ...args: unknown[]) => services.router.dispatch(c, sender, args);

  it('refuses relative, NUL, oversized and too many paths, and malformed ids, before any handler', async () => {
    for (const bad of [
      [['rel/path']],
      [['/a\0b']],
      [['/' + 'a'.repeat(5000)]],
      [Array.from({ length: 65 }, () => '/a')],
      [[]],
      ['/a'],
    ]) {
      expect(await call('files:lock', ...bad)).toMatchObject({
        ok: false,
        error: { code: expect.stringMatching(/IPC_INVALID_PAYLOAD|IPC_PAYLOAD_TOO_LARGE/) },
      });
    }
    expect(await call('files:unlock', 'NOT-AN-ID')).toMatchObject({
      ok: false,
      error: { code: 'IPC_INVALID_PAYLOAD' },
    });
    expect(await call('files:pick-and-lock', 'disk')).toMatchObject({
      ok: false,
      error: { code: 'IPC_INVALID_PAYLOAD' },
    });
    expect(await call('files:unlock', 'a'.repeat(26))).toMatchObject({
      ok: false,
      error: { code: 'FILELOCK_UNKNOWN_ITEM' },
    });
  });

  it('lock → list with progress → unlock → relock through the router; vault locked → FILELOCK_VAULT_LOCKED', async () => {
    const p = join(root, 'plans.txt');
    writeFileSync(p, randomBytes(50_000));
    vault.lock();
    expect(await call('files:lock', [p])).toMatchObject({
      ok: false,
      error: { code: 'FILELOCK_VAULT_LOCKED' },
    });
    vault.unlock();
    const r = await call('files:lock', [p]);
    expect(r).toMatchObject({ ok: true, value: { items: [{ displayName: 'plans.txt', state: 'locking' }] } });
    const svc = await services.files();
    await svc.idle();
    const listed = await call('files:list');
    expect(listed).toMatchObject({
      ok: true,
      value: {
        items: [
          { displayName: 'plans.txt', state: 'locked', sizeBytes: 50_000, progress: null, problem: null },
        ],
      },
    });
    expect(existsSync(p)).toBe(false);
    const id = (listed as { value: { items: Array<{ id: string }> } }).value.items[0]!.id;
    expect(await call('files:relock', id)).toMatchObject({
      ok: false,
      error: { code: 'FILELOCK_UNKNOWN_ITEM' },
    });
    await call('files:unlock', id);
    await svc.idle();
    expect(existsSync(p)).toBe(true);
    expect((await call('files:list')) as unknown).toMatchObject({
      value: { items: [{ id, state: 'unlocked' }] },
    });
    await call('files:relock', id);
    await svc.idle();
    expect(existsSync(p)).toBe(false);
    expect(existsSync(join(root, `${id}.fvlock`))).toBe(true);
  });

  it('no file locking configured → FILELOCK_UNSUPPORTED', async () => {
    const bare = createMainServices({ appVersion: 't', trustedOrigins: ['app://facevault'] });
    expect(await bare.router.dispatch('files:list', sender, [])).toMatchObject({
      ok: false,
      error: { code: 'FILELOCK_UNSUPPORTED' },
    });
  });
});
