/**
 * TPM 2.0 backend: the device secret is a TPM sealed-data object (TPM 2.0 Library Part 1 §27.2.3,
 * "sealed data") under an ECC P-256 primary key of the owner hierarchy, re-created on demand from the
 * same template (so nothing persists in the TPM's NV memory). Driven by tpm2-tools 5.x.
 * Guarantees:
 *  - the secret crosses process boundaries only over stdin (tpm2_create -i -) and stdout (tpm2_unseal);
 *    it never appears in argv, the environment or a file; stdout buffers are wiped;
 *  - the sealed public/private blobs are kept together in ONE versioned file in the data dir, written
 *    atomically (temp + fsync + link/rename), mode 0600; an existing sealed secret is never replaced;
 *  - the sealed object has fixedtpm|fixedparent: it cannot be duplicated to, or loaded on, another TPM
 *    (a foreign/cleared TPM or an altered blob fails its integrity check → KeyBindingError);
 *  - every TPM command is serialised process-wide; without a resource manager (swtpm, /dev/tpm0) the
 *    transient objects it leaves are flushed (tpm2_flushcontext -t) — see hasResourceManager;
 *  - failures map to typed errors: tools missing / no device → KEY_BACKEND_UNAVAILABLE, lockout or owner
 *    auth → KEY_STORE_LOCKED, integrity/policy → KEY_BINDING_MISMATCH, damaged file / other → KEY_STORE_IO.
 * Limits (docs/key-store.md): no PCR policy yet, so any process of a user who can open the TPM and read
 * the data dir can unseal; an administrator can always do so.
 * TCTI: option `tcti`, else FACEVAULT_TPM_TCTI, else `device:/dev/tpmrm0`.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertDataDir, createExclusive, ensureDataDir, readSmallFile, removeFile } from './atomic-file.ts';
import {
  KEY_MESSAGES,
  KeyBackendUnavailableError,
  KeyBindingError,
  KeyStoreIoError,
  KeyStoreLockedError,
} from './key-errors.ts';
import { assertDeviceSecret, DEVICE_SECRET_BYTES, type DeviceSecretStore } from './key-store.ts';

export const DEFAULT_TCTI = 'device:/dev/tpmrm0';
export const TPM_BLOB_FILE = 'device-secret.tpm2';

/** `spawn` as we call it; injectable so tests can observe every argv. */
export type SpawnFn = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

export interface TpmStoreOptions {
  readonly dataDir: string;
  readonly tcti?: string;
  readonly spawnFn?: SpawnFn;
  /** Per-tool timeout (default 30 s); a hung tool is killed and reported as KEY_STORE_IO. */
  readonly toolTimeoutMs?: number;
}

const TCTI_RE = /^[A-Za-z][A-Za-z0-9_-]{0,31}(:[^\s\0]{0,480})?$/; // never starts with '-'

/** Resolves and validates the TCTI string (option > FACEVAULT_TPM_TCTI > default). */
export function resolveTcti(tcti?: string): string {
  const value = tcti ?? process.env.FACEVAULT_TPM_TCTI ?? DEFAULT_TCTI;
  if (typeof value !== 'string' || !TCTI_RE.test(value)) {
    throw new TypeError('invalid TPM TCTI string (expected e.g. "device:/dev/tpmrm0" or "swtpm:path=/run/tpm.sock")');
  }
  return value;
}

// ---- blob file: "FVTPM" | version 1 | u16be pubLen | pub | u16be privLen | priv -------------------------
const MAGIC = new TextEncoder().encode('FVTPM');
const FORMAT_VERSION = 1;
const MAX_PUB = 1024;
const MAX_PRIV = 2048;

function encodeBlob(pub: Uint8Array, priv: Uint8Array): Uint8Array {
  const out = new Uint8Array(MAGIC.length + 1 + 2 + pub.length + 2 + priv.length);
  const dv = new DataView(out.buffer);
  let o = 0;
  out.set(MAGIC, o);
  o += MAGIC.length;
  out[o++] = FORMAT_VERSION;
  dv.setUint16(o, pub.length);
  o += 2;
  out.set(pub, o);
  o += pub.length;
  dv.setUint16(o, priv.length);
  o += 2;
  out.set(priv, o);
  return out;
}

function decodeBlob(file: Uint8Array): { pub: Uint8Array; priv: Uint8Array } {
  const damaged = (): KeyStoreIoError => new KeyStoreIoError(KEY_MESSAGES.tpmDamaged);
  if (file.length < MAGIC.length + 5) throw damaged();
  for (let i = 0; i < MAGIC.length; i++) if (file[i] !== MAGIC[i]) throw damaged();
  if (file[MAGIC.length] !== FORMAT_VERSION) throw new KeyStoreIoError(KEY_MESSAGES.identityUnsupported);
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let o = MAGIC.length + 1;
  const pubLen = dv.getUint16(o);
  o += 2;
  if (pubLen === 0 || pubLen > MAX_PUB || o + pubLen + 2 > file.length) throw damaged();
  const pub = file.slice(o, o + pubLen);
  o += pubLen;
  const privLen = dv.getUint16(o);
  o += 2;
  if (privLen === 0 || privLen > MAX_PRIV || o + privLen !== file.length) throw damaged();
  return { pub, priv: file.slice(o, o + privLen) };
}

// ---- running tools ----------------------------------------------------------------------------------------
interface ToolResult {
  readonly code: number | null;
  readonly stdout: Uint8Array;
  readonly stderr: string;
}

/** Process-wide serialisation of TPM commands (the TPM has few object slots and no RM on swtpm). */
let tpmQueue: Promise<void> = Promise.resolve();
function serialised<T>(fn: () => Promise<T>): Promise<T> {
  const run = tpmQueue.then(fn, fn);
  tpmQueue = run.then(
    () => undefined,
    () => undefined,
  );
  return run;
}

function runTool(
  spawnFn: SpawnFn,
  tool: string,
  args: readonly string[],
  timeoutMs: number,
  stdin?: Uint8Array,
): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawnFn(tool, args, {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, TPM2TOOLS_TCTI: undefined, LANG: 'C', LC_ALL: 'C' },
      });
    } catch (e) {
      reject(mapSpawnError(e));
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let settled = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(new KeyStoreIoError(KEY_MESSAGES.tpmFailed, { cause: new Error(`${tool} timed out`) }));
    }, timeoutMs);
    const wipe = (): void => {
      for (const b of out) b.fill(0);
    };
    const finish = (e: Error | null, code?: number | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (e !== null) {
        wipe();
        reject(e);
        return;
      }
      const total = out.reduce((n, b) => n + b.length, 0);
      const stdout = new Uint8Array(total);
      let o = 0;
      for (const b of out) {
        stdout.set(b, o);
        o += b.length;
      }
      wipe();
      resolve({ code: code ?? null, stdout, stderr: Buffer.concat(err).toString('utf8').slice(-4000) });
    };
    child.on('error', (e) => finish(mapSpawnError(e)));
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('close', (code) => finish(null, code));
    child.stdin?.on('error', () => undefined); // EPIPE when a tool exits early; its exit code tells why
    if (stdin !== undefined) child.stdin?.end(stdin);
    else child.stdin?.end();
  });
}

function mapSpawnError(e: unknown): Error {
  if (typeof e === 'object' && e !== null && 'code' in e && (e.code === 'ENOENT' || e.code === 'EACCES')) {
    return new KeyBackendUnavailableError(KEY_MESSAGES.tpmToolsMissing, { cause: e });
  }
  return new KeyStoreIoError(KEY_MESSAGES.tpmFailed, { cause: e });
}

/** Maps a failed tool run to a typed error from its stderr (tpm2-tools 5.x / tss2 wording). */
export function mapTpmFailure(tool: string, res: { code: number | null; stderr: string }): Error {
  const s = res.stderr.toLowerCase();
  const cause = new Error(`${tool} exited with ${String(res.code)}: ${res.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  if (/could not load tcti|failed to instantiate tcti|cannot connect|failed to open specified tcti device|permission denied|no such file or directory.*tpm/.test(s)) {
    return new KeyBackendUnavailableError(KEY_MESSAGES.tpmNoDevice, { cause });
  }
  if (/lockout|authorization failure|bad auth|auth_fail|tpm:.*:authorization/.test(s)) {
    return new KeyStoreLockedError(KEY_MESSAGES.tpmLockedOut, { cause });
  }
  if (/integrity check failed|policy check failed|policy failure|tpm:.*:integrity/.test(s)) {
    return new KeyBindingError(KEY_MESSAGES.tpmBinding, { cause });
  }
  if (/mu:|bad value|insufficient|size|unmarshal/.test(s)) {
    return new KeyStoreIoError(KEY_MESSAGES.tpmDamaged, { cause });
  }
  return new KeyStoreIoError(KEY_MESSAGES.tpmFailed, { cause });
}

// ---- probing ----------------------------------------------------------------------------------------------
/**
 * True when tpm2-tools are installed and the TCTI answers (tpm2_getcap). Otherwise the typed reason.
 * Never throws for "not usable".
 */
export async function probeTpm(
  opts: { tcti?: string; spawnFn?: SpawnFn; timeoutMs?: number } = {},
): Promise<{ usable: true } | { usable: false; reason: Error }> {
  const tcti = resolveTcti(opts.tcti);
  const deviceMatch = /^device:(.+)$/.exec(tcti);
  if (deviceMatch?.[1] !== undefined) {
    try {
      await access(deviceMatch[1], constants.R_OK | constants.W_OK);
    } catch (cause) {
      return { usable: false, reason: new KeyBackendUnavailableError(KEY_MESSAGES.tpmNoDevice, { cause }) };
    }
  }
  try {
    const res = await serialised(() =>
      runTool(opts.spawnFn ?? spawn, 'tpm2_getcap', ['-T', tcti, 'properties-fixed'], opts.timeoutMs ?? 10_000),
    );
    if (res.code !== 0) return { usable: false, reason: mapTpmFailure('tpm2_getcap', res) };
    return { usable: true };
  } catch (e) {
    return { usable: false, reason: e instanceof Error ? e : new KeyBackendUnavailableError(KEY_MESSAGES.tpmFailed) };
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

// ---- the store --------------------------------------------------------------------------------------------
export function createTpmStore(options: TpmStoreOptions): DeviceSecretStore {
  assertDataDir(options.dataDir);
  const tcti = resolveTcti(options.tcti);
  const spawnFn = options.spawnFn ?? spawn;
  const timeoutMs = options.toolTimeoutMs ?? 30_000;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new TypeError('toolTimeoutMs must be a positive integer');
  const blobPath = join(options.dataDir, TPM_BLOB_FILE);

  const managed = hasResourceManager(tcti);

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
  async function tpm(tool: string, args: readonly string[], o: { stdin?: Uint8Array; flush: boolean }): Promise<Uint8Array> {
    let main: ToolResult | undefined;
    let mainError: unknown;
    try {
      main = await runTool(spawnFn, tool, ['-T', tcti, ...args], timeoutMs, o.stdin);
    } catch (e) {
      mainError = e;
    }
    const failed = mainError !== undefined || main?.code !== 0;
    const flushError = (o.flush || failed) && !(mainError instanceof KeyBackendUnavailableError) ? await flushTransient() : undefined;
    if (mainError !== undefined) {
      throw mainError instanceof Error ? mainError : new KeyStoreIoError(KEY_MESSAGES.tpmFailed, { cause: mainError });
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

  async function withWorkDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
    let dir: string;
    try {
      dir = await mkdtemp(join(tmpdir(), 'facevault-tpm-')); // 0700; holds only contexts and sealed blobs
    } catch (cause) {
      throw new KeyStoreIoError(KEY_MESSAGES.fileIo, { cause });
    }
    try {
      return await fn(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async function createPrimary(dir: string): Promise<string> {
    const ctx = join(dir, 'primary.ctx');
    // Flushed at once: the primary is used again through its context file (a second copy gets loaded).
    (await tpm('tpm2_createprimary', ['-C', 'o', '-g', 'sha256', '-G', 'ecc', '-c', ctx], { flush: true })).fill(0);
    return ctx;
  }

  async function load(): Promise<Uint8Array | null> {
    const file = await readSmallFile(blobPath, 8 + MAX_PUB + MAX_PRIV);
    if (file === null) return null;
    const { pub, priv } = decodeBlob(file);
    return serialised(() =>
      withWorkDir(async (dir) => {
        const pubPath = join(dir, 'obj.pub');
        const privPath = join(dir, 'obj.priv');
        const objCtx = join(dir, 'obj.ctx');
        await writeFile(pubPath, pub, { mode: 0o600 });
        await writeFile(privPath, priv, { mode: 0o600 });
        const primary = await createPrimary(dir);
        // load leaves primary + sealed object loaded, unseal adds a copy of the latter: 3 objects, the TPM
        // minimum (TPM 2.0 Part 2, MAX_LOADED_OBJECTS ≥ 3); all flushed after unseal.
        (await tpm('tpm2_load', ['-C', primary, '-u', pubPath, '-r', privPath, '-c', objCtx], { flush: false })).fill(0);
        const secret = await tpm('tpm2_unseal', ['-c', objCtx], { flush: true });
        return assertDeviceSecret(secret);
      }),
    );
  }

  async function create(): Promise<Uint8Array> {
    await ensureDataDir(options.dataDir);
    if ((await readSmallFile(blobPath, 8 + MAX_PUB + MAX_PRIV)) !== null) {
      throw new KeyStoreIoError(KEY_MESSAGES.secretExists);
    }
    const secret = new Uint8Array(randomBytes(DEVICE_SECRET_BYTES));
    try {
      const blob = await serialised(() =>
        withWorkDir(async (dir) => {
          const pubPath = join(dir, 'obj.pub');
          const privPath = join(dir, 'obj.priv');
          const primary = await createPrimary(dir);
          // Sealed object attributes: tpm2-tools' default for -i (fixedtpm|fixedparent|userwithauth, no
          // sensitivedataorigin). The secret goes over stdin only.
          (await tpm('tpm2_create', ['-C', primary, '-i', '-', '-u', pubPath, '-r', privPath], { stdin: secret, flush: true })).fill(0);
          const pub = new Uint8Array(await readFile(pubPath));
          const priv = new Uint8Array(await readFile(privPath));
          if (pub.length === 0 || pub.length > MAX_PUB || priv.length === 0 || priv.length > MAX_PRIV) {
            throw new KeyStoreIoError(KEY_MESSAGES.tpmFailed);
          }
          return encodeBlob(pub, priv);
        }),
      );
      if (!(await createExclusive(blobPath, blob))) throw new KeyStoreIoError(KEY_MESSAGES.secretExists);
      return secret;
    } catch (e) {
      secret.fill(0);
      throw e;
    }
  }

  async function destroy(): Promise<void> {
    await removeFile(blobPath);
  }

  return { backend: 'tpm', load, create, destroy };
}
