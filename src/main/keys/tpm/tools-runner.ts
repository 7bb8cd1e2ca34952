/**
 * Running tpm2-tools 5.x: one child process per command, the secret only over stdin/stdout (never argv,
 * environment or a file), stdout buffers wiped, a timeout per command, and the mapping of a failed run's
 * stderr (tpm2-tools / tss2 wording) to the key store's typed errors.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  KEY_MESSAGES,
  KeyBackendUnavailableError,
  KeyBindingError,
  KeyStoreIoError,
  KeyStoreLockedError,
} from '../key-errors.ts';

export type SpawnFn = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

/** node:child_process spawn, the default SpawnFn. */
export const defaultSpawn: SpawnFn = spawn;

/** Throws when the TPM device node cannot be opened read-write by this user. */
export async function assertDeviceAccessible(path: string): Promise<void> {
  await access(path, constants.R_OK | constants.W_OK);
}

/** A private (0700, mkdtemp) work directory for the tools' context and blob files, removed afterwards. */
export async function withWorkDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
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

/** Writes a sealed public/private area for a tool to read (inside withWorkDir only; never a secret). */
export const writeWorkFile = (path: string, data: Uint8Array): Promise<void> =>
  writeFile(path, data, { mode: 0o600 });
/** Reads what a tool wrote (inside withWorkDir only). */
export const readWorkFile = async (path: string): Promise<Uint8Array> => new Uint8Array(await readFile(path));

// ---- running tools ----------------------------------------------------------------------------------------
export interface ToolResult {
  readonly code: number | null;
  readonly stdout: Uint8Array;
  readonly stderr: string;
}

export function runTool(
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

export function mapSpawnError(e: unknown): Error {
  if (typeof e === 'object' && e !== null && 'code' in e && (e.code === 'ENOENT' || e.code === 'EACCES')) {
    return new KeyBackendUnavailableError(KEY_MESSAGES.tpmToolsMissing, { cause: e });
  }
  return new KeyStoreIoError(KEY_MESSAGES.tpmFailed, { cause: e });
}

/** Maps a failed tool run to a typed error from its stderr (tpm2-tools 5.x / tss2 wording). */
export function mapTpmFailure(tool: string, res: { code: number | null; stderr: string }): Error {
  const s = res.stderr.toLowerCase();
  const cause = new Error(
    `${tool} exited with ${String(res.code)}: ${res.stderr.trim().split('\n').slice(-3).join(' | ')}`,
  );
  if (
    /could not load tcti|failed to instantiate tcti|cannot connect|failed to open specified tcti device|permission denied|no such file or directory.*tpm/.test(
      s,
    )
  ) {
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
