/**
 * Where the app's CLI channel listens, computed the same way by the app and the CLI:
 *   FACEVAULT_SOCKET (tests, several instances) → $XDG_RUNTIME_DIR/facevault/cli.sock (Linux: a per-user
 *   0700 tmpfs, XDG Base Directory spec) → <userData>/run/cli.sock → on Windows the named pipe
 *   \\.\pipe\facevault-cli-<user> (not implemented here: see docs/filelock-format.md §CLI channel).
 * The CLI has no Electron: it derives userData as Electron does for the app name "facevault".
 */
import { homedir, userInfo } from 'node:os';
import { isAbsolute, join } from 'node:path';

export const APP_DIR_NAME = 'facevault';

export function electronUserData(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', APP_DIR_NAME);
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), APP_DIR_NAME);
  const config =
    env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(config, APP_DIR_NAME);
}

export function defaultSocketPath(
  userData: string = electronUserData(),
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  if (env.FACEVAULT_SOCKET) return env.FACEVAULT_SOCKET;
  if (platform === 'win32')
    return `\\\\.\\pipe\\facevault-cli-${userInfo().username.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime && isAbsolute(runtime)) return join(runtime, APP_DIR_NAME, 'cli.sock');
  return join(userData, 'run', 'cli.sock');
}
