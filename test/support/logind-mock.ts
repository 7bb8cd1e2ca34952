/**
 * A mocked systemd-logind on a private, real D-Bus daemon, for the desktop-unlock tests: `dbus-daemon`
 * (session configuration, its own socket in a temp dir) plus Debian's python3-dbusmock running its `logind`
 * template as org.freedesktop.login1 on that bus, with one session added (AddSession). Both are direct
 * children of this process and are stopped by PID. The test side drives the "screen locker" through the
 * same bus with gdbus: Session.Lock / SetLockedHint, as GNOME Shell does, and reads what FaceVault called
 * from dbusmock's call log (org.freedesktop.DBus.Mock.GetCalls).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SESSION_ID = 'c1';
export const SESSION_PATH = `/org/freedesktop/login1/session/${SESSION_ID}`;

export interface LogindMock {
  readonly busAddress: string;
  /** What the OS does on `loginctl lock-session`: logind emits Lock, the screen locker sets LockedHint. */
  lockFromOs(): void;
  /** What the screen locker does when the user typed their password. */
  unlockFromOs(): void;
  lockedHint(): boolean;
  /** Names of the Session methods called on the mock so far (Lock, Unlock, SetLockedHint, …). */
  sessionCalls(): string[];
  stop(): Promise<void>;
}

/** Debian's python3 (dbusmock is installed for it, not for other pythons on PATH). */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

function gdbus(address: string, args: string[]): string {
  const r = spawnSync('gdbus', ['call', '--address', address, '--dest', 'org.freedesktop.login1', ...args], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (r.status !== 0) throw new Error(`gdbus ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGTERM');
  const t = setTimeout(() => {
    if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  }, 5_000);
  await exited;
  clearTimeout(t);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startLogindMock(): Promise<LogindMock> {
  for (const tool of ['dbus-daemon', 'gdbus']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0)
      throw new Error(`${tool} is missing: apt-get install dbus libglib2.0-bin`);
  }
  if (spawnSync(PYTHON, ['-c', 'import dbusmock']).status !== 0)
    throw new Error('python3-dbusmock is missing: apt-get install python3-dbusmock');
  const root = await mkdtemp(join(tmpdir(), 'fv-logind-'));
  const busAddress = `unix:path=${join(root, 'bus')}`;
  const daemon = spawn('dbus-daemon', ['--session', '--nofork', '--nopidfile', `--address=${busAddress}`], {
    stdio: 'ignore',
  });
  const env = { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: busAddress, DBUS_SESSION_BUS_ADDRESS: busAddress };
  for (let i = 0; i < 100 && !existsSync(join(root, 'bus')); i++) await sleep(50);
  const mock = spawn(PYTHON, ['-m', 'dbusmock', '--system', '--template', 'logind'], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  mock.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  // Wait until the mock owns its name.
  let up = false;
  for (let i = 0; i < 200 && !up; i++) {
    const r = spawnSync(
      'gdbus',
      [
        'call',
        '--address',
        busAddress,
        '--dest',
        'org.freedesktop.DBus',
        '--object-path',
        '/org/freedesktop/DBus',
        '--method',
        'org.freedesktop.DBus.NameHasOwner',
        'org.freedesktop.login1',
      ],
      { encoding: 'utf8' },
    );
    up = r.status === 0 && r.stdout.includes('true');
    if (!up) await sleep(50);
  }
  if (!up) {
    await stopChild(mock);
    await stopChild(daemon);
    throw new Error(`dbusmock logind did not start: ${stderr}`);
  }
  gdbus(busAddress, [
    '--object-path',
    '/org/freedesktop/login1',
    '--method',
    'org.freedesktop.DBus.Mock.AddSession',
    SESSION_ID,
    'seat0',
    '1000',
    'owner',
    'true',
  ]);
  const session = (method: string, ...args: string[]) =>
    gdbus(busAddress, [
      '--object-path',
      SESSION_PATH,
      '--method',
      `org.freedesktop.login1.Session.${method}`,
      ...args,
    ]);

  return {
    busAddress,
    lockFromOs() {
      session('Lock');
      session('SetLockedHint', 'true');
    },
    unlockFromOs() {
      session('SetLockedHint', 'false');
    },
    lockedHint() {
      const out = gdbus(busAddress, [
        '--object-path',
        SESSION_PATH,
        '--method',
        'org.freedesktop.DBus.Properties.Get',
        'org.freedesktop.login1.Session',
        'LockedHint',
      ]);
      return out.includes('true');
    },
    sessionCalls() {
      const out = gdbus(busAddress, [
        '--object-path',
        SESSION_PATH,
        '--method',
        'org.freedesktop.DBus.Mock.GetCalls',
      ]);
      // GetCalls → a(tsav): (timestamp, 'Method', [args]); keep the method names.
      // gdbus prints the type annotation ("uint64") on the first element only.
      return [...out.matchAll(/\((?:uint64 )?\d+, '(\w+)'/g)].map((m) => m[1]!);
    },
    async stop() {
      await stopChild(mock);
      await stopChild(daemon);
      await rm(root, { recursive: true, force: true });
    },
  };
}
