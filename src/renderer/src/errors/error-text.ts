/**
 * Every failure the lower layers report, in words a person understands, each with what to do about it.
 * One table, keyed by the stable codes of src/shared/error-codes.ts: a code added there without a line here
 * fails the typecheck (the Record is exhaustive) and the unit test. The `tone` says how the UI shows it:
 * 'blocking' stops face unlock until the person acts, 'retry' is worth another go, 'internal' is our bug.
 */
import type { ErrorCode } from '../../../shared/error-codes.ts';
import type { ErrorInfo } from '../../../shared/result.ts';

export interface PersonMessage {
  readonly title: string;
  /** What to do, as an instruction. */
  readonly action: string;
  readonly tone: 'blocking' | 'retry' | 'internal';
}

const REINSTALL =
  'Reinstall FaceVault from its official installer. Your face data and locked files stay on this computer.';

export const ERROR_TEXT: { readonly [C in ErrorCode]: PersonMessage } = {
  IPC_UNTRUSTED_SENDER: {
    title: 'This page is not FaceVault.',
    action: 'Close it and open FaceVault from your applications menu.',
    tone: 'blocking',
  },
  IPC_UNKNOWN_CHANNEL: {
    title: 'This part of FaceVault does not match the rest.',
    action: REINSTALL,
    tone: 'internal',
  },
  IPC_INVALID_PAYLOAD: {
    title: 'FaceVault sent itself a request it could not read.',
    action: 'Try again. If it keeps happening, restart FaceVault.',
    tone: 'internal',
  },
  IPC_PAYLOAD_TOO_LARGE: {
    title: 'That was too much data at once.',
    action: 'Try again with a smaller selection.',
    tone: 'retry',
  },
  IPC_RATE_LIMITED: {
    title: 'Too many requests in a short time.',
    action: 'Wait a moment, then try again.',
    tone: 'retry',
  },
  IPC_BUSY: {
    title: 'FaceVault is still finishing the previous step.',
    action: 'Wait a moment, then try again.',
    tone: 'retry',
  },
  IPC_INTERNAL: {
    title: 'Something went wrong inside FaceVault.',
    action: 'Try again. If it keeps happening, restart FaceVault.',
    tone: 'internal',
  },
  FRAME_INVALID: {
    title: 'The camera picture could not be read.',
    action: 'Choose another camera in Settings, or reconnect this one.',
    tone: 'retry',
  },
  KEY_BACKEND_UNAVAILABLE: {
    title: 'No secure key storage is available on this computer.',
    action:
      'Turn on the TPM in your firmware settings, or install and unlock a keyring (GNOME Keyring, KWallet), then restart FaceVault.',
    tone: 'blocking',
  },
  KEY_STORE_LOCKED: {
    title: 'Your keyring is locked.',
    action:
      'Unlock your keyring (log in to your desktop again or open Passwords and Keys), then press Try again.',
    tone: 'blocking',
  },
  KEY_NOT_FOUND: {
    title: 'FaceVault’s device key is missing.',
    action:
      'If you reset your keyring or TPM, set up FaceVault again. Your recovery passphrase still opens your locked files.',
    tone: 'blocking',
  },
  KEY_BINDING_MISMATCH: {
    title: 'These FaceVault files belong to another computer.',
    action: 'FaceVault data cannot be copied between computers. Set up face unlock again on this one.',
    tone: 'blocking',
  },
  KEY_FILE_PERMISSIONS: {
    title: 'A private key file can be read by other users.',
    action: 'Make it readable by you only (chmod 600 on the file named in the details), then try again.',
    tone: 'blocking',
  },
  KEY_STORE_IO: {
    title: 'FaceVault could not read or write its key storage.',
    action: 'Check that your disk is not full and your home folder is writable, then try again.',
    tone: 'retry',
  },
  KEY_FILE_INVALID: {
    title: 'FaceVault’s key file is damaged.',
    action: 'Set up face unlock again. Your recovery passphrase still opens your locked files.',
    tone: 'blocking',
  },
  BUNDLE_MALFORMED: { title: 'A face model file is damaged.', action: REINSTALL, tone: 'blocking' },
  BUNDLE_UNSUPPORTED: {
    title: 'A face model is too new for this version of FaceVault.',
    action: 'Update FaceVault to the latest version.',
    tone: 'blocking',
  },
  BUNDLE_SIGNATURE_INVALID: {
    title: 'A face model is not signed by its vendor: it may have been tampered with.',
    action: `Face unlock stays off so a modified model cannot unlock. ${REINSTALL}`,
    tone: 'blocking',
  },
  BUNDLE_INTEGRITY: {
    title: 'A face model was changed on disk: it may have been tampered with.',
    action: `Face unlock stays off so a modified model cannot unlock. ${REINSTALL}`,
    tone: 'blocking',
  },
  LICENSE_INVALID: {
    title: 'The licence of a face model is not valid.',
    action: 'Ask the model’s vendor for a new licence, or reinstall FaceVault to use its built-in models.',
    tone: 'blocking',
  },
  LICENSE_WRONG_DEVICE: {
    title: 'The face model licence was issued to another computer.',
    action: 'Licences are tied to one computer. Ask the vendor for a licence for this one.',
    tone: 'blocking',
  },
  MODEL_LOAD_FAILED: {
    title: 'The face models could not be started.',
    action: 'Restart FaceVault. If it keeps happening, reinstall it.',
    tone: 'blocking',
  },
  MODEL_NOT_LOADED: {
    title: 'The face models are not loaded.',
    action:
      'Face unlock is off until they load. Use your recovery passphrase meanwhile; see Settings › Models for the reason.',
    tone: 'blocking',
  },
  FACE_NOT_FOUND: {
    title: 'No face was found.',
    action: 'Sit in front of the camera, about an arm’s length away, in good light.',
    tone: 'retry',
  },
  FACE_QUALITY: {
    title: 'The picture of your face was not clear enough.',
    action: 'Face the camera in even light and hold still for a moment.',
    tone: 'retry',
  },
  ENROLMENT_FEED_NOT_LIVE: {
    title: 'Setup stopped: this does not look like a live camera picture.',
    action:
      'Set up your face in front of the camera itself, not a photo, a screen or a recording, and keep the camera still. Then try again.',
    tone: 'retry',
  },
  ENROLMENT_PERSON_CHANGED: {
    title: 'Setup stopped: someone else came into view.',
    action: 'Only the person setting up face unlock should be in front of the camera. Try again.',
    tone: 'retry',
  },
  ENROLMENT_CAMERA_CHANGED: {
    title: 'Setup stopped: the camera changed part-way through.',
    action: 'Use one camera for the whole setup and try again.',
    tone: 'retry',
  },
  ENROLMENT_NOT_FOUND: {
    title: 'Face unlock is not set up yet.',
    action: 'Set it up in Settings › Face.',
    tone: 'blocking',
  },
  TEMPLATE_CORRUPT: {
    title: 'Your stored face data is damaged or was replaced.',
    action: 'Unlock with your recovery passphrase, then set up face unlock again.',
    tone: 'blocking',
  },
  TEMPLATE_MODEL_CHANGED: {
    title: 'Your face data was set up with earlier face models.',
    action: 'Unlock with your recovery passphrase, then set up face unlock again.',
    tone: 'blocking',
  },
  VERIFY_LOCKED_OUT: {
    title: 'Face unlock is locked after too many failed attempts.',
    action: 'Unlock with your recovery passphrase to turn it back on.',
    tone: 'blocking',
  },
  STATE_CORRUPT: {
    title: 'FaceVault’s security records were changed or rolled back.',
    action:
      'Face unlock is off to be safe. Unlock with your recovery passphrase, then set up face unlock again.',
    tone: 'blocking',
  },
  MODEL_CATALOG_INVALID: {
    title: 'The list of face models is damaged.',
    action: REINSTALL,
    tone: 'blocking',
  },
  MODEL_CATALOG_SIGNATURE: {
    title: 'The list of face models is not signed by its vendor: it may have been tampered with.',
    action: REINSTALL,
    tone: 'blocking',
  },
  BUNDLE_NOT_IN_CATALOG: {
    title: 'A face model was replaced with one FaceVault does not know.',
    action: REINSTALL,
    tone: 'blocking',
  },
  APP_INTEGRITY: {
    title: 'FaceVault’s own files were changed.',
    action: `Face unlock is off until this is fixed. ${REINSTALL}`,
    tone: 'blocking',
  },
  VAULT_NOT_SET_UP: {
    title: 'FaceVault is not set up yet.',
    action: 'Choose a recovery passphrase first; setup then captures your face.',
    tone: 'blocking',
  },
  VAULT_ALREADY_SET_UP: {
    title: 'FaceVault is already set up on this computer.',
    action: 'Unlock with your face or your recovery passphrase instead.',
    tone: 'blocking',
  },
  VAULT_LOCKED: {
    title: 'FaceVault is locked.',
    action: 'Unlock with your face or your recovery passphrase, then try again.',
    tone: 'retry',
  },
  PASSPHRASE_WRONG: {
    title: 'That recovery passphrase is not correct.',
    action: 'Check the keyboard layout and Caps Lock, then type it again.',
    tone: 'retry',
  },
  PASSPHRASE_WEAK: {
    title: 'That passphrase is too easy to guess.',
    action: 'Use at least four unrelated words, or a longer phrase only you know.',
    tone: 'retry',
  },
  PASSPHRASE_RATE_LIMITED: {
    title: 'Too many wrong passphrases.',
    action: 'Wait until the countdown ends, then try again.',
    tone: 'retry',
  },
  OWNER_PROOF_REQUIRED: {
    title: 'This change needs proof that you are the owner.',
    action: 'Enter your recovery passphrase (or unlock with your face) and try again within a minute.',
    tone: 'retry',
  },
  AUTH_STATE_ROLLBACK: {
    title: 'FaceVault’s security records were replaced with an older copy.',
    action:
      'Face unlock is off to be safe. Unlock with your recovery passphrase, then set up your face again.',
    tone: 'blocking',
  },
  AUTH_STATE_MISSING: {
    title: 'FaceVault’s security records are missing.',
    action:
      'If you restored or cleaned your home folder, set FaceVault up again. Your recovery passphrase still opens files locked before.',
    tone: 'blocking',
  },
  AUTH_ANCHOR_UNAVAILABLE: {
    title: 'The TPM security chip did not answer.',
    action:
      'Restart the computer. If it keeps happening, check that the TPM is enabled in your firmware settings.',
    tone: 'blocking',
  },
  STORAGE_IO: {
    title: 'FaceVault could not read or write its files.',
    action: 'Check that your disk is not full and that your home folder is writable, then try again.',
    tone: 'retry',
  },
  FILELOCK_NOT_FOUND: {
    title: 'That file or folder is not there any more.',
    action: 'Check that it was not moved or deleted, then try again.',
    tone: 'retry',
  },
  FILELOCK_SYMLINK: {
    title: 'That is a shortcut (symbolic link), not the file itself.',
    action: 'Lock the file or folder it points to instead.',
    tone: 'retry',
  },
  FILELOCK_NOT_REGULAR: {
    title: 'Only ordinary files and folders can be locked.',
    action: 'Devices, sockets and pipes cannot be locked; choose a normal file.',
    tone: 'retry',
  },
  FILELOCK_HARD_LINKED: {
    title: 'That file also exists under another name (a hard link).',
    action: 'Remove the other name first, so no unlocked copy stays behind.',
    tone: 'retry',
  },
  FILELOCK_SPARSE: {
    title: 'That file has holes (a sparse file) and cannot be locked safely.',
    action: 'Copy it to a normal file first, then lock the copy.',
    tone: 'retry',
  },
  FILELOCK_UNREADABLE: {
    title: 'FaceVault cannot read that file.',
    action: 'Check its permissions (it must be readable by you), then try again.',
    tone: 'retry',
  },
  FILELOCK_NOT_WRITABLE: {
    title: 'FaceVault cannot write in that folder.',
    action: 'Choose a file in a folder you can write to, or change its permissions.',
    tone: 'retry',
  },
  FILELOCK_ALREADY_LOCKED: {
    title: 'That is already locked.',
    action: 'Find it in the list of locked items.',
    tone: 'retry',
  },
  FILELOCK_SOURCE_CHANGED: {
    title: 'The file changed while it was being locked.',
    action: 'Close the program using it, then lock it again. Nothing was lost.',
    tone: 'retry',
  },
  FILELOCK_TARGET_EXISTS: {
    title: 'Something with that name is already there.',
    action: 'Move or rename it, then try again. Nothing was overwritten.',
    tone: 'retry',
  },
  FILELOCK_MALFORMED: {
    title: 'That locked file is damaged or not a FaceVault file.',
    action: 'It was left untouched. Restore it from a backup if you have one.',
    tone: 'blocking',
  },
  FILELOCK_UNSUPPORTED: {
    title: 'This locked file needs a newer FaceVault, or file locking is not available here.',
    action: 'Update FaceVault, then try again.',
    tone: 'blocking',
  },
  FILELOCK_INTEGRITY: {
    title: 'That locked file was changed or cut short: it may have been tampered with.',
    action: 'It was left untouched and not opened. Restore it from a backup if you have one.',
    tone: 'blocking',
  },
  FILELOCK_WRONG_VAULT: {
    title: 'That file was locked by another FaceVault (another person or computer).',
    action: 'Open it on the computer that locked it.',
    tone: 'blocking',
  },
  FILELOCK_VAULT_LOCKED: {
    title: 'Verify it is you first.',
    action: 'Unlock FaceVault with your face or your recovery passphrase, then try again.',
    tone: 'retry',
  },
  FILELOCK_BUSY: {
    title: 'FaceVault is still working on another file.',
    action: 'Wait for it to finish, then try again.',
    tone: 'retry',
  },
  FILELOCK_NO_SPACE: {
    title: 'The disk is full.',
    action:
      'Free some space (the locked copy needs about as much as the file), then try again. Nothing was lost.',
    tone: 'retry',
  },
  FILELOCK_IO: {
    title: 'FaceVault could not read or write the file.',
    action: 'Check the disk and that the folder is still there, then try again. Nothing was lost.',
    tone: 'retry',
  },
  FILELOCK_UNKNOWN_ITEM: {
    title: 'That item is no longer in the list.',
    action: 'Refresh the list and try again.',
    tone: 'retry',
  },
  FILELOCK_CANCELLED: {
    title: 'The file operation was cancelled.',
    action: 'Nothing was changed. Start again when you are ready.',
    tone: 'retry',
  },
  FILELOCK_INDEX_DAMAGED: {
    title: 'FaceVault’s list of your locked files was damaged.',
    action:
      'Your locked files are safe and still open: unlock one from its folder or with the facevault command.',
    tone: 'blocking',
  },
  FILELOCK_WORKER_FAILED: {
    title: 'FaceVault stopped while encrypting or decrypting the file.',
    action:
      'Nothing was changed: the original is as it was. Try again; if it happens again, restart FaceVault.',
    tone: 'retry',
  },
  LOCAL_CHANNEL_UNAVAILABLE: {
    title: 'The FaceVault app is not running for the command line.',
    action: 'Start FaceVault, then run the command again.',
    tone: 'retry',
  },
  LOCAL_CHANNEL_DENIED: {
    title: 'Only your own user account may talk to your FaceVault.',
    action: 'Run the command as the user who runs FaceVault.',
    tone: 'blocking',
  },
  LOCAL_CHANNEL_PROTOCOL: {
    title: 'The command line and the app do not understand each other.',
    action: 'Use the command that came with this FaceVault version.',
    tone: 'internal',
  },
  DESKTOP_UNAVAILABLE: {
    title: 'Desktop unlock is not available here.',
    action: 'See the reason under Settings › Desktop unlock.',
    tone: 'blocking',
  },
  DESKTOP_SESSION_FAILED: {
    title: 'FaceVault could not reach your desktop session.',
    action: 'Lock your screen with your desktop’s own shortcut; if it keeps happening, log out and in again.',
    tone: 'retry',
  },
  DESKTOP_PROMPT_UNAVAILABLE: {
    title: 'FaceVault could not show its prompts on your lock screen.',
    action:
      'Face unlock of the desktop still works; your desktop needs a notification service to show what to do.',
    tone: 'retry',
  },
};

const UNKNOWN: PersonMessage = {
  title: 'Something went wrong.',
  action: 'Try again. If it keeps happening, restart FaceVault.',
  tone: 'internal',
};

/** The person-facing message for a failed call; unknown codes (a newer main) get a generic line. */
export function explain(e: ErrorInfo | null | undefined): PersonMessage {
  if (!e) return UNKNOWN;
  return Object.hasOwn(ERROR_TEXT, e.code) ? ERROR_TEXT[e.code] : UNKNOWN;
}

/** The error code at the start of a status problem line ("BUNDLE_INTEGRITY: …"), if any. */
export function codeOfProblem(problem: string | null): ErrorCode | null {
  const m = problem ? /^([A-Z_]+):/.exec(problem) : null;
  return m && Object.hasOwn(ERROR_TEXT, m[1]!) ? (m[1] as ErrorCode) : null;
}
