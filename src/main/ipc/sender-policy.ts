/**
 * Decides whether an IPC message comes from a frame we trust: the app's own top-level document, served
 * from one of the trusted origins (in the packaged app only `app://facevault`). Follows the Electron
 * security checklist item "Validate the sender of all IPC messages". Sub-frames, navigated-away frames
 * (null URL) and any other origin are refused.
 */
import { normaliseOrigin } from '../../shared/origin.ts';

export interface SenderInfo {
  /** URL of the sending frame as reported by the browser process (never by the renderer itself). */
  readonly url: string | null;
  readonly isMainFrame: boolean;
  /** Stable id of the sending web contents, for per-sender rate limits. */
  readonly id: number;
}

export function isTrustedSender(sender: SenderInfo, trustedOrigins: readonly string[]): boolean {
  if (!sender.isMainFrame || sender.url === null) return false;
  const origin = normaliseOrigin(sender.url);
  return origin !== null && trustedOrigins.includes(origin);
}
