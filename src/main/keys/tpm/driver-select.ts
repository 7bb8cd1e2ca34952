/**
 * Which TPM driver a store uses (option `driver`, else FACEVAULT_TPM_DRIVER, else 'auto': esapi when koffi and
 * the tpm2-tss libraries load, else tools), the TCTI string (option, else FACEVAULT_TPM_TCTI, else
 * DEFAULT_TCTI) and probing whether a TPM answers. The esapi binding is loaded once per process per soname
 * set (a dlopen cache, the one piece of module state here: loading a library twice gains nothing).
 */
import { KEY_MESSAGES, KeyBackendUnavailableError } from '../key-errors.ts';
import { DEFAULT_SONAMES, loadEsapi, mapTssError, type EsapiSonames, type TpmEsapi } from './esapi-driver.ts';
import { serialised } from './command-queue.ts';
import {
  assertDeviceAccessible,
  defaultSpawn,
  mapTpmFailure,
  runTool,
  type SpawnFn,
} from './tools-driver.ts';

export const DEFAULT_TCTI = 'device:/dev/tpmrm0';

export type TpmDriverChoice = 'auto' | 'esapi' | 'tools';
export type TpmDriver = 'esapi' | 'tools';

/** Validates the driver choice (option > FACEVAULT_TPM_DRIVER > 'auto'). */
export function resolveDriverChoice(driver?: string): TpmDriverChoice {
  const value = driver ?? process.env.FACEVAULT_TPM_DRIVER ?? 'auto';
  if (value !== 'auto' && value !== 'esapi' && value !== 'tools') {
    throw new TypeError('TPM driver / FACEVAULT_TPM_DRIVER must be "auto", "esapi" or "tools"');
  }
  return value;
}

const esapiCache = new Map<string, TpmEsapi | Error>();
/** The esapi binding for these sonames, or the (typed) reason it cannot be loaded; loaded once per process. */
function esapiFor(sonames: EsapiSonames): TpmEsapi | Error {
  const key = JSON.stringify([sonames.esys, sonames.tctildr, sonames.mu]);
  let v = esapiCache.get(key);
  if (v === undefined) {
    try {
      v = loadEsapi(sonames);
    } catch (e) {
      v = e instanceof Error ? e : new KeyBackendUnavailableError(KEY_MESSAGES.tpmEsapiMissing, { cause: e });
    }
    esapiCache.set(key, v);
  }
  return v;
}

/** Which driver a store with these options uses: the esapi binding, or tools (auto falls back); or the
 * typed error when 'esapi' was asked for and cannot be loaded. */
export function selectDriver(
  opts: { driver?: TpmDriverChoice; esapiSonames?: EsapiSonames } = {},
): { driver: 'esapi'; esapi: TpmEsapi } | { driver: 'tools' } | { driver: 'esapi'; error: Error } {
  const choice = resolveDriverChoice(opts.driver);
  if (choice === 'tools') return { driver: 'tools' };
  const e = esapiFor(opts.esapiSonames ?? DEFAULT_SONAMES);
  if (!(e instanceof Error)) return { driver: 'esapi', esapi: e };
  return choice === 'esapi' ? { driver: 'esapi', error: e } : { driver: 'tools' };
}

const TCTI_RE = /^[A-Za-z][A-Za-z0-9_-]{0,31}(:[^\s\0]{0,480})?$/; // never starts with '-'

/** Resolves and validates the TCTI string (option > FACEVAULT_TPM_TCTI > default). */
export function resolveTcti(tcti?: string): string {
  const value = tcti ?? process.env.FACEVAULT_TPM_TCTI ?? DEFAULT_TCTI;
  if (typeof value !== 'string' || !TCTI_RE.test(value)) {
    throw new TypeError(
      'invalid TPM TCTI string (expected e.g. "device:/dev/tpmrm0" or "swtpm:path=/run/tpm.sock")',
    );
  }
  return value;
}

/**
 * True when tpm2-tools are installed and the TCTI answers (tpm2_getcap). Otherwise the typed reason.
 * Never throws for "not usable".
 */
export async function probeTpm(
  opts: {
    tcti?: string;
    spawnFn?: SpawnFn;
    timeoutMs?: number;
    driver?: TpmDriverChoice;
    esapiSonames?: EsapiSonames;
  } = {},
): Promise<{ usable: true } | { usable: false; reason: Error }> {
  const tcti = resolveTcti(opts.tcti);
  const sel = selectDriver(opts);
  const deviceMatch = /^device:(.+)$/.exec(tcti);
  if (deviceMatch?.[1] !== undefined) {
    try {
      await assertDeviceAccessible(deviceMatch[1]);
    } catch (cause) {
      return { usable: false, reason: new KeyBackendUnavailableError(KEY_MESSAGES.tpmNoDevice, { cause }) };
    }
  }
  if (sel.driver === 'esapi') {
    if ('error' in sel) return { usable: false, reason: sel.error };
    const { esapi } = sel;
    try {
      // Opens the TCTI (connects / opens the device) and an ESYS context; sends no command.
      await serialised(() => esapi.withSession(tcti, async () => undefined));
      return { usable: true };
    } catch (e) {
      return { usable: false, reason: mapTssError(e) };
    }
  }
  try {
    const res = await serialised(() =>
      runTool(
        opts.spawnFn ?? defaultSpawn,
        'tpm2_getcap',
        ['-T', tcti, 'properties-fixed'],
        opts.timeoutMs ?? 10_000,
      ),
    );
    if (res.code !== 0) return { usable: false, reason: mapTpmFailure('tpm2_getcap', res) };
    return { usable: true };
  } catch (e) {
    return {
      usable: false,
      reason: e instanceof Error ? e : new KeyBackendUnavailableError(KEY_MESSAGES.tpmFailed),
    };
  }
}

/**
 * True for TCTIs that go through a TPM resource manager: the Linux kernel's (`device:/dev/tpmrm<N>`,
 * drivers/char/tpm/tpm2-space.c) or tpm2-abrmd (`tabrmd`). A resource manager virtualises handles per
 * connection and flushes a connection's transient objects and sessions when it closes, i.e. when each tool
 * exits, so no tpm2_flushcontext is needed. Without one (swtpm, mssim, `/dev/tpm0`) objects stay loaded
 * after a tool exits and the store flushes transient objects itself. Sessions are never flushed: the tools
 * are called with password authorisation only (TPM_RS_PW), which loads no session — checked against swtpm
 * with `tpm2_getcap handles-loaded-session` / `handles-saved-session` after each command (both empty).
 * Each tool run costs a process start (~60–90 ms here, mostly dynamic linking), so this halves the cost of
 * an unseal on swtpm (12 → 5 runs) and cuts it to 3 runs on /dev/tpmrm0.
 */
export function hasResourceManager(tcti: string): boolean {
  return /^device:\/dev\/tpmrm\d+$/.test(tcti) || tcti === 'tabrmd' || tcti.startsWith('tabrmd:');
}
