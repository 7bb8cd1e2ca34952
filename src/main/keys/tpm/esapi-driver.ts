/**
 * The ESAPI driver (TpmDriverOps, driver.ts): every operation is one session of the in-process tpm2-tss
 * binding (esapi-binding.ts: one TCTI + ESYS context, every transient object it creates flushed and both
 * contexts finalised when it ends). No process is started; the secret never leaves this process's memory.
 * Unlike the tools driver, unseal under an SRK checks the SRK first (one TPM2_ReadPublic) and reports a
 * missing or replaced SRK without trying the load; seal under an SRK re-reads it in its own session and
 * refuses one whose TPM name is not the one the caller chose (it changed in between).
 */
import { KEY_MESSAGES, KeyBindingError } from '../key-errors.ts';
import type { SealParent } from './blob-format.ts';
import type { SealedObject, TpmDriverOps, TpmProbeResult } from './driver.ts';
import { mapTssError, type EsapiSession, type TpmEsapi } from './esapi-binding.ts';
import { sameBytes, SRK_HANDLE, srkNameFromPublic } from './srk.ts';

export interface EsapiDriverOptions {
  readonly tcti: string;
  /** The loaded binding (driver-select.ts loads it once per soname set). */
  readonly esapi: TpmEsapi;
}

export function createEsapiDriver(o: EsapiDriverOptions): TpmDriverOps {
  const { tcti, esapi } = o;

  /** One session; every failure mapped to the typed errors. */
  async function session<T>(fn: (s: EsapiSession) => Promise<T>): Promise<T> {
    try {
      return await esapi.withSession(tcti, fn);
    } catch (e) {
      throw mapTssError(e);
    }
  }

  /** The SRK's ESYS handle when it is usable and, if `expected` is given, has that TPM name; else null. */
  async function srkIn(
    s: EsapiSession,
    expected?: Uint8Array,
  ): Promise<{ handle: number; name: Uint8Array } | null> {
    const srk = await s.readPersistent(SRK_HANDLE);
    const name = srk === null ? null : srkNameFromPublic(srk.pub);
    if (srk === null || name === null || (expected !== undefined && !sameBytes(name, expected))) return null;
    return { handle: srk.handle, name };
  }

  /** The parent's handle in this session: the SRK with the recorded name (else tpmSrkChanged), or a new
   * transient primary (flushed when the session ends). */
  async function parentIn(s: EsapiSession, parent: SealParent): Promise<number> {
    if (parent.kind === 'transient') return s.createPrimary();
    const srk = await srkIn(s, parent.name);
    if (srk === null) throw new KeyBindingError(KEY_MESSAGES.tpmSrkChanged);
    return srk.handle;
  }

  async function probe(): Promise<TpmProbeResult> {
    try {
      // Opens the TCTI (connects / opens the device) and an ESYS context; sends no command.
      await session(async () => undefined);
      return { usable: true };
    } catch (e) {
      return { usable: false, reason: mapTssError(e) };
    }
  }

  return {
    name: 'esapi',
    probe,
    readSrkName: () => session(async (s) => (await srkIn(s))?.name ?? null),
    seal: (parent: SealParent, secret: Uint8Array): Promise<SealedObject> =>
      session(async (s) => s.seal(await parentIn(s, parent), secret)),
    unseal: (parent: SealParent, sealed: SealedObject): Promise<Uint8Array> =>
      session(async (s) => s.unseal(await s.load(await parentIn(s, parent), sealed.pub, sealed.priv))),
  };
}
