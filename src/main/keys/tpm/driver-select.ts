/**
 * Which TPM driver a store uses (option `driver`, else FACEVAULT_TPM_DRIVER, else 'auto': esapi when koffi and
 * the tpm2-tss libraries load, else tools), the TCTI string (option, else FACEVAULT_TPM_TCTI, else
 * DEFAULT_TCTI), building the chosen driver instance (`createTpmDriver`) and probing whether a TPM answers.
 * Reads the environment, never writes it.
 * Module state, one piece, on purpose: the esapi binding is loaded once per process per soname set (a memo
 * of an immutable value: the dynamic linker keeps the libraries loaded for the process anyway, and binding
 * them again costs ~10 ms per store for nothing). It holds no TPM state and no secret.
 */
import { KEY_MESSAGES, KeyBackendUnavailableError } from '../key-errors.ts';
import { serialised } from './command-queue.ts';
import { unavailableDriver, type TpmDriverChoice, type TpmDriverOps, type TpmProbeResult } from './driver.ts';
import { DEFAULT_SONAMES, loadEsapi, type EsapiSonames, type TpmEsapi } from './esapi-binding.ts';
import { createEsapiDriver } from './esapi-driver.ts';
import { createToolsDriver } from './tools-driver.ts';
import { assertDeviceAccessible, defaultSpawn, type SpawnFn } from './tools-runner.ts';

export type { TpmDriver, TpmDriverChoice, TpmDriverOps, TpmProbeResult } from './driver.ts';

export const DEFAULT_TCTI = 'device:/dev/tpmrm0';

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

export interface TpmDriverOptions {
  /** Already resolved (resolveTcti). */
  readonly tcti: string;
  readonly driver?: TpmDriverChoice;
  readonly esapiSonames?: EsapiSonames;
  /** tools driver: the spawn to use (tests observe argv) and the per-tool timeout. */
  readonly spawnFn?: SpawnFn;
  readonly timeoutMs: number;
}

/** The driver instance for these options (an unavailable one when 'esapi' was asked for and cannot load). */
export function createTpmDriver(o: TpmDriverOptions): TpmDriverOps {
  const sel = selectDriver(o);
  if (sel.driver === 'tools') {
    return createToolsDriver({
      tcti: o.tcti,
      spawnFn: o.spawnFn ?? defaultSpawn,
      timeoutMs: o.timeoutMs,
      managed: hasResourceManager(o.tcti),
    });
  }
  if ('error' in sel) return unavailableDriver('esapi', sel.error);
  return createEsapiDriver({ tcti: o.tcti, esapi: sel.esapi });
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
 * True when the TPM answers through the chosen driver (tools: tpm2_getcap; esapi: the TCTI and an ESYS
 * context open); a `device:` TCTI must first be readable and writable by this user. Otherwise the typed
 * reason. Never throws for "not usable".
 */
export async function probeTpm(
  opts: {
    tcti?: string;
    spawnFn?: SpawnFn;
    timeoutMs?: number;
    driver?: TpmDriverChoice;
    esapiSonames?: EsapiSonames;
  } = {},
): Promise<TpmProbeResult> {
  const tcti = resolveTcti(opts.tcti);
  const driver = createTpmDriver({ ...opts, tcti, timeoutMs: opts.timeoutMs ?? 10_000 });
  const deviceMatch = /^device:(.+)$/.exec(tcti);
  if (deviceMatch?.[1] !== undefined) {
    try {
      await assertDeviceAccessible(deviceMatch[1]);
    } catch (cause) {
      return { usable: false, reason: new KeyBackendUnavailableError(KEY_MESSAGES.tpmNoDevice, { cause }) };
    }
  }
  return serialised(() => driver.probe());
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
