/**
 * Typed errors of the device key store (src/main/keys). Guarantees: every failure of a backend, of the
 * machine binding or of a key file surfaces as one of these five classes, each with a stable code from
 * src/shared/error-codes.ts and a message that (a) is safe to show and log: never key material, never a
 * path inside the key store, never raw tool output, and (b) tells the user what to do next.
 * Raw diagnostics (tool stderr, errno) travel only in `cause`, for local debugging.
 */
import { FaceVaultError } from '../errors/facevault-error.ts';

/** No usable backend (TPM tools / device / Secret Service / keytar native module missing). */
export class KeyBackendUnavailableError extends FaceVaultError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('KEY_BACKEND_UNAVAILABLE', message, options);
  }
}

/** The backend exists but refuses access right now (locked keyring, TPM lockout, owner auth, closed keys). */
export class KeyStoreLockedError extends FaceVaultError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('KEY_STORE_LOCKED', message, options);
  }
}

/** The device secret is missing while data protected by it exists. */
export class KeyNotFoundError extends FaceVaultError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('KEY_NOT_FOUND', message, options);
  }
}

/** Key material exists but belongs to another machine, another TPM or another device secret. */
export class KeyBindingError extends FaceVaultError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('KEY_BINDING_MISMATCH', message, options);
  }
}

/** Reading, writing or parsing a key file / sealed blob failed (I/O error, damaged or unsupported file). */
export class KeyStoreIoError extends FaceVaultError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('KEY_STORE_IO', message, options);
  }
}

/** User-facing messages, kept in one place so the UI and the docs say the same thing. */
export const KEY_MESSAGES = {
  noBackend:
    'FaceVault found no secure key storage on this computer. Install and start a Secret Service keyring ' +
    '(GNOME Keyring / KWallet) and log in again, or enable the TPM 2.0 (install tpm2-tools and add your ' +
    'user to the "tss" group). FaceVault never stores its keys in plain files.',
  tpmToolsMissing:
    'The TPM 2.0 tools are not installed. Install the "tpm2-tools" package, or use the OS keychain.',
  tpmEsapiMissing:
    'The TPM 2.0 software stack (tpm2-tss: libtss2-esys, libtss2-tctildr, libtss2-mu) could not be loaded. ' +
    'Install the "libtss2-esys-3.0.2-0" and "libtss2-tctildr0" packages, or use the OS keychain.',
  tpmNoDevice:
    'The TPM 2.0 device cannot be opened. Make sure the TPM is enabled in the firmware and that your user ' +
    'is in the "tss" group (then log out and back in).',
  tpmLockedOut:
    'The TPM refused access (dictionary-attack lockout or an owner password is set). Wait for the lockout ' +
    'to expire or ask your administrator to clear it, then try again.',
  tpmBinding:
    'The sealed device key belongs to another TPM, was altered, or the TPM was cleared. Your face data on ' +
    'this computer cannot be unlocked with it: re-enrol, and use your recovery passphrase for locked files.',
  tpmSrkChanged:
    "The TPM's storage root key, under which the device key was sealed, was removed or replaced (the TPM " +
    'was cleared or re-provisioned). Your face data on this computer cannot be unlocked with it: re-enrol, ' +
    'and use your recovery passphrase for locked files.',
  tpmDamaged:
    'The sealed device key file is damaged. Restore it from a backup, or re-enrol and use your recovery passphrase.',
  tpmFailed:
    'The TPM reported an unexpected error while handling the device key. Try again; if it persists, use the OS keychain.',
  keychainModuleMissing:
    'The OS keychain module could not be loaded. Reinstall FaceVault (on Linux, libsecret must be installed).',
  keychainNoService:
    'No keyring service (Secret Service) is running. Log in to a desktop session with GNOME Keyring or ' +
    'KWallet enabled, then try again.',
  keychainLocked:
    'Your login keyring is locked. Unlock your login keyring (log in again or open "Passwords and Keys") and retry.',
  keychainFailed:
    'The OS keychain reported an error while handling the device key. Unlock your login keyring and try again.',
  secretMissing:
    'The device key is missing from secure storage although FaceVault data exists on this computer. If your ' +
    'login keyring is locked, unlock it and retry; if the keyring or TPM was reset, re-enrol and use your ' +
    'recovery passphrase for locked files.',
  secretMalformed:
    'The stored device key has an unexpected format. Reset FaceVault device keys and re-enrol.',
  identityBinding:
    'The device identity belongs to another computer or another device key (data copied from elsewhere, or ' +
    'the keyring/TPM was reset). Re-enrol on this computer and use your recovery passphrase for locked files.',
  identityDamaged:
    'The device identity file is damaged. Restore it from a backup, or reset device keys and re-enrol.',
  identityUnsupported: 'The device identity file was written by a newer FaceVault. Update FaceVault.',
  tpmBlobUnsupported: 'The TPM-sealed device key file was written by a newer FaceVault. Update FaceVault.',
  fileIo:
    'FaceVault could not read or write its key files. Check that the data folder exists, is yours and is not full.',
  secretExists: 'A device key already exists in secure storage; FaceVault will not replace it.',
  closed: 'The device keys were closed. Reopen them (restart FaceVault) and try again.',
} as const;
