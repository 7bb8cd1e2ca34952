/**
 * Where the app's CLI channel listens, computed the same way by the app and the CLI:
 *   FACEVAULT_SOCKET (tests, several instances) → $XDG_RUNTIME_DIR/facevault/cli.sock (Linux: a per-user
 *   0700 tmpfs, XDG Base Directory spec) → <userData>/run/cli.sock → on Windows the named pipe
 *   windowsPipeName() (docs/filelock-format.md "CLI channel — Windows"), token-checked (channel-proof.ts).
 * The CLI has no Electron: it derives userData as Electron does for the app name "facevault".
 */
import { createHash } from 'node:crypto';
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
  if (platform === 'win32') return windowsPipeName(userInfo().username, env.USERDOMAIN ?? '');
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime && isAbsolute(runtime)) return join(runtime, APP_DIR_NAME, 'cli.sock');
  return join(userData, 'run', 'cli.sock');
}

export const PIPE_PREFIX = '\\\\.\\pipe\\';
export const isNamedPipe = (p: string): boolean => p.startsWith(PIPE_PREFIX);

/**
 * The per-user pipe name: `\\.\pipe\facevault-cli-<first 16 bytes of SHA-256("DOMAIN\user"), hex>`.
 * Windows compares account names case-insensitively, so the name is lower-cased first. The pipe namespace
 * is machine-wide: another user can create this name first — the app then cannot listen (libuv creates
 * the first instance with FILE_FLAG_FIRST_PIPE_INSTANCE: EADDRINUSE) and a CLI that reaches an impostor
 * finds out from the token proof before it sends anything (channel-proof.ts).
 */
export function windowsPipeName(username: string, domain: string): string {
  const who = `${domain}\\${username}`.toLowerCase();
  return `${PIPE_PREFIX}facevault-cli-${createHash('sha256').update(who, 'utf8').digest('hex').slice(0, 32)}`;
}

/** Where the app keeps the channel token (channel-token-file.ts); both ends compute it from userData. */
export const channelTokenPath = (userData: string): string => join(userData, 'run', 'cli.token');
