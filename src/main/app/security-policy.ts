/**
 * The window's security policy as pure functions, so it is unit-tested under plain Node and the Electron
 * glue (electron-window.ts) only wires it. Follows the Electron security checklist
 * (https://www.electronjs.org/docs/latest/tutorial/security): items 4 (sandbox/isolation), 5 (permission
 * handler), 7 (CSP), 13 (navigation), 14 (new windows), 17 (validate IPC sender, see ipc/sender-policy.ts),
 * 18 (custom protocol instead of file://).
 */
import { posix } from 'node:path';
import { normaliseOrigin } from '../../shared/origin.ts';

export const APP_SCHEME = 'app';
export const APP_HOST = 'facevault';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * Strict CSP: only the app's own scripts and styles, no inline script, no eval, no remote origin, no
 * network (`connect-src 'none'`): the renderer talks to main only through the preload bridge.
 * `extraConnectSrc` exists for the browser e2e harness, whose stand-in IPC transport is a loopback
 * WebSocket; the packaged app never passes it.
 */
export function buildCsp(extraConnectSrc: readonly string[] = []): string {
  const connect = extraConnectSrc.length > 0 ? extraConnectSrc.join(' ') : "'none'";
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob: mediastream:",
    "font-src 'self'",
    `connect-src ${connect}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-src 'none'",
    "frame-ancestors 'none'",
    "worker-src 'self'",
  ].join('; ');
}

export interface PermissionQuery {
  readonly permission: string;
  readonly requestingOrigin: string;
  /** For 'media': which kinds are asked for ('video', 'audio'). */
  readonly mediaTypes?: readonly string[];
  readonly isMainFrame: boolean;
}

/** Only video capture, only for the app's own top-level document. Microphone, notifications, etc.: no. */
export function isPermissionAllowed(q: PermissionQuery, appOrigin: string = APP_ORIGIN): boolean {
  if (q.permission !== 'media' || !q.isMainFrame) return false;
  if (normaliseOrigin(q.requestingOrigin) !== appOrigin) return false;
  // A check (not a request) carries no media types; a request must ask for video and nothing else.
  const types = q.mediaTypes ?? ['video'];
  return types.length > 0 && types.every((t) => t === 'video');
}

/** The app is a single page: every navigation away and every new window is denied. */
export function isNavigationAllowed(_targetUrl: string): boolean {
  return false;
}

/**
 * Maps an `app://facevault/<path>` request to a file under `root`, or null. Refuses other hosts, encoded
 * traversal (`..`, `%2e%2e`, backslashes, NUL), and anything that resolves outside `root`.
 */
export function resolveAppAsset(root: string, requestUrl: string): string | null {
  let u: URL;
  try {
    u = new URL(requestUrl);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  let path: string;
  try {
    path = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (path.includes('\0') || path.includes('\\')) return null;
  // The URL parser already folds literal and %2e dot-segments; any '..' left came from an encoded slash.
  if (path.split('/').includes('..')) return null;
  if (path === '/' || path === '') path = '/index.html';
  const normal = posix.normalize(path);
  const rootNorm = posix.normalize(root.replaceAll('\\', '/')).replace(/\/+$/, '');
  const full = posix.join(rootNorm, normal);
  return full.startsWith(`${rootNorm}/`) ? full : null;
}
