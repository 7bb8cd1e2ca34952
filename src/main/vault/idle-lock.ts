/**
 * Locks the vault after the idle time the owner chose (AppSettings.idleLockMinutes; 0 = never), measured as
 * the OS's own input-idle time (Electron's powerMonitor.getSystemIdleTime, passed in by the glue) so that
 * typing in any app counts as activity. Checks every `everyMs` (default 15 s) while the vault is unlocked;
 * the idle setting is re-read from the authenticated state at each check. Pure: no Electron import.
 */
import type { Vault } from './vault.ts';

export interface IdleLockOptions {
  /** Seconds since the last user input anywhere on the desktop. */
  readonly idleSeconds: () => number;
  readonly vault: () => Vault | null;
  readonly everyMs?: number;
}

export interface IdleLock {
  /** One check now (the timer calls it). Resolves whether it locked. */
  check(): Promise<boolean>;
  stop(): void;
}

export function startIdleLock(o: IdleLockOptions): IdleLock {
  let busy = false;
  const check = async (): Promise<boolean> => {
    const v = o.vault();
    if (!v || !v.isUnlocked() || busy) return false;
    busy = true;
    try {
      const { idleLockMinutes } = await v.getSettings();
      if (idleLockMinutes > 0 && o.idleSeconds() >= idleLockMinutes * 60) {
        v.lock('idle');
        return true;
      }
      return false;
    } catch {
      v.lock('idle'); // the settings cannot be read (state refused): fail closed
      return true;
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void check(), o.everyMs ?? 15_000);
  timer.unref?.();
  return { check, stop: () => clearInterval(timer) };
}
