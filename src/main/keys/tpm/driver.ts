/**
 * The one interface both TPM drivers implement (tools-driver.ts: tpm2-tools 5.x processes; esapi-driver.ts:
 * tpm2-tss's Enhanced System API in-process) and the key store uses (tpm-store.ts), with no per-driver
 * branch there. A driver is an explicit instance bound to one TCTI (driver-select.ts `createTpmDriver`); it
 * holds no secret between calls and keeps no state across calls but its configuration.
 *
 * Contract, for every driver:
 *  - the same TPM objects: the transient primary is `tpm2_createprimary -C o -g sha256 -G ecc`'s, the sealed
 *    object `tpm2_create -i`'s (keyedhash, SHA-256, fixedtpm|fixedparent|userwithauth), and `pub` / `priv`
 *    are the marshaled TPM2B_PUBLIC / TPM2B_PRIVATE, so a blob file written through one is read by the other;
 *  - only the parent it is given is used; an SRK parent that is gone or has another TPM name fails with
 *    KeyBindingError(KEY_MESSAGES.tpmSrkChanged), never a fallback to another parent;
 *  - every transient object a call loads is flushed before it returns (where no resource manager does it);
 *  - failures are the key store's typed errors (KEY_BACKEND_UNAVAILABLE, KEY_STORE_LOCKED,
 *    KEY_BINDING_MISMATCH, KEY_STORE_IO); the secret is wiped from every buffer the driver owns;
 *  - calls are NOT serialised by the driver: callers run each operation (or a sequence that must not be
 *    interleaved, e.g. readSrkName then seal) inside command-queue.ts `serialised`, the TPM's process-wide
 *    queue. Drivers never call `serialised` themselves (nesting would deadlock the queue).
 *
 * NV indices — the vault's monotonic counter (TPM_NT_COUNTER: define, read public, read, increment,
 * undefine) — are TPM commands of the same kind and join this interface as further members with the same
 * contract, so that they run on whichever driver was chosen; until then keys/tpm/tools-nv-counter.ts runs
 * them through tpm2-tools itself, serialised through the same queue.
 */
import type { SealParent } from './blob-format.ts';

/** A driver, by name. */
export type TpmDriver = 'esapi' | 'tools';
/** Which driver to use: 'auto' = esapi when koffi and the tpm2-tss libraries load, else tools. */
export type TpmDriverChoice = 'auto' | 'esapi' | 'tools';

export type TpmProbeResult = { readonly usable: true } | { readonly usable: false; readonly reason: Error };

/** The sealed object's marshaled public and private areas (what the blob file stores). */
export interface SealedObject {
  readonly pub: Uint8Array;
  readonly priv: Uint8Array;
}

export interface TpmDriverOps {
  readonly name: TpmDriver;
  /** Whether the TPM answers through this driver (opens the TCTI; creates nothing). Never throws. */
  probe(): Promise<TpmProbeResult>;
  /**
   * The TPM name of the object at the SRK handle 0x81000001 when it is an SRK we may seal under (srk.ts
   * rules), null when the handle is empty or holds anything else. Loads nothing. Throws the typed error
   * when the TPM cannot be asked.
   */
  readSrkName(): Promise<Uint8Array | null>;
  /** TPM2_Create of a sealed-data object holding `secret` (1..128 bytes; not wiped here) under `parent`. */
  seal(parent: SealParent, secret: Uint8Array): Promise<SealedObject>;
  /** TPM2_Load under `parent` + TPM2_Unseal: the secret (the caller wipes it). */
  unseal(parent: SealParent, sealed: SealedObject): Promise<Uint8Array>;
}

/**
 * A driver that cannot run (the esapi driver asked for by name whose libraries do not load): probe reports
 * `reason`, every operation throws it. An instance like the others, so the store has no special case.
 */
export function unavailableDriver(name: TpmDriver, reason: Error): TpmDriverOps {
  const fail = (): Promise<never> => Promise.reject(reason);
  return {
    name,
    probe: () => Promise.resolve({ usable: false, reason }),
    readSrkName: fail,
    seal: fail,
    unseal: fail,
  };
}
