/**
 * A mocked systemd-logind on a private, real D-Bus daemon, for the desktop-unlock tests: `dbus-daemon`
 * (private-bus.ts: its own configuration and socket in a temp dir) plus Debian's python3-dbusmock running its `logind`
 * template as org.freedesktop.login1 on that bus, with one session added (AddSession). Both are direct
 * children of this process and are stopped by PID. The test side drives the "screen locker" through the
 * same bus with gdbus: Session.Lock / SetLockedHint, as GNOME Shell does, and reads what FaceVault called
 * from dbusmock's call log (org.freedesktop.DBus.Mock.GetCalls).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gdbusCall, startDbusmock, startPrivateBus } from './private-bus.ts';

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

export async function startLogindMock(): Promise<LogindMock> {
  const root = await mkdtemp(join(tmpdir(), 'fv-logind-'));
  const bus = await startPrivateBus(root).catch(async (e: unknown) => {
    await rm(root, { recursive: true, force: true });
    throw e;
  });
  const busAddress = bus.address;
  const mock = await startDbusmock(busAddress, 'logind', 'org.freedesktop.login1', { system: true }).catch(
    async (e: unknown) => {
      await bus.stop();
      await rm(root, { recursive: true, force: true });
      throw e;
    },
  );
  const call = (path: string, method: string, ...args: string[]): string =>
    gdbusCall(busAddress, 'org.freedesktop.login1', path, method, args);
  call(
    '/org/freedesktop/login1',
    'org.freedesktop.DBus.Mock.AddSession',
    SESSION_ID,
    'seat0',
    '1000',
    'owner',
    'true',
  );
  const session = (method: string, ...args: string[]) =>
    call(SESSION_PATH, `org.freedesktop.login1.Session.${method}`, ...args);

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
      const out = call(
        SESSION_PATH,
        'org.freedesktop.DBus.Properties.Get',
        'org.freedesktop.login1.Session',
        'LockedHint',
      );
      return out.includes('true');
    },
    sessionCalls() {
      const out = call(SESSION_PATH, 'org.freedesktop.DBus.Mock.GetCalls');
      // GetCalls → a(tsav): (timestamp, 'Method', [args]); keep the method names.
      // gdbus prints the type annotation ("uint64") on the first element only.
      return [...out.matchAll(/\((?:uint64 )?\d+, '(\w+)'/g)].map((m) => m[1]!);
    },
    async stop() {
      await mock.stop();
      await bus.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}
