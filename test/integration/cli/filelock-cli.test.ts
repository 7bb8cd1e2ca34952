/**
 * `facevault lock|unlock` as a real child process against a running main: a real main-services instance
 * (createMainServices with file locking and a vault backed by a real random key) serves the same-user
 * socket in this test process. Covers lock → list in the app → unlock after the app's face verification
 * (vault locked when the CLI asks) → recovery passphrase on a real terminal (pty via script(1)) → refusals
 * with their exit codes; and the kernel peer-uid check refusing another user even with the folder opened.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMainServices, type MainServices } from '../../../src/main/create-main-services.ts';
import {
  startLocalChannel,
  type LocalChannel,
} from '../../../src/main/filelock/local-channel/local-channel-server.ts';
import { createTestVault, type TestVault } from '../../support/filelock-vault.ts';
import { projectRoot } from '../../support/shared-data.ts';

const CLI = join(projectRoot, 'src', 'cli', 'facevault.ts');
const root = mkdtempSync(join(tmpdir(), 'fv-lockcli-'));
const work = join(root, 'work');
const runDir = join(root, 'run');
const socketPath = join(runDir, 'cli.sock');
let services: MainServices;
let channel: LocalChannel;
let vault: TestVault;
let faceRequests = 0;

function cli(
  args: string[],
  opts: { uid?: number } = {},
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((res) => {
    const c = spawn(process.execPath, [CLI, ...args, '--socket', socketPath], {
      cwd: projectRoot,
      ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.uid } : {}),
    });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('exit', (code) => res({ code: code ?? -1, out, err }));
  });
}
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

beforeAll(async () => {
  mkdirSync(work, { recursive: true });
  vault = createTestVault({ unlocked: true });
  const face = vault.requestFaceUnlock!.bind(vault);
  vault.requestFaceUnlock = async (reason, t) => {
    faceRequests++;
    await face(reason, t); // stands in for the app's face decision
  };
  services = createMainServices({
    appVersion: 'test',
    trustedOrigins: ['app://facevault'],
    files: { dataDir: join(root, 'data'), vault, chunkSize: 64 * 1024 },
  });
  channel = await startLocalChannel({ socketPath, files: await services.files(), vault });
});
afterAll(async () => {
  await channel.close();
  rmSync(root, { recursive: true, force: true });
});

describe('facevault lock / unlock through the running app', () => {
  it('the socket is private: 0700 folder, 0600 socket, kernel peer check on', () => {
    expect(statSync(runDir).mode & 0o777).toBe(0o700);
    expect(statSync(socketPath).mode & 0o777).toBe(0o600);
    expect(channel.peerCheck).toBe('kernel');
  });

  it('lock → the app lists it → unlock asks the app for a face match when the vault is locked', async () => {
    const p = join(work, 'tax return 2025.pdf');
    writeFileSync(p, randomBytes(300_000));
    const digest = sha(p);
    let r = await cli(['lock', p, '--json']);
    expect(r.code, r.err).toBe(0);
    const locked = JSON.parse(r.out) as { ok: boolean; containerPath: string; originalPath: string };
    expect(locked.ok).toBe(true);
    expect(existsSync(p)).toBe(false);
    expect(locked.containerPath).toMatch(/\/[a-z2-7]{26}\.fvlock$/);
    const view = (await services.files()).view();
    expect(view.items).toEqual([
      expect.objectContaining({
        displayName: 'tax return 2025.pdf',
        state: 'locked',
        kind: 'file',
        sizeBytes: 300_000,
      }),
    ]);

    vault.lock();
    r = await cli(['unlock', locked.containerPath, '--json']);
    expect(r.code, r.err).toBe(0);
    expect(faceRequests).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ ok: true, restoredPath: p });
    expect(sha(p)).toBe(digest);
    expect((await services.files()).view().items[0]).toMatchObject({ state: 'unlocked' });
  });

  it('the recovery passphrase is read on a terminal (pty), wrong → exit 6, right → unlocked', async () => {
    const p = join(work, 'notes.txt');
    writeFileSync(p, 'my notes');
    const r0 = await cli(['lock', p, '--json']);
    const { containerPath } = JSON.parse(r0.out) as { containerPath: string };
    const viaPty = (pass: string) =>
      new Promise<{ code: number; out: string }>((res) => {
        const cmd = [
          process.execPath,
          CLI,
          'unlock',
          containerPath,
          '--passphrase',
          '--json',
          '--socket',
          socketPath,
        ]
          .map((a) => `'${a}'`)
          .join(' ');
        const c = spawn('script', ['-qec', cmd, '/dev/null'], { cwd: projectRoot });
        let out = '';
        c.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('Recovery passphrase:') && !out.includes('\u0000sent')) {
            out += '\u0000sent';
            c.stdin.write(`${pass}\r`);
          }
        });
        c.on('exit', (code) => res({ code: code ?? -1, out }));
      });
    vault.lock();
    const bad = await viaPty('not it');
    expect(bad.code).toBe(6);
    expect(bad.out).not.toContain('not it'); // no echo
    expect(existsSync(containerPath)).toBe(true);
    const good = await viaPty(vault.passphrase);
    expect(good.code, good.out).toBe(0);
    expect(readFileSync(p, 'utf8')).toBe('my notes');
    // Piped stdin is refused: the passphrase never comes from a pipe or an argument.
    const piped = await cli(['unlock', containerPath, '--passphrase']);
    expect(piped.code).toBe(1);
  });

  it('refusals carry the stable code and exit code; nothing changes', async () => {
    const d = join(work, 'd');
    mkdirSync(d);
    writeFileSync(join(d, 'x'), 'x');
    const fifo = join(work, 'missing');
    let r = await cli(['lock', fifo, '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out)).toMatchObject({ ok: false, error: { code: 'FILELOCK_NOT_FOUND' } });
    const t = join(work, 'tampered');
    writeFileSync(t, 'secret');
    const locked = JSON.parse((await cli(['lock', t, '--json'])).out) as { containerPath: string };
    const bytes = readFileSync(locked.containerPath);
    bytes[bytes.length - 5]! ^= 1;
    writeFileSync(locked.containerPath, bytes);
    r = await cli(['unlock', locked.containerPath]);
    expect(r.code).toBe(3);
    expect(r.err).toContain('FILELOCK_INTEGRITY');
    expect(readFileSync(locked.containerPath).equals(bytes)).toBe(true);
    r = await cli(['unlock', join(work, 'x.fvlock')], {});
    expect(r.code).toBe(2);
  });

  it('no app running → exit 5 LOCAL_CHANNEL_UNAVAILABLE', async () => {
    const c = spawn(
      process.execPath,
      [CLI, 'lock', join(work, 'd', 'x'), '--socket', join(runDir, 'nobody-here.sock')],
      { cwd: projectRoot },
    );
    let err = '';
    c.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const code = await new Promise<number>((res) => c.on('exit', (x) => res(x ?? -1)));
    expect(code).toBe(5);
    expect(err).toContain('LOCAL_CHANNEL_UNAVAILABLE');
  });

  it.runIf(process.getuid?.() === 0)(
    'another user is refused by the kernel peer check even when the folder is opened up',
    async () => {
      chmodSync(runDir, 0o755);
      chmodSync(socketPath, 0o666);
      chmodSync(root, 0o755);
      try {
        // uid 65534 (nobody): the CLI's own folder check refuses first; talk to the socket directly instead.
        const script = `const s=require('net').connect(${JSON.stringify(socketPath)});s.setEncoding('utf8');let o='';s.on('data',d=>o+=d);s.on('connect',()=>s.write(JSON.stringify({v:1,op:'ping'})+'\\n'));s.on('close',()=>{process.stdout.write(o)});s.on('error',e=>process.stdout.write('ERR '+e.code))`;
        const out = await new Promise<string>((res) => {
          const c = spawn(process.execPath, ['-e', script], { uid: 65534, gid: 65534 });
          let o = '';
          c.stdout.on('data', (d: Buffer) => (o += d.toString()));
          c.on('exit', () => res(o));
        });
        expect(out).toContain('LOCAL_CHANNEL_DENIED');
      } finally {
        chmodSync(runDir, 0o700);
        chmodSync(socketPath, 0o600);
        chmodSync(root, 0o700);
      }
      // The same request from this user is answered.
      const mine = await cli(['lock', join(work, 'nothing'), '--json']);
      expect(JSON.parse(mine.out)).toMatchObject({ error: { code: 'FILELOCK_NOT_FOUND' } });
    },
  );
});
