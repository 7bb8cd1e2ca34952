/**
 * What protects this computer, in words and a tone: the one source of the status the home screen's tiles
 * and the settings' rows show (face unlock, desktop unlock, key protection, face models), so the two screens
 * can never say different things about the same state. Pure: it only reads what main reported.
 */
import type {
  AppStatus,
  DesktopUnlockStatus,
  EnrolmentStatus,
  VaultStatus,
} from '../../../shared/ipc-contract.ts';
import type { Tone } from './guidance.ts';

export interface StatusLine {
  readonly tone: Tone;
  /** The short state, shown as a pill: "On", "Not set up", "Verified"… */
  readonly label: string;
  /** One sentence saying what it means or what to do. */
  readonly detail: string;
}

const tries = (n: number) => `${n} ${n === 1 ? 'try' : 'tries'} before it locks.`;

export function faceUnlockStatus(e: EnrolmentStatus | null): StatusLine {
  // Not read (yet, or main could not read it: no models): nothing a person can unlock with.
  if (!e?.enrolled) return { tone: 'warn', label: 'Not set up', detail: 'Set it up in Settings.' };
  if (e.lockedOut)
    return {
      tone: 'bad',
      label: 'Locked after too many tries',
      detail: 'Only your recovery passphrase unlocks FaceVault until it is reset.',
    };
  return { tone: 'good', label: 'On', detail: tries(e.remainingAttempts) };
}

export function desktopUnlockStatus(d: DesktopUnlockStatus | null): StatusLine {
  if (!d) return { tone: 'neutral', label: 'Unavailable', detail: 'Checking your desktop session…' };
  if (!d.available)
    return { tone: 'neutral', label: 'Unavailable', detail: d.reason ?? 'Not available on this computer.' };
  return d.enabled
    ? { tone: 'good', label: 'On', detail: 'Your computer’s lock screen unlocks when it sees your face.' }
    : { tone: 'neutral', label: 'Off', detail: 'Unlock your computer’s lock screen with your face.' };
}

export function keyProtectionStatus(
  keyStore: AppStatus['keyStore'] | undefined,
  vault: VaultStatus | null,
): StatusLine {
  const detail =
    vault?.rollbackProtection === 'tpm-nv-counter'
      ? 'Rollback-protected by the TPM.'
      : 'Keys never leave this computer.';
  if (keyStore === 'tpm') return { tone: 'good', label: 'TPM chip', detail };
  if (keyStore === 'keychain') return { tone: 'good', label: 'System keyring', detail };
  if (keyStore === 'not-opened' || keyStore === undefined)
    return { tone: 'neutral', label: 'Not opened yet', detail: 'Opened when FaceVault first needs a key.' };
  return { tone: 'warn', label: 'Not available', detail: 'No TPM or system keyring could be opened.' };
}

export function faceModelsStatus(status: AppStatus | null): StatusLine {
  const detail = 'Signed and encrypted; checked before each use.';
  if (status?.models === 'ready') return { tone: 'good', label: 'Verified', detail };
  if (status?.models === 'error') return { tone: 'bad', label: 'Problem', detail };
  return { tone: 'neutral', label: 'Loading', detail };
}
