/**
 * The OS login session as FaceVault sees it: is it locked, lock it, unlock it, and tell me when that
 * changes. One implementation per platform behind this interface (Linux: systemd-logind over D-Bus,
 * logind-dbus.ts); platforms without one get `unavailableSession` with the reason in plain words, never a
 * pretend implementation.
 */
import { FaceVaultError } from '../errors/facevault-error.ts';

export interface DesktopSession {
  /** Null when the session can be driven; else why not (shown to the user as is). */
  readonly unavailableReason: string | null;
  /** Connects and reads the current state; rejects with DesktopSessionError when that fails. */
  open(): Promise<void>;
  isLocked(): boolean;
  /** Asks the OS to lock the session (its screen locker shows). */
  lock(): Promise<void>;
  /** Asks the OS to unlock the session (its screen locker is dismissed). */
  unlock(): Promise<void>;
  /** Called with the new state whenever the session is locked or unlocked; returns an unsubscribe. */
  onChange(listener: (locked: boolean) => void): () => void;
  close(): void;
}

/** The session backend refused or failed a call (logind unreachable, call refused). */
export class DesktopSessionError extends FaceVaultError {
  constructor(message: string, unavailable = false) {
    super(unavailable ? 'DESKTOP_UNAVAILABLE' : 'DESKTOP_SESSION_FAILED', message);
  }
}

/** Where no session backend exists (another OS, no logind session): every call says why. */
export function unavailableSession(reason: string): DesktopSession {
  const refuse = async (): Promise<never> => {
    throw new DesktopSessionError(reason, true);
  };
  return {
    unavailableReason: reason,
    open: refuse,
    isLocked: () => false,
    lock: refuse,
    unlock: refuse,
    onChange: () => () => {},
    close: () => {},
  };
}

/** What other platforms need, in the words the settings screen shows. */
export function platformUnavailableReason(platform: string): string | null {
  switch (platform) {
    case 'linux':
      return null;
    case 'win32':
      return 'Unlocking Windows itself needs a Windows credential provider (a signed native DLL loaded by LogonUI); FaceVault does not ship one yet.';
    case 'darwin':
      return 'macOS lets only Apple’s own authorisation plug-ins unlock the login session; FaceVault cannot unlock it.';
    default:
      return `Desktop unlock is not supported on ${platform}.`;
  }
}
