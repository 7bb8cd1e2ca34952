/**
 * In-process TPM 2.0 access for the esapi driver (esapi-driver.ts): a minimal binding (koffi FFI) to the TCG TSS 2.0 Enhanced
 * System API as implemented by tpm2-tss (Debian libtss2-esys.so.0, libtss2-tctildr.so.0, libtss2-mu.so.0).
 * Specs: TCG "TSS 2.0 Enhanced System API (ESAPI) Specification" (Esys_*), "TSS 2.0 TCTI Loader Library
 * Specification" (Tss2_TctiLdr_*), "TSS 2.0 Marshaling/Unmarshaling API Specification" (Tss2_MU_*), TPM 2.0
 * Library Part 2 (structures, TPM_RC) and Part 3 (TPM2_CreatePrimary, Create, Load, Unseal, ReadPublic,
 * GetCapability).
 * Only what the store needs is bound; no C struct is laid out by hand: every TPM structure crosses the FFI
 * boundary as TPM wire bytes, turned into / out of the library's own C structs by Tss2_MU_* into opaque
 * buffers, and every length, offset and return code is checked.
 * Guarantees:
 *  - the same TPM objects as tpm2-tools 5.x: the primary template is byte for byte the one
 *    `tpm2_createprimary -C o -g sha256 -G ecc` uses (from its --template-data), the sealed-object template
 *    the one of `tpm2_create -i` (keyedhash, SHA-256, fixedtpm|fixedparent|userwithauth); public / private
 *    blobs are the marshaled TPM2B_PUBLIC / TPM2B_PRIVATE the tools write with -u / -r, so blobs move freely
 *    between the two drivers;
 *  - every transient object created in a session is flushed, and the ESYS and TCTI contexts are finalised,
 *    in `finally` (a persistent SRK is only referenced, never flushed or evicted);
 *  - the secret never leaves memory: to seal, it is marshaled into a TPM2B_SENSITIVE_CREATE in buffers we
 *    wipe after the call; on unseal, the library-allocated TPM2B_SENSITIVE_DATA is copied out and wiped
 *    before Esys_Free, and our marshaling buffer is wiped. (The TSS's internal command/response buffer is
 *    freed by Esys_Finalize without wiping — the same exposure as inside a tpm2-tools process.);
 *  - TSS2_RC values map to typed errors: TCTI layer / TCTI load → KEY_BACKEND_UNAVAILABLE, lockout /
 *    authorisation → KEY_STORE_LOCKED, integrity / policy → KEY_BINDING_MISMATCH, MU errors → KEY_STORE_IO
 *    (damaged), else KEY_STORE_IO. The numeric RC is kept in `cause` only.
 * Every call that talks to the TPM runs on a koffi worker thread (`.async`), so the main thread is never
 * blocked for the TPM command time; the marshaling calls (pure, microseconds) stay synchronous.
 * The libraries are dlopen()ed by soname; if koffi or any library is missing, `loadEsapi` throws
 * KeyBackendUnavailableError. Nothing here writes the environment. tpm2-tss prints its own diagnostics to
 * stderr at its default level (WARNING) and offers no API to change that — tpm2-tss 3.2.x exports no log
 * symbol, each module reads `TSS2_LOG` with getenv() at its first log call into a static, and the upstream
 * callback proposal (tpm2-tss PR #2087) was never merged — so `TSS2_LOG` stays the user's own switch. The
 * expected "no SRK" case is asked with TPM2_GetCapability first (`readPersistent`), so the normal paths
 * print nothing; genuine failures print the library's lines (function names and return codes, never data)
 * besides the typed error.
 * Size (~630 lines, over the ~400 guideline on purpose): it is the one FFI surface of the app; the bindings,
 * the return-code mapping and the eight TPM commands share the same unexported marshalling helpers and
 * checks, and splitting them would export those internals.
 */
import { createRequire } from 'node:module';
import {
  KEY_MESSAGES,
  KeyBackendUnavailableError,
  KeyBindingError,
  KeyStoreIoError,
  KeyStoreLockedError,
} from '../key-errors.ts';

export interface EsapiSonames {
  readonly esys: string;
  readonly tctildr: string;
  readonly mu: string;
}
export const DEFAULT_SONAMES: EsapiSonames = {
  esys: 'libtss2-esys.so.0',
  tctildr: 'libtss2-tctildr.so.0',
  mu: 'libtss2-mu.so.0',
};

// ESYS_TR constants (tss2_esys.h) and TPM handles.
const ESYS_TR_NONE = 0xfff;
const ESYS_TR_PASSWORD = 0x0ff;
const ESYS_TR_RH_OWNER = 0x101;
const TPM_CAP_HANDLES = 0x00000001;

/** TPMT_PUBLIC of `tpm2_createprimary -C o -g sha256 -G ecc` (tpm2-tools 5.x --template-data): ECC P-256,
 * SHA-256, fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|decrypt (0x00030072), empty policy,
 * AES-128-CFB, scheme NULL, curve NIST P-256, KDF NULL, empty unique. */
export const PRIMARY_TEMPLATE = Uint8Array.from([
  0x00, 0x23, 0x00, 0x0b, 0x00, 0x03, 0x00, 0x72, 0x00, 0x00, 0x00, 0x06, 0x00, 0x80, 0x00, 0x43, 0x00, 0x10,
  0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00,
]);
/** TPMT_PUBLIC of `tpm2_create -i` (tpm2-tools 5.x --template-data): keyedhash, SHA-256,
 * fixedtpm|fixedparent|userwithauth (0x52), empty policy, scheme NULL, empty unique. */
export const SEAL_TEMPLATE = Uint8Array.from([
  0x00, 0x08, 0x00, 0x0b, 0x00, 0x00, 0x00, 0x52, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00,
]);

// Opaque buffers for the library's C structs: comfortably above sizeof() in tpm2-tss 3.x/4.x
// (TPM2B_PUBLIC ≈ 616, TPM2B_PRIVATE ≈ 1552, TPM2B_SENSITIVE_CREATE ≈ 200, zero TPM2B_DATA / TPML_PCR_SELECTION).
const STRUCT_BYTES = 8192;
const SENSITIVE_DATA_STRUCT_BYTES = 130; // TPM2B_SENSITIVE_DATA: UINT16 + BYTE[sizeof(TPMU_SENSITIVE_CREATE) = 128]
const MAX_WIRE = 4096;

type Fn = ((...args: unknown[]) => unknown) & { async?: (...args: unknown[]) => void };

/**
 * Runs a bound function on one of koffi's worker threads (its `.async` member) and resolves with its return
 * value, so a TPM command never blocks the calling (main) thread. Output parameters are filled before the
 * promise resolves. The ESYS context is used by one call at a time (every session method awaits each call,
 * and the store serialises sessions through command-queue.ts), which is all tpm2-tss asks of a context.
 */
function callAsync(f: Fn, ...args: unknown[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    if (typeof f.async !== 'function') {
      reject(new TypeError('koffi function without an async member'));
      return;
    }
    f.async(...args, (err: unknown, res: unknown) => {
      if (err) reject(err instanceof Error ? err : new Error('koffi async call failed'));
      else resolve(res);
    });
  });
}
interface Bindings {
  readonly koffi: { view(ref: unknown, len: number): ArrayBuffer };
  readonly tctiInit: Fn;
  readonly tctiFinalize: Fn;
  readonly esysInit: Fn;
  readonly esysFinalize: Fn;
  readonly esysFree: Fn;
  readonly createPrimary: Fn;
  readonly create: Fn;
  readonly load: Fn;
  readonly unseal: Fn;
  readonly flush: Fn;
  readonly fromTpmPublic: Fn;
  readonly readPublic: Fn;
  readonly getCapability: Fn;
  readonly muCapDataMarshal: Fn;
  readonly muPublicUnmarshal: Fn;
  readonly muPublicMarshal: Fn;
  readonly muPrivateUnmarshal: Fn;
  readonly muPrivateMarshal: Fn;
  readonly muSensCreateUnmarshal: Fn;
  readonly muSensDataMarshal: Fn;
  readonly muNameMarshal: Fn;
}

interface KoffiModule {
  load(path: string): { func(definition: string): Fn };
  view(ref: unknown, len: number): ArrayBuffer;
}

function bind(sonames: EsapiSonames): Bindings {
  let koffi: KoffiModule;
  try {
    koffi = createRequire(import.meta.url)('koffi') as KoffiModule;
  } catch (cause) {
    throw new KeyBackendUnavailableError(KEY_MESSAGES.tpmEsapiMissing, { cause });
  }
  let esys, tctildr, mu;
  try {
    for (const s of [sonames.esys, sonames.tctildr, sonames.mu]) {
      if (!/^lib[A-Za-z0-9_.+-]+\.so(\.\d+)*$/.test(s)) throw new TypeError('invalid soname');
    }
    tctildr = koffi.load(sonames.tctildr);
    mu = koffi.load(sonames.mu);
    esys = koffi.load(sonames.esys);
  } catch (cause) {
    throw new KeyBackendUnavailableError(KEY_MESSAGES.tpmEsapiMissing, { cause });
  }
  const H = 'uint32_t'; // ESYS_TR
  const S = `${H} s1, ${H} s2, ${H} s3`;
  try {
    return {
      koffi,
      tctiInit: tctildr.func('uint32_t Tss2_TctiLdr_Initialize(const char *conf, _Out_ void **tcti)'),
      tctiFinalize: tctildr.func('void Tss2_TctiLdr_Finalize(_Inout_ void **tcti)'),
      esysInit: esys.func('uint32_t Esys_Initialize(_Out_ void **ctx, void *tcti, void *abi)'),
      esysFinalize: esys.func('void Esys_Finalize(_Inout_ void **ctx)'),
      esysFree: esys.func('void Esys_Free(void *ptr)'),
      createPrimary: esys.func(
        `uint32_t Esys_CreatePrimary(void *ctx, ${H} primary, ${S}, void *inSensitive, void *inPublic, void *outsideInfo, void *creationPcr, _Out_ ${H} *handle, void *outPublic, void *creationData, void *creationHash, void *creationTicket)`,
      ),
      create: esys.func(
        `uint32_t Esys_Create(void *ctx, ${H} parent, ${S}, void *inSensitive, void *inPublic, void *outsideInfo, void *creationPcr, _Out_ void **outPrivate, _Out_ void **outPublic, void *creationData, void *creationHash, void *creationTicket)`,
      ),
      load: esys.func(
        `uint32_t Esys_Load(void *ctx, ${H} parent, ${S}, void *inPrivate, void *inPublic, _Out_ ${H} *handle)`,
      ),
      unseal: esys.func(`uint32_t Esys_Unseal(void *ctx, ${H} item, ${S}, _Out_ void **outData)`),
      flush: esys.func(`uint32_t Esys_FlushContext(void *ctx, ${H} handle)`),
      fromTpmPublic: esys.func(
        `uint32_t Esys_TR_FromTPMPublic(void *ctx, uint32_t tpmHandle, ${S}, _Out_ ${H} *object)`,
      ),
      readPublic: esys.func(
        `uint32_t Esys_ReadPublic(void *ctx, ${H} object, ${S}, _Out_ void **outPublic, _Out_ void **name, void *qualifiedName)`,
      ),
      getCapability: esys.func(
        `uint32_t Esys_GetCapability(void *ctx, ${S}, uint32_t capability, uint32_t property, uint32_t count, _Out_ uint8_t *moreData, _Out_ void **data)`,
      ),
      muCapDataMarshal: mu.func(
        'uint32_t Tss2_MU_TPMS_CAPABILITY_DATA_Marshal(void *src, void *buf, size_t size, _Inout_ size_t *offset)',
      ),
      muPublicUnmarshal: mu.func(
        'uint32_t Tss2_MU_TPM2B_PUBLIC_Unmarshal(void *buf, size_t size, _Inout_ size_t *offset, void *dest)',
      ),
      muPublicMarshal: mu.func(
        'uint32_t Tss2_MU_TPM2B_PUBLIC_Marshal(void *src, void *buf, size_t size, _Inout_ size_t *offset)',
      ),
      muPrivateUnmarshal: mu.func(
        'uint32_t Tss2_MU_TPM2B_PRIVATE_Unmarshal(void *buf, size_t size, _Inout_ size_t *offset, void *dest)',
      ),
      muPrivateMarshal: mu.func(
        'uint32_t Tss2_MU_TPM2B_PRIVATE_Marshal(void *src, void *buf, size_t size, _Inout_ size_t *offset)',
      ),
      muSensCreateUnmarshal: mu.func(
        'uint32_t Tss2_MU_TPM2B_SENSITIVE_CREATE_Unmarshal(void *buf, size_t size, _Inout_ size_t *offset, void *dest)',
      ),
      muSensDataMarshal: mu.func(
        'uint32_t Tss2_MU_TPM2B_SENSITIVE_DATA_Marshal(void *src, void *buf, size_t size, _Inout_ size_t *offset)',
      ),
      muNameMarshal: mu.func(
        'uint32_t Tss2_MU_TPM2B_NAME_Marshal(void *src, void *buf, size_t size, _Inout_ size_t *offset)',
      ),
    };
  } catch (cause) {
    throw new KeyBackendUnavailableError(KEY_MESSAGES.tpmEsapiMissing, { cause });
  }
}

// ---- return codes -----------------------------------------------------------------------------------------
const LAYER_TPM = 0;
const LAYER_MU = 9;
const LAYER_TCTI = 10;
const TPM_RC_INTEGRITY = 0x09f;
const TPM_RC_POLICY_FAIL = 0x09d;
const TPM_RC_AUTH_FAIL = 0x08e;
const TPM_RC_BAD_AUTH = 0x0a2;
const TPM_RC_HANDLE = 0x08b;
const TPM_RC_POLICY = 0x126;
const TPM_RC_LOCKOUT = 0x921;
const TPM_RC_AUTH_MISSING = 0x125;
const TPM_RC_AUTH_UNAVAILABLE = 0x12f;

/** TPM error number without handle/parameter/session position bits (TPM 2.0 Part 2 §6.6). */
function tpmCode(rc: number): number {
  return rc & 0x80 ? rc & 0xbf : rc & 0xfff;
}

export class TssError extends Error {
  readonly fn: string;
  readonly rc: number;
  constructor(fn: string, rc: number) {
    super(`${fn} returned TSS2_RC 0x${rc.toString(16).padStart(8, '0')}`);
    this.name = 'TssError';
    this.fn = fn;
    this.rc = rc;
  }
}

/** True for TPM_RC_HANDLE (nothing at that handle) — used for "no SRK". */
export function isHandleError(e: unknown): boolean {
  return e instanceof TssError && e.rc >>> 16 === LAYER_TPM && tpmCode(e.rc) === TPM_RC_HANDLE;
}

/** Maps a TSS2_RC (carried by TssError) to the store's typed errors, like tpm-store's mapTpmFailure. */
export function mapTssError(e: unknown): Error {
  if (!(e instanceof TssError)) {
    if (
      e instanceof KeyBackendUnavailableError ||
      e instanceof KeyStoreIoError ||
      e instanceof KeyBindingError ||
      e instanceof KeyStoreLockedError
    )
      return e;
    return new KeyStoreIoError(KEY_MESSAGES.tpmFailed, { cause: e });
  }
  const layer = (e.rc >>> 16) & 0xff;
  if (layer === LAYER_TCTI) return new KeyBackendUnavailableError(KEY_MESSAGES.tpmNoDevice, { cause: e });
  if (layer === LAYER_MU) return new KeyStoreIoError(KEY_MESSAGES.tpmDamaged, { cause: e });
  if (layer === LAYER_TPM) {
    const code = tpmCode(e.rc);
    if (
      [
        TPM_RC_LOCKOUT,
        TPM_RC_AUTH_FAIL,
        TPM_RC_BAD_AUTH,
        TPM_RC_AUTH_MISSING,
        TPM_RC_AUTH_UNAVAILABLE,
      ].includes(code)
    ) {
      return new KeyStoreLockedError(KEY_MESSAGES.tpmLockedOut, { cause: e });
    }
    if ([TPM_RC_INTEGRITY, TPM_RC_POLICY_FAIL, TPM_RC_POLICY].includes(code)) {
      return new KeyBindingError(KEY_MESSAGES.tpmBinding, { cause: e });
    }
  }
  return new KeyStoreIoError(KEY_MESSAGES.tpmFailed, { cause: e });
}

function check(fn: string, rc: unknown): void {
  if (typeof rc !== 'number' || !Number.isInteger(rc)) throw new TssError(fn, 0xffffffff);
  if (rc !== 0) throw new TssError(fn, rc >>> 0);
}

/** A non-NULL pointer as koffi returns it (a bigint address in koffi 3; an External object in older versions). */
function isPointer(p: unknown): boolean {
  return (typeof p === 'bigint' && p !== 0n) || (p !== null && typeof p === 'object');
}

function wipe(...bufs: (Uint8Array | undefined)[]): void {
  for (const b of bufs) b?.fill(0);
}

// ---- the public surface -----------------------------------------------------------------------------------
/** Public part of the object at a persistent handle, as the store needs it to decide on an SRK. */
export interface PersistentPublic {
  /** TPMT_PUBLIC.type, nameAlg, objectAttributes. */
  readonly type: number;
  readonly nameAlg: number;
  readonly attributes: number;
  /** TPM name (nameAlg + digest). */
  readonly name: Uint8Array;
}

/** One connection (TCTI + ESYS context). Every method throws TssError (map with mapTssError). */
export interface EsapiSession {
  /** TPM2_CreatePrimary(owner, PRIMARY_TEMPLATE): a transient handle, flushed when the session ends. */
  createPrimary(): Promise<number>;
  /** GetCapability, then Esys_TR_FromTPMPublic + ReadPublic of a persistent handle; null when nothing is there. */
  readPersistent(tpmHandle: number): Promise<{ handle: number; pub: PersistentPublic } | null>;
  /** TPM2_Load of marshaled TPM2B_PUBLIC / TPM2B_PRIVATE: a transient handle, flushed when the session ends. */
  load(parent: number, pub: Uint8Array, priv: Uint8Array): Promise<number>;
  /** TPM2_Unseal: the sealed data (caller wipes). Library copies are wiped before they are freed. */
  unseal(item: number): Promise<Uint8Array>;
  /** TPM2_Create of a sealed-data object holding `secret` under `parent`: marshaled pub / priv. */
  seal(parent: number, secret: Uint8Array): Promise<{ pub: Uint8Array; priv: Uint8Array }>;
}

export interface TpmEsapi {
  /** Opens the TCTI (`name:conf` as tpm2-tools' -T) and an ESYS context, runs `fn`, then flushes every
   * transient object the session created and finalises both contexts (always, in this order). */
  withSession<T>(tcti: string, fn: (s: EsapiSession) => Promise<T>): Promise<T>;
}

/** Loads koffi and the tpm2-tss libraries. Throws KeyBackendUnavailableError when any is missing. */
export function loadEsapi(sonames: EsapiSonames = DEFAULT_SONAMES): TpmEsapi {
  const b = bind(sonames);

  function unmarshalInto(fn: Fn, name: string, wire: Uint8Array): Uint8Array {
    if (wire.length < 2 || wire.length > MAX_WIRE) throw new TssError(name, (LAYER_MU << 16) | 1);
    const dest = new Uint8Array(STRUCT_BYTES);
    const off = [0];
    check(name, fn(wire, wire.length, off, dest));
    if (off[0] !== wire.length) {
      wipe(dest);
      throw new TssError(name, (LAYER_MU << 16) | 2); // trailing bytes: not one well-formed structure
    }
    return dest;
  }

  function marshalFrom(fn: Fn, name: string, src: unknown): Uint8Array {
    const buf = new Uint8Array(MAX_WIRE);
    const off = [0];
    check(name, fn(src, buf, buf.length, off));
    const n = off[0];
    if (typeof n !== 'number' || n < 2 || n > buf.length) {
      wipe(buf);
      throw new TssError(name, (LAYER_MU << 16) | 3);
    }
    const out = buf.slice(0, n);
    wipe(buf);
    return out;
  }

  function tpm2b(template: Uint8Array): Uint8Array {
    const w = new Uint8Array(2 + template.length);
    new DataView(w.buffer).setUint16(0, template.length);
    w.set(template, 2);
    return w;
  }

  return {
    async withSession<T>(tcti: string, fn: (s: EsapiSession) => Promise<T>): Promise<T> {
      let failed = true;
      const tctiOut: unknown[] = [null];
      check('Tss2_TctiLdr_Initialize', await callAsync(b.tctiInit, tcti, tctiOut));
      const tctiCtx = tctiOut[0];
      if (!isPointer(tctiCtx)) throw new TssError('Tss2_TctiLdr_Initialize', (LAYER_TCTI << 16) | 1);
      const ctxOut: unknown[] = [null];
      const transient: number[] = [];
      try {
        check('Esys_Initialize', b.esysInit(ctxOut, tctiCtx, null));
        const ctx = ctxOut[0];
        if (!isPointer(ctx)) throw new TssError('Esys_Initialize', (7 << 16) | 1);
        // Empty TPM2B_DATA outsideInfo / TPML_PCR_SELECTION (size / count 0), sized like the other opaque
        // structs so that no struct copy the library might make can read past the buffer.
        const zero = new Uint8Array(STRUCT_BYTES);

        /** True when an object is at this persistent handle (TPM_CAP_HANDLES from it, one entry). */
        const persistentExists = async (tpmHandle: number): Promise<boolean> => {
          const more = [0];
          const out: unknown[] = [null];
          try {
            check(
              'Esys_GetCapability',
              await callAsync(
                b.getCapability,
                ctx,
                ESYS_TR_NONE,
                ESYS_TR_NONE,
                ESYS_TR_NONE,
                TPM_CAP_HANDLES,
                tpmHandle,
                1,
                more,
                out,
              ),
            );
            if (!isPointer(out[0])) throw new TssError('Esys_GetCapability', (7 << 16) | 3);
            // TPMS_CAPABILITY_DATA wire: u32 capability | TPML_HANDLE (u32 count | u32 handle[count])
            const wire = marshalFrom(b.muCapDataMarshal, 'Tss2_MU_TPMS_CAPABILITY_DATA_Marshal', out[0]);
            const dv = new DataView(wire.buffer);
            if (wire.length < 8 || dv.getUint32(0) !== TPM_CAP_HANDLES)
              throw new TssError('Esys_GetCapability', (LAYER_MU << 16) | 7);
            const count = dv.getUint32(4);
            if (count > 1 || wire.length !== 8 + 4 * count)
              throw new TssError('Esys_GetCapability', (LAYER_MU << 16) | 8);
            return count === 1 && dv.getUint32(8) === tpmHandle;
          } finally {
            if (isPointer(out[0])) b.esysFree(out[0]);
          }
        };

        const session: EsapiSession = {
          async createPrimary() {
            const inPub = unmarshalInto(
              b.muPublicUnmarshal,
              'Tss2_MU_TPM2B_PUBLIC_Unmarshal',
              tpm2b(PRIMARY_TEMPLATE),
            );
            const inSens = new Uint8Array(STRUCT_BYTES); // empty TPM2B_SENSITIVE_CREATE (size 0)
            const h = [0];
            check(
              'Esys_CreatePrimary',
              await callAsync(
                b.createPrimary,
                ctx,
                ESYS_TR_RH_OWNER,
                ESYS_TR_PASSWORD,
                ESYS_TR_NONE,
                ESYS_TR_NONE,
                inSens,
                inPub,
                zero,
                zero,
                h,
                null,
                null,
                null,
                null,
              ),
            );
            const handle = h[0] ?? 0;
            if (handle === 0 || handle === ESYS_TR_NONE)
              throw new TssError('Esys_CreatePrimary', (7 << 16) | 2);
            transient.push(handle);
            return handle;
          },
          async readPersistent(tpmHandle) {
            // TPM2_GetCapability(TPM_CAP_HANDLES) first: an empty handle is the expected "no SRK" answer, and
            // asking Esys_TR_FromTPMPublic about it would make tpm2-tss print errors to stderr.
            if (!(await persistentExists(tpmHandle))) return null;
            const h = [0];
            try {
              check(
                'Esys_TR_FromTPMPublic',
                await callAsync(b.fromTpmPublic, ctx, tpmHandle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, h),
              );
            } catch (e) {
              if (isHandleError(e)) return null;
              throw e;
            }
            const handle = h[0] ?? 0;
            const pubOut: unknown[] = [null];
            const nameOut: unknown[] = [null];
            try {
              check(
                'Esys_ReadPublic',
                await callAsync(
                  b.readPublic,
                  ctx,
                  handle,
                  ESYS_TR_NONE,
                  ESYS_TR_NONE,
                  ESYS_TR_NONE,
                  pubOut,
                  nameOut,
                  null,
                ),
              );
              if (!isPointer(pubOut[0]) || !isPointer(nameOut[0]))
                throw new TssError('Esys_ReadPublic', (7 << 16) | 3);
              const pubWire = marshalFrom(b.muPublicMarshal, 'Tss2_MU_TPM2B_PUBLIC_Marshal', pubOut[0]);
              const nameWire = marshalFrom(b.muNameMarshal, 'Tss2_MU_TPM2B_NAME_Marshal', nameOut[0]);
              const dv = new DataView(pubWire.buffer);
              if (pubWire.length < 10 || dv.getUint16(0) !== pubWire.length - 2)
                throw new TssError('Esys_ReadPublic', (LAYER_MU << 16) | 4);
              const nameLen = new DataView(nameWire.buffer).getUint16(0);
              if (nameLen !== nameWire.length - 2)
                throw new TssError('Esys_ReadPublic', (LAYER_MU << 16) | 5);
              return {
                handle,
                pub: {
                  type: dv.getUint16(2),
                  nameAlg: dv.getUint16(4),
                  attributes: dv.getUint32(6),
                  name: nameWire.slice(2),
                },
              };
            } finally {
              if (isPointer(pubOut[0])) b.esysFree(pubOut[0]);
              if (isPointer(nameOut[0])) b.esysFree(nameOut[0]);
            }
          },
          async load(parent, pub, priv) {
            const inPub = unmarshalInto(b.muPublicUnmarshal, 'Tss2_MU_TPM2B_PUBLIC_Unmarshal', pub);
            const inPriv = unmarshalInto(b.muPrivateUnmarshal, 'Tss2_MU_TPM2B_PRIVATE_Unmarshal', priv);
            const h = [0];
            try {
              check(
                'Esys_Load',
                await callAsync(
                  b.load,
                  ctx,
                  parent,
                  ESYS_TR_PASSWORD,
                  ESYS_TR_NONE,
                  ESYS_TR_NONE,
                  inPriv,
                  inPub,
                  h,
                ),
              );
            } finally {
              wipe(inPriv);
            }
            const handle = h[0] ?? 0;
            if (handle === 0 || handle === ESYS_TR_NONE) throw new TssError('Esys_Load', (7 << 16) | 2);
            transient.push(handle);
            return handle;
          },
          async unseal(item) {
            const out: unknown[] = [null];
            let wire: Uint8Array | undefined;
            try {
              check(
                'Esys_Unseal',
                await callAsync(b.unseal, ctx, item, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, out),
              );
              if (!isPointer(out[0])) throw new TssError('Esys_Unseal', (7 << 16) | 3);
              wire = marshalFrom(b.muSensDataMarshal, 'Tss2_MU_TPM2B_SENSITIVE_DATA_Marshal', out[0]);
              const len = new DataView(wire.buffer).getUint16(0);
              if (len !== wire.length - 2) throw new TssError('Esys_Unseal', (LAYER_MU << 16) | 6);
              return wire.slice(2);
            } finally {
              wipe(wire);
              if (isPointer(out[0])) {
                new Uint8Array(b.koffi.view(out[0], SENSITIVE_DATA_STRUCT_BYTES)).fill(0);
                b.esysFree(out[0]);
              }
            }
          },
          async seal(parent, secret) {
            if (secret.length === 0 || secret.length > 128)
              throw new TypeError('secret must be 1..128 bytes');
            // TPM2B_SENSITIVE_CREATE wire: u16 size | TPM2B_AUTH userAuth (empty) | TPM2B_SENSITIVE_DATA data
            const wire = new Uint8Array(2 + 2 + 2 + secret.length);
            const dv = new DataView(wire.buffer);
            dv.setUint16(0, 4 + secret.length);
            dv.setUint16(4, secret.length);
            wire.set(secret, 6);
            let inSens: Uint8Array | undefined;
            const privOut: unknown[] = [null];
            const pubOut: unknown[] = [null];
            try {
              inSens = unmarshalInto(
                b.muSensCreateUnmarshal,
                'Tss2_MU_TPM2B_SENSITIVE_CREATE_Unmarshal',
                wire,
              );
              wipe(wire);
              const inPub = unmarshalInto(
                b.muPublicUnmarshal,
                'Tss2_MU_TPM2B_PUBLIC_Unmarshal',
                tpm2b(SEAL_TEMPLATE),
              );
              check(
                'Esys_Create',
                await callAsync(
                  b.create,
                  ctx,
                  parent,
                  ESYS_TR_PASSWORD,
                  ESYS_TR_NONE,
                  ESYS_TR_NONE,
                  inSens,
                  inPub,
                  zero,
                  zero,
                  privOut,
                  pubOut,
                  null,
                  null,
                  null,
                ),
              );
              if (!isPointer(privOut[0]) || !isPointer(pubOut[0]))
                throw new TssError('Esys_Create', (7 << 16) | 3);
              return {
                pub: marshalFrom(b.muPublicMarshal, 'Tss2_MU_TPM2B_PUBLIC_Marshal', pubOut[0]),
                priv: marshalFrom(b.muPrivateMarshal, 'Tss2_MU_TPM2B_PRIVATE_Marshal', privOut[0]),
              };
            } finally {
              wipe(wire, inSens);
              if (isPointer(privOut[0])) b.esysFree(privOut[0]);
              if (isPointer(pubOut[0])) b.esysFree(pubOut[0]);
            }
          },
        };
        const result = await fn(session);
        failed = false;
        return result;
      } finally {
        const ctx = ctxOut[0];
        let flushRc = 0;
        if (isPointer(ctx)) {
          for (const h of transient.reverse()) {
            let rc: unknown;
            try {
              rc = await callAsync(b.flush, ctx, h);
            } catch {
              rc = 0xffffffff; // koffi-level failure: reported like a failed flush
            }
            if (rc !== 0 && flushRc === 0) flushRc = typeof rc === 'number' ? rc >>> 0 : 0xffffffff;
          }
          b.esysFinalize(ctxOut);
        }
        b.tctiFinalize(tctiOut);
        // A transient object left loaded is reported (after cleanup) unless an earlier error is on its way.
        if (flushRc !== 0 && !failed) throw new TssError('Esys_FlushContext', flushRc); // eslint-disable-line no-unsafe-finally
      }
    },
  };
}
