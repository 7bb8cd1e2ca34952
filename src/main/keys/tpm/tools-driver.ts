/**
 * The tpm2-tools driver (TpmDriverOps, driver.ts): each TPM command is one tpm2-tools 5.x process
 * (tools-runner.ts). Guarantees beyond the driver contract:
 *  - the secret crosses process boundaries only over stdin (tpm2_create -i -) and stdout (tpm2_unseal); it
 *    never appears in argv, the environment or a file; stdout buffers are wiped;
 *  - the sealed areas pass to and from the tools as files in a private 0700 work directory, removed after;
 *  - without a resource manager (swtpm, /dev/tpm0; see driver-select.ts hasResourceManager) the transient
 *    objects a command leaves are flushed (tpm2_flushcontext -t), also when it fails; sessions never need it
 *    (password authorisation only);
 *  - under an SRK, unseal is tpm2_load -C 0x81000001 + tpm2_unseal (+ one flush without a resource
 *    manager); a failed load is diagnosed by reading the SRK again: gone or renamed → tpmSrkChanged,
 *    otherwise the load's own error.
 */
import { join } from 'node:path';
import {
  KEY_MESSAGES,
  KeyBackendUnavailableError,
  KeyBindingError,
  KeyStoreIoError,
  KeyStoreLockedError,
} from '../key-errors.ts';
import type { SealParent } from './blob-format.ts';
import type { SealedObject, TpmDriverOps, TpmProbeResult } from './driver.ts';
import { isHandleAbsent, parseSrkReadPublic, sameBytes, SRK_HANDLE_ARG } from './srk.ts';
import {
  mapTpmFailure,
  readWorkFile,
  runTool,
  withWorkDir,
  writeWorkFile,
  type SpawnFn,
  type ToolResult,
} from './tools-runner.ts';

export type { SpawnFn } from './tools-runner.ts';

export interface ToolsDriverOptions {
  readonly tcti: string;
  readonly spawnFn: SpawnFn;
  /** Per-tool timeout; a hung tool is killed and reported as KEY_STORE_IO. */
  readonly timeoutMs: number;
  /** True when a resource manager flushes each connection's objects (no tpm2_flushcontext needed). */
  readonly managed: boolean;
}

export function createToolsDriver(o: ToolsDriverOptions): TpmDriverOps {
  const { tcti, spawnFn, timeoutMs, managed } = o;

  /** Flushes every transient object (not needed, and skipped, behind a resource manager). */
  async function flushTransient(): Promise<Error | undefined> {
    if (managed) return undefined;
    try {
      const f = await runTool(spawnFn, 'tpm2_flushcontext', ['-T', tcti, '-t'], timeoutMs);
      return f.code === 0 ? undefined : mapTpmFailure('tpm2_flushcontext', f);
    } catch (e) {
      return e instanceof Error ? e : new KeyStoreIoError(KEY_MESSAGES.tpmFailed, { cause: e });
    }
  }

  /**
   * Runs one TPM command; with `flush`, or whenever the command fails, flushes the transient objects it left
   * loaded (see `hasResourceManager` for when that is needed and why sessions never are).
   */
  async function tpm(
    tool: string,
    args: readonly string[],
    opts: { stdin?: Uint8Array; flush: boolean },
  ): Promise<Uint8Array> {
    let main: ToolResult | undefined;
    let mainError: unknown;
    try {
      main = await runTool(spawnFn, tool, ['-T', tcti, ...args], timeoutMs, opts.stdin);
    } catch (e) {
      mainError = e;
    }
    const failed = mainError !== undefined || main?.code !== 0;
    const flushError =
      (opts.flush || failed) && !(mainError instanceof KeyBackendUnavailableError)
        ? await flushTransient()
        : undefined;
    if (mainError !== undefined) {
      throw mainError instanceof Error
        ? mainError
        : new KeyStoreIoError(KEY_MESSAGES.tpmFailed, { cause: mainError });
    }
    if (main === undefined) throw new KeyStoreIoError(KEY_MESSAGES.tpmFailed);
    if (main.code !== 0) {
      main.stdout.fill(0);
      throw mapTpmFailure(tool, main);
    }
    if (flushError !== undefined) {
      main.stdout.fill(0);
      throw flushError;
    }
    return main.stdout;
  }

  async function createPrimary(dir: string): Promise<string> {
    const ctx = join(dir, 'primary.ctx');
    // Flushed at once: the primary is used again through its context file (a second copy gets loaded).
    (
      await tpm('tpm2_createprimary', ['-C', 'o', '-g', 'sha256', '-G', 'ecc', '-c', ctx], { flush: true })
    ).fill(0);
    return ctx;
  }

  /** tpm2_readpublic of the SRK handle (loads nothing, so no flush); parseSrkReadPublic decides. */
  async function readSrkName(): Promise<Uint8Array | null> {
    const res = await runTool(spawnFn, 'tpm2_readpublic', ['-T', tcti, '-c', SRK_HANDLE_ARG], timeoutMs);
    if (res.code !== 0) {
      if (isHandleAbsent(res.stderr)) return null;
      throw mapTpmFailure('tpm2_readpublic', res);
    }
    return parseSrkReadPublic(new TextDecoder('utf-8', { fatal: false }).decode(res.stdout));
  }

  /**
   * After a failed tpm2_load under the SRK: if the SRK is gone or is not the key the secret was sealed under
   * (another TPM name) the failure is a binding error with a message saying so; otherwise the original error.
   */
  async function diagnoseSrk(expected: Uint8Array, original: unknown): Promise<never> {
    let now: Uint8Array | null;
    try {
      now = await readSrkName(); // null: nothing at the handle, or not a usable SRK
    } catch {
      throw original; // the TPM could not even be asked: report what failed first
    }
    if (now === null || !sameBytes(now, expected))
      throw new KeyBindingError(KEY_MESSAGES.tpmSrkChanged, { cause: original });
    throw original; // same SRK: the blob itself was altered, or another failure — reported as it was
  }

  async function probe(): Promise<TpmProbeResult> {
    try {
      const res = await runTool(spawnFn, 'tpm2_getcap', ['-T', tcti, 'properties-fixed'], timeoutMs);
      if (res.code !== 0) return { usable: false, reason: mapTpmFailure('tpm2_getcap', res) };
      return { usable: true };
    } catch (e) {
      return {
        usable: false,
        reason: e instanceof Error ? e : new KeyBackendUnavailableError(KEY_MESSAGES.tpmFailed),
      };
    }
  }

  async function seal(parent: SealParent, secret: Uint8Array): Promise<SealedObject> {
    return withWorkDir(async (dir) => {
      const pubPath = join(dir, 'obj.pub');
      const privPath = join(dir, 'obj.priv');
      // Sealed object attributes: tpm2-tools' default for -i (fixedtpm|fixedparent|userwithauth, no
      // sensitivedataorigin). The secret goes over stdin only. TPM2_Create loads nothing, so under the
      // persistent SRK there is nothing to flush (the transient primary is flushed by createPrimary).
      const parentArg = parent.kind === 'srk' ? SRK_HANDLE_ARG : await createPrimary(dir);
      (
        await tpm('tpm2_create', ['-C', parentArg, '-i', '-', '-u', pubPath, '-r', privPath], {
          stdin: secret,
          flush: parent.kind === 'transient',
        })
      ).fill(0);
      return { pub: await readWorkFile(pubPath), priv: await readWorkFile(privPath) };
    });
  }

  async function unseal(parent: SealParent, sealed: SealedObject): Promise<Uint8Array> {
    return withWorkDir(async (dir) => {
      const pubPath = join(dir, 'obj.pub');
      const privPath = join(dir, 'obj.priv');
      const objCtx = join(dir, 'obj.ctx');
      await writeWorkFile(pubPath, sealed.pub);
      await writeWorkFile(privPath, sealed.priv);
      if (parent.kind === 'srk') {
        // The persistent SRK is the parent: no createprimary. load leaves the sealed object loaded, unseal
        // a copy of it; both flushed after unseal (persistent objects are not touched by flushcontext -t).
        // Only the blob's recorded parent is ever used — a missing or replaced SRK is reported, not bypassed.
        try {
          (
            await tpm('tpm2_load', ['-C', SRK_HANDLE_ARG, '-u', pubPath, '-r', privPath, '-c', objCtx], {
              flush: false,
            })
          ).fill(0);
        } catch (e) {
          if (e instanceof KeyBackendUnavailableError || e instanceof KeyStoreLockedError) throw e;
          return diagnoseSrk(parent.name, e);
        }
      } else {
        const primary = await createPrimary(dir);
        // load leaves primary + sealed object loaded, unseal adds a copy of the latter: 3 objects, the TPM
        // minimum (TPM 2.0 Part 2, MAX_LOADED_OBJECTS ≥ 3); all flushed after unseal.
        (
          await tpm('tpm2_load', ['-C', primary, '-u', pubPath, '-r', privPath, '-c', objCtx], {
            flush: false,
          })
        ).fill(0);
      }
      return tpm('tpm2_unseal', ['-c', objCtx], { flush: true });
    });
  }

  return { name: 'tools', probe, readSrkName, seal, unseal };
}
