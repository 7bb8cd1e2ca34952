/**
 * A private, real Secret Service for tests: a session dbus-daemon plus
 * `gnome-keyring-daemon --foreground --unlock --components=secrets`, both direct children of this process,
 * with a fresh HOME and XDG_RUNTIME_DIR (mode 0700). Stopped by PID. Fails loudly if a part is missing.
 * keytar/libsecret connect to DBUS_SESSION_BUS_ADDRESS the first time they are used, so set it in
 * process.env (useInProcess) before keytar is first loaded; vitest runs each test file in its own fork.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTools, startPrivateBus, stopChild } from './private-bus.ts';

export interface SecretServiceInstance {
  readonly root: string;
  readonly busAddress: string;
  /** Environment for child processes that should talk to this Secret Service. */
  readonly env: NodeJS.ProcessEnv;
  /** Points this process's libsecret at the instance (before keytar is first used). */
  useInProcess(): void;
  /** Locks the login collection over D-Bus (simulates a locked keyring). */
  lock(): void;
  stop(): Promise<void>;
}

function dbusSend(env: NodeJS.ProcessEnv, args: string[]): { status: number | null; out: string } {
  const r = spawnSync('dbus-send', ['--session', '--print-reply', ...args], {
    env,
    encoding: 'utf8',
    timeout: 5_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

export async function startSecretService(opts: { password?: string } = {}): Promise<SecretServiceInstance> {
  requireTools(['dbus-daemon', 'dbus-send', 'gnome-keyring-daemon'], 'dbus gnome-keyring libsecret-tools');
  const password = opts.password ?? 'fv-test-keyring-password';
  const root = await mkdtemp(join(tmpdir(), 'fv-secrets-'));
  const home = join(root, 'home');
  const runtime = join(root, 'run');
  await mkdir(home, { mode: 0o700 });
  await mkdir(runtime, { mode: 0o700 });
  const baseEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_RUNTIME_DIR: runtime,
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    LANG: 'C',
  };
  const children: ChildProcess[] = [];
  const cleanup = async (): Promise<void> => {
    for (const c of children.reverse()) await stopChild(c);
    await rm(root, { recursive: true, force: true });
  };
  try {
    // A bus of our own without <servicedir> (private-bus.ts): nothing is D-Bus-activated behind our back (a
    // stray, unmanaged gnome-keyring-daemon would otherwise grab org.freedesktop.secrets first).
    const bus = await startPrivateBus(runtime, baseEnv);
    children.push(bus.child);
    const busAddress = bus.address;
    const env: NodeJS.ProcessEnv = { ...baseEnv, DBUS_SESSION_BUS_ADDRESS: busAddress };
    let gkErr = '';
    const gk = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], {
      env,
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    children.push(gk);
    gk.stderr?.on('data', (b: Buffer) => {
      if (gkErr.length < 4000) gkErr += b.toString();
    });
    gk.stdin?.end(password);
    // Ready when the service owns its name and the default collection alias resolves.
    const deadline = Date.now() + 15_000;
    for (;;) {
      const r = dbusSend(env, [
        '--dest=org.freedesktop.secrets',
        '/org/freedesktop/secrets',
        'org.freedesktop.Secret.Service.ReadAlias',
        'string:default',
      ]);
      if (r.status === 0 && /object path "\/org\/freedesktop\/secrets\/collection\//.test(r.out)) break;
      if (gk.exitCode !== null) throw new Error(`gnome-keyring-daemon exited: ${gkErr}`);
      if (Date.now() > deadline) throw new Error(`Secret Service not ready: ${r.out} ${gkErr}`);
      await new Promise((res) => setTimeout(res, 50));
    }
    let stopped = false;
    return {
      root,
      busAddress,
      env,
      useInProcess() {
        process.env.DBUS_SESSION_BUS_ADDRESS = busAddress;
      },
      lock() {
        const r = dbusSend(env, [
          '--dest=org.freedesktop.secrets',
          '/org/freedesktop/secrets',
          'org.freedesktop.Secret.Service.Lock',
          'array:objpath:/org/freedesktop/secrets/collection/login',
        ]);
        if (r.status !== 0) throw new Error(`could not lock the keyring: ${r.out}`);
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        await cleanup();
      },
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
