/**
 * Persistence and version anchoring of the one authenticated auth state (auth-state.ts).
 *
 * Write protocol (anchored): the new state is written atomically with version = anchor + 1, then the TPM
 * counter is incremented. Read protocol: the MAC is checked, then the version against the anchor (TPM at the
 * first read of this process, the last version this process wrote or saw afterwards):
 *   version = anchor          → current;
 *   version = anchor + 1      → the app stopped between the two write steps: the counter is rolled forward;
 *   anything else             → a rollback (an older authentic file restored, or a whole state copied from an
 *                               earlier enrolment). The state is NEUTRALISED and re-anchored: template
 *                               dropped, face locked out, passphrase back-off started, settings back to
 *                               defaults, and AuthStateRollbackError (AUTH_STATE_ROLLBACK) thrown once. Only
 *                               the recovery passphrase then reopens the vault, and the face must be enrolled
 *                               again (with that proof): restoring a file never buys an attempt.
 * A missing file while the anchor exists is AuthStateMissingError (never a silent fresh start); a bad MAC is
 * STATE_CORRUPT. Every read-modify-write runs in one in-process queue, so two updates never interleave.
 * Without an anchor (keychain machines) the version only lives in the file: rollbacks there are not
 * detectable (SECURITY.md, VaultStatus.rollbackProtection = 'none').
 */
import { dirname } from 'node:path';
import { readBoundedFileIfExists, type BoundedReadOptions } from '../storage/bounded-read.ts';
import { ensurePrivateDir, writeFileAtomic } from '../storage/atomic-write.ts';
import { cannotSave, StorageIoError } from '../storage/storage-errors.ts';
import {
  DEFAULT_SETTINGS,
  decodeAuthState,
  encodeAuthState,
  MAX_AUTH_STATE_BYTES,
  type AuthState,
} from './auth-state.ts';
import { passphraseBackoffMs, ROLLBACK_PENALTY_FAILURES } from './passphrase-limits.ts';
import type { VersionAnchor } from './version-anchor.ts';
import {
  AuthAnchorUnavailableError,
  AuthStateCorruptError,
  AuthStateMissingError,
  AuthStateRollbackError,
} from './vault-errors.ts';

export interface AuthStateStoreOptions {
  /** Absolute path of the state file. */
  readonly file: string;
  /** deriveKey('auth-state'): the MAC key (the store keeps it until close()). */
  readonly macKey: Uint8Array;
  readonly anchor: VersionAnchor;
  readonly now?: () => number;
}

export interface AuthStateStore {
  readonly rollbackProtection: 'tpm-nv-counter' | 'none';
  /** The current state, or null before setup. See the header for the errors. */
  read(): Promise<AuthState | null>;
  /** First write (setup): fails if a state (or its anchor) exists. */
  create(build: (init: { version: string; anchor: AuthState['anchor'] }) => AuthState): Promise<AuthState>;
  /** Serialised read-modify-write of an existing state; `fn` returns the next state (version is set here). */
  update(fn: (s: AuthState) => AuthState | Promise<AuthState>): Promise<AuthState>;
  /** Wipes the MAC key. */
  close(): void;
}

const save = cannotSave('the sign-in data');
const READ: BoundedReadOptions = {
  maxBytes: MAX_AUTH_STATE_BYTES * 2,
  symlinks: 'refuse',
  // An I/O failure is the storage's; anything else about the file (a link, a FIFO, too large) is corrupt.
  refuse: (why) =>
    why.kind === 'io'
      ? new StorageIoError(`cannot read the sign-in data (${why.code})`)
      : new AuthStateCorruptError(),
};

export function neutraliseRolledBack(old: AuthState, now: number): AuthState {
  const failures = Math.max(old.passphraseAttempts.failures, ROLLBACK_PENALTY_FAILURES);
  return {
    ...old,
    enrolment: null,
    face: { failures: 0, lockedOut: true },
    passphraseAttempts: { failures, retryAt: now + passphraseBackoffMs(failures) },
    settings: { ...DEFAULT_SETTINGS },
    rollbacksDetected: old.rollbacksDetected + 1,
  };
}

export function createAuthStateStore(o: AuthStateStoreOptions): AuthStateStore {
  const now = o.now ?? Date.now;
  const macKey = Uint8Array.from(o.macKey);
  /** The highest version this process knows to be current (anchor value, or last seen unanchored). */
  let known: bigint | null = null;
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  };
  const anchored = o.anchor.kind === 'tpm-nv-counter';

  const readFile = async (): Promise<AuthState | null> => {
    const raw = await readBoundedFileIfExists(o.file, READ);
    return raw === null ? null : decodeAuthState(raw, macKey);
  };

  const writeFile = async (s: AuthState): Promise<void> => {
    await ensurePrivateDir(dirname(o.file), save);
    await writeFileAtomic(o.file, encodeAuthState(s, macKey), { fail: save });
  };

  /** Advances the anchor to `version` (which we have just written). */
  const advance = async (version: bigint): Promise<void> => {
    if (!anchored) {
      known = version;
      return;
    }
    const v = await o.anchor.increment();
    known = v;
    if (v !== version)
      throw new AuthAnchorUnavailableError({ cause: new Error('the TPM counter moved outside FaceVault') });
  };

  const neutralise = async (old: AuthState): Promise<never> => {
    // Re-anchor: a fresh counter if the old one is gone, else one past the current value.
    const current = (await o.anchor.read()) ?? (await o.anchor.create());
    const version = current + 1n;
    const anchor: AuthState['anchor'] =
      o.anchor.nvIndex !== null ? { kind: 'tpm-nv-counter', nvIndex: o.anchor.nvIndex } : old.anchor;
    await writeFile({ ...neutraliseRolledBack(old, now()), version: version.toString(), anchor });
    await advance(version);
    throw new AuthStateRollbackError();
  };

  const load = async (): Promise<AuthState | null> => {
    const s = await readFile();
    if (!anchored) {
      if (s !== null) known = BigInt(s.version);
      return s;
    }
    if (known === null) known = await o.anchor.read();
    if (s === null) {
      if (known !== null) throw new AuthStateMissingError();
      return null;
    }
    const v = BigInt(s.version);
    if (known !== null && s.anchor.kind === 'tpm-nv-counter' && s.anchor.nvIndex === o.anchor.nvIndex) {
      if (v === known) return s;
      if (v === known + 1n) {
        await advance(v); // finish a write interrupted between file and counter
        return s;
      }
    }
    return neutralise(s);
  };

  return {
    rollbackProtection: anchored ? 'tpm-nv-counter' : 'none',
    read: () => serial(load),
    create: (build) =>
      serial(async () => {
        if ((await load()) !== null) throw new Error('auth state already exists');
        const first = anchored ? await o.anchor.create() : 0n;
        const version = first + (anchored ? 1n : 1n);
        const anchor: AuthState['anchor'] =
          anchored && o.anchor.nvIndex !== null
            ? { kind: 'tpm-nv-counter', nvIndex: o.anchor.nvIndex }
            : { kind: 'none' };
        const s = { ...build({ version: version.toString(), anchor }), version: version.toString(), anchor };
        await writeFile(s);
        await advance(version);
        return s;
      }),
    update: (fn) =>
      serial(async () => {
        const cur = await load();
        if (cur === null) throw new Error('no auth state to update');
        const version = BigInt(cur.version) + 1n;
        const next = {
          ...(await fn(cur)),
          version: version.toString(),
          anchor: cur.anchor,
          stateId: cur.stateId,
        };
        await writeFile(next);
        await advance(version);
        return next;
      }),
    close() {
      macKey.fill(0);
    },
  };
}
