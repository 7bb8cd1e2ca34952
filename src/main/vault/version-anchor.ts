/**
 * Where the auth state's version is anchored outside the file system. Implementations:
 *  - keys/tpm/tools-nv-counter.ts: a TPM 2.0 NV index of type counter (TPM 2.0 Library Part 1 §37.2.2, TPM_NT_COUNTER):
 *    it can only ever increase, survives reboots and file restores, and cannot be set back by anyone short
 *    of deleting the index (which needs the owner hierarchy and is detected as a missing anchor);
 *  - NO_ANCHOR: keychain machines. There the version is only inside the MAC'd file, so an attacker who can
 *    write the user's files can restore an older, authentic state (SECURITY.md states this limit).
 */
export interface VersionAnchor {
  readonly kind: 'tpm-nv-counter' | 'none';
  /** The NV index in use (TPM only). */
  readonly nvIndex: number | null;
  /** The current anchored version, or null when no anchor exists yet (fresh device key). */
  read(): Promise<bigint | null>;
  /** Creates the anchor (first setup) and returns its first value; an existing one is reused (never reset). */
  create(): Promise<bigint>;
  /** Increments by one and returns the new value. */
  increment(): Promise<bigint>;
}

export const NO_ANCHOR: VersionAnchor = {
  kind: 'none',
  nvIndex: null,
  read: async () => null,
  create: async () => 1n,
  increment: async () => {
    throw new Error('no anchor to increment');
  },
};
