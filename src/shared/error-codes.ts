/**
 * Stable error codes, grouped by concern. Codes are part of the public contract (IPC results, CLI exit
 * reasons, logs): never rename one; add new ones instead. Runtime-free apart from the const list.
 */
export const ERROR_CODES = [
  // ipc: the door into the main process
  'IPC_UNTRUSTED_SENDER',
  'IPC_UNKNOWN_CHANNEL',
  'IPC_INVALID_PAYLOAD',
  'IPC_PAYLOAD_TOO_LARGE',
  'IPC_RATE_LIMITED',
  'IPC_BUSY',
  'IPC_INTERNAL',
  // camera frames
  'FRAME_INVALID',
  // key store and device binding
  'KEY_BACKEND_UNAVAILABLE',
  'KEY_STORE_LOCKED',
  'KEY_NOT_FOUND',
  'KEY_BINDING_MISMATCH',
  'KEY_STORE_IO',
  'KEY_FILE_INVALID',
  /** A private key file accessible by group or others (the CLI names the exact chmod). */
  'KEY_FILE_PERMISSIONS',
  // model bundles and licences
  'BUNDLE_MALFORMED',
  'BUNDLE_UNSUPPORTED',
  'BUNDLE_SIGNATURE_INVALID',
  'BUNDLE_INTEGRITY',
  'LICENSE_INVALID',
  'LICENSE_WRONG_DEVICE',
  'MODEL_LOAD_FAILED',
  'MODEL_NOT_LOADED',
  // face pipeline, enrolment, verification
  'FACE_NOT_FOUND',
  'FACE_QUALITY',
  'ENROLMENT_NOT_FOUND',
  /** Enrolment refused: the feed is not one live continuous scene (frozen, looped, re-timed, a slideshow). */
  'ENROLMENT_FEED_NOT_LIVE',
  /** Enrolment refused: another person appeared between the views (a template never mixes two people). */
  'ENROLMENT_PERSON_CHANGED',
  /** Enrolment refused: the frames came from another camera part-way through. */
  'ENROLMENT_CAMERA_CHANGED',
  'TEMPLATE_CORRUPT',
  'VERIFY_LOCKED_OUT',
  'STATE_CORRUPT',
  'MODEL_CATALOG_INVALID',
  'MODEL_CATALOG_SIGNATURE',
  'BUNDLE_NOT_IN_CATALOG',
  // files FaceVault keeps (templates, counters, licences): a write or read failed below the format
  'STORAGE_IO',
  // the app's own resources (renderer, preload, worker) against the manifest sealed at build time
  'APP_INTEGRITY',
  // the vault key, the recovery passphrase, owner proof and the authenticated auth state (src/main/vault)
  'VAULT_NOT_SET_UP',
  'VAULT_ALREADY_SET_UP',
  'VAULT_LOCKED',
  'PASSPHRASE_WRONG',
  'PASSPHRASE_WEAK',
  'PASSPHRASE_RATE_LIMITED',
  'OWNER_PROOF_REQUIRED',
  'AUTH_STATE_ROLLBACK',
  'AUTH_STATE_MISSING',
  'AUTH_ANCHOR_UNAVAILABLE',
  // file locking (docs/filelock-format.md): what is refused before anything is touched, and why
  'FILELOCK_NOT_FOUND',
  'FILELOCK_SYMLINK',
  'FILELOCK_NOT_REGULAR',
  'FILELOCK_HARD_LINKED',
  'FILELOCK_SPARSE',
  'FILELOCK_UNREADABLE',
  'FILELOCK_NOT_WRITABLE',
  'FILELOCK_ALREADY_LOCKED',
  'FILELOCK_SOURCE_CHANGED',
  'FILELOCK_TARGET_EXISTS',
  'FILELOCK_MALFORMED',
  'FILELOCK_UNSUPPORTED',
  'FILELOCK_INTEGRITY',
  'FILELOCK_WRONG_VAULT',
  'FILELOCK_VAULT_LOCKED',
  'FILELOCK_BUSY',
  'FILELOCK_NO_SPACE',
  'FILELOCK_IO',
  'FILELOCK_UNKNOWN_ITEM',
  'FILELOCK_CANCELLED',
  'FILELOCK_INDEX_DAMAGED',
  'FILELOCK_WORKER_FAILED',
  // the CLI's local channel to the running app (same OS user only)
  'LOCAL_CHANNEL_UNAVAILABLE',
  'LOCAL_CHANNEL_DENIED',
  'LOCAL_CHANNEL_PROTOCOL',
  // the OS login session (desktop unlock)
  'DESKTOP_UNAVAILABLE',
  'DESKTOP_SESSION_FAILED',
  /** The lock-screen prompt of a background desktop unlock could not be shown (no notification server). */
  'DESKTOP_PROMPT_UNAVAILABLE',
  // the stored face data was made by other face models (a model update changed the embedding)
  'TEMPLATE_MODEL_CHANGED',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export const isErrorCode = (x: unknown): x is ErrorCode =>
  typeof x === 'string' && (ERROR_CODES as readonly string[]).includes(x);
