/**
 * The status words home's tiles and the settings' rows share (ui/status.ts): each state main can report
 * gets its own label, tone and sentence; only a working protection is green.
 */
import { describe, expect, it } from 'vitest';
import type { AppStatus, DesktopUnlockStatus, VaultStatus } from '../../../src/shared/ipc-contract.ts';
import {
  desktopUnlockStatus,
  faceModelsStatus,
  faceUnlockStatus,
  keyProtectionStatus,
} from '../../../src/renderer/src/ui/status.ts';

const desktop = (o: Partial<DesktopUnlockStatus>): DesktopUnlockStatus => ({
  available: true,
  reason: null,
  enabled: false,
  sessionLocked: false,
  verifying: false,
  lastEvent: 'none',
  lockScreenPrompt: 'notifications',
  ...o,
});

describe('status lines', () => {
  it('face unlock: on with the tries left, not set up, locked out, not read', () => {
    expect(faceUnlockStatus({ enrolled: true, lockedOut: false, remainingAttempts: 5 })).toEqual({
      tone: 'good',
      label: 'On',
      detail: '5 tries before it locks.',
    });
    expect(faceUnlockStatus({ enrolled: true, lockedOut: false, remainingAttempts: 1 }).detail).toBe(
      '1 try before it locks.',
    );
    expect(faceUnlockStatus({ enrolled: false, lockedOut: false, remainingAttempts: 5 })).toMatchObject({
      tone: 'warn',
      label: 'Not set up',
    });
    const out = faceUnlockStatus({ enrolled: true, lockedOut: true, remainingAttempts: 0 });
    expect(out).toMatchObject({ tone: 'bad', label: 'Locked after too many tries' });
    expect(out.detail, 'locked out says what still works, not "0 tries"').toMatch(/recovery passphrase/);
    expect(faceUnlockStatus(null), 'unread (or unreadable): not set up').toMatchObject({
      label: 'Not set up',
    });
  });

  it('desktop unlock: on, off, unavailable with the reason main gave', () => {
    expect(desktopUnlockStatus(desktop({ enabled: true }))).toMatchObject({ tone: 'good', label: 'On' });
    expect(desktopUnlockStatus(desktop({}))).toMatchObject({ tone: 'neutral', label: 'Off' });
    expect(
      desktopUnlockStatus(desktop({ available: false, reason: 'No logind session on this system.' })),
    ).toEqual({ tone: 'neutral', label: 'Unavailable', detail: 'No logind session on this system.' });
    expect(desktopUnlockStatus(null).label).toBe('Unavailable');
  });

  it('key protection: TPM, keyring, none; the TPM counter is named when it guards rollback', () => {
    const tpmVault = { rollbackProtection: 'tpm-nv-counter' } as VaultStatus; // only the field read
    expect(keyProtectionStatus('tpm', tpmVault)).toEqual({
      tone: 'good',
      label: 'TPM chip',
      detail: 'Rollback-protected by the TPM.',
    });
    expect(keyProtectionStatus('keychain', null)).toEqual({
      tone: 'good',
      label: 'System keyring',
      detail: 'Keys never leave this computer.',
    });
    expect(keyProtectionStatus('unavailable', null)).toMatchObject({ tone: 'warn', label: 'Not available' });
    expect(keyProtectionStatus('not-opened', null).tone).toBe('neutral');
  });

  it('face models: verified only when ready; an error is a problem; anything else is loading', () => {
    const s = (models: AppStatus['models']) => ({ models }) as AppStatus; // only the field read
    expect(faceModelsStatus(s('ready'))).toMatchObject({ tone: 'good', label: 'Verified' });
    expect(faceModelsStatus(s('error'))).toMatchObject({ tone: 'bad', label: 'Problem' });
    expect(faceModelsStatus(s('loading'))).toMatchObject({ tone: 'neutral', label: 'Loading' });
    expect(faceModelsStatus(null).label).toBe('Loading');
  });
});
