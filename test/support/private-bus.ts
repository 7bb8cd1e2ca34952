/**
 * Real D-Bus daemons for tests, in one place: a private `dbus-daemon` on its own socket with a configuration
 * of our own (no <servicedir>: nothing is D-Bus-activated behind a test's back), and Debian's python3-dbusmock
 * running one of its templates on such a bus (logind, notification_daemon, …). Every process is a direct child
 * of this process and is stopped by PID. Used by logind-mock.ts, notifications-mock.ts and secret-service.ts.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Debian's python3 (dbusmock is installed for it, not for other pythons on PATH). */
export const DEBIAN_PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

export function requireTools(tools: readonly string[], install: string): void {
  for (const tool of tools) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0)
      throw new Error(`${tool} is not installed: apt-get install ${install}`);
  }
}

export function requireDbusmock(): void {
  if (spawnSync(DEBIAN_PYTHON, ['-c', 'import dbusmock'], { stdio: 'ignore' }).status !== 0)
    throw new Error('python3-dbusmock is missing: apt-get install python3-dbusmock');
}

/** SIGTERM, then SIGKILL after 5 s; resolves once the child has exited. */
export async function stopChild(child: ChildProcess): Promise<void> {
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

export interface PrivateBus {
  readonly address: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * A session-type dbus-daemon listening on `dir`/bus (the folder must exist; its config file goes there too).
 * `env` is the daemon's environment (default: this process's).
 */
export async function startPrivateBus(
  dir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PrivateBus> {
  requireTools(['dbus-daemon'], 'dbus');
  const config = join(dir, 'bus.conf');
  await writeFile(
    config,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=${join(dir, 'bus')}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`,
    { mode: 0o600 },
  );
  const child = spawn(
    'dbus-daemon',
    [`--config-file=${config}`, '--nofork', '--nopidfile', '--print-address=1'],
    {
      env,
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  try {
    const address = await new Promise<string>((resolve, reject) => {
      let buf = '';
      const t = setTimeout(() => reject(new Error('dbus-daemon did not print its address')), 10_000);
      child.stdout?.on('data', (b: Buffer) => {
        buf += b.toString();
        const nl = buf.indexOf('\n');
        if (nl >= 0) {
          clearTimeout(t);
          resolve(buf.slice(0, nl).trim());
        }
      });
      child.once('exit', (code) => {
        clearTimeout(t);
        reject(new Error(`dbus-daemon exited (${String(code)})`));
      });
    });
    return { address, child, stop: () => stopChild(child) };
  } catch (e) {
    await stopChild(child);
    throw e;
  }
}

/** `gdbus call` on `address`; throws with gdbus's own message when the call fails. */
export function gdbusCall(
  address: string,
  dest: string,
  path: string,
  method: string,
  args: string[] = [],
): string {
  const r = spawnSync(
    'gdbus',
    ['call', '--address', address, '--dest', dest, '--object-path', path, '--method', method, ...args],
    {
      encoding: 'utf8',
      timeout: 10_000,
    },
  );
  if (r.status !== 0) throw new Error(`gdbus ${method} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

export function nameHasOwner(address: string, name: string): boolean {
  try {
    return gdbusCall(
      address,
      'org.freedesktop.DBus',
      '/org/freedesktop/DBus',
      'org.freedesktop.DBus.NameHasOwner',
      [name],
    ).includes('true');
  } catch {
    return false;
  }
}

export interface DbusmockInstance {
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * python3-dbusmock's `template` on the bus at `address`, as the bus it expects (`system`: logind; else the
 * session bus: notification_daemon); resolves once it owns `name`.
 */
export async function startDbusmock(
  address: string,
  template: string,
  name: string,
  opts: { system?: boolean; parameters?: Record<string, unknown> } = {},
): Promise<DbusmockInstance> {
  requireTools(['gdbus'], 'libglib2.0-bin');
  requireDbusmock();
  const env = { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: address, DBUS_SESSION_BUS_ADDRESS: address };
  const args = ['-m', 'dbusmock', ...(opts.system ? ['--system'] : []), '--template', template];
  if (opts.parameters) args.push('--parameters', JSON.stringify(opts.parameters));
  const child = spawn(DEBIAN_PYTHON, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 4000) stderr += d.toString();
  });
  for (let i = 0; i < 200; i++) {
    if (nameHasOwner(address, name)) return { child, stop: () => stopChild(child) };
    if (child.exitCode !== null) break;
    await sleep(50);
  }
  await stopChild(child);
  throw new Error(`dbusmock ${template} did not start: ${stderr}`);
}
