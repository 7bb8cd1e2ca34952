/**
 * The TPM 2.0 NV monotonic counter that anchors the auth-state version (TPM 2.0 Library Part 1 §37.2.2,
 * TPM_NT_COUNTER; Part 3 TPM2_NV_DefineSpace / TPM2_NV_Increment / TPM2_NV_Read), driven through tpm2-tools
 * 5.x (tpm2_nvdefine with `nt=counter`, tpm2_nvincrement, tpm2_nvread, tpm2_getcap, tpm2_nvreadpublic).
 * This file is the child_process adapter (TPM commands serialised with every other TPM command of the
 * process, command-queue.ts); the policy lives in vault/auth-state-store.ts.
 *
 * Guarantees: the counter only increases (the TPM enforces it; a new counter starts at the highest value any
 * counter on this TPM ever had, never 0); the index is chosen in the owner range 0x01000000–0x013FFFFF from
 * a device-derived seed, so one device key always finds its own counter, and a deleted auth-state file is
 * detected as long as the counter exists; an index that exists with other attributes (another program's) is
 * skipped, never used or altered; every call is serialised with all TPM commands and bounded by a timeout; every
 * failure is AuthAnchorUnavailableError (fail closed). No secret is involved: the counter's value is
 * public, and incrementing it behind our back only makes our state look rolled back (a denial of service
 * that an attacker able to talk to the TPM could also get by deleting files).
 * Attributes: authread|authwrite with an empty index password (no owner password needed after creation),
 * no_da (wrong-password attempts never feed the TPM's dictionary-attack counter).
 */
import { execFile } from 'node:child_process';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { VersionAnchor } from '../../vault/version-anchor.ts';
import { AuthAnchorUnavailableError } from '../../vault/vault-errors.ts';
import { serialised } from './command-queue.ts';

const OWNER_NV_FIRST = 0x01000000;
const OWNER_NV_SPAN = 0x00400000;
const CANDIDATES = 4;
export const NV_COUNTER_ATTRIBUTES = 'nt=counter|authread|authwrite|no_da';

function tool(
  name: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      name,
      args,
      {
        encoding: 'buffer',
        timeout: timeoutMs,
        maxBuffer: 1024 * 1024,
        env: { ...process.env, TPM2TOOLS_TCTI: undefined, LANG: 'C', LC_ALL: 'C' },
      },
      (e, stdout, stderr) => {
        const code = e === null ? 0 : typeof e.code === 'number' ? e.code : -1;
        resolve({ code, stdout, stderr: stderr.toString('utf8').slice(-2000) });
      },
    );
  });
}

/** The candidate NV indices for a device-derived seed (32 bytes). */
export function candidateIndices(seed: Uint8Array): number[] {
  return Array.from({ length: CANDIDATES }, (_, i) => {
    const h = hmac(sha256, seed, new TextEncoder().encode(`facevault/auth-state/nv-index/${i}`));
    const v = ((h[0]! << 16) | (h[1]! << 8) | h[2]!) % OWNER_NV_SPAN;
    return OWNER_NV_FIRST + v;
  });
}

const hex = (i: number): string => `0x${i.toString(16)}`;

export interface TpmNvCounterOptions {
  readonly tcti: string;
  /** Device-derived seed that picks the index (e.g. HMAC of the auth-state key). */
  readonly seed: Uint8Array;
  readonly timeoutMs?: number;
}

export function createTpmNvCounter(o: TpmNvCounterOptions): VersionAnchor & { destroy(): Promise<void> } {
  const timeout = o.timeoutMs ?? 30_000;
  const candidates = candidateIndices(o.seed);
  let chosen: number | null = null;

  const run = async (name: string, args: readonly string[]): Promise<Buffer> => {
    const r = await tool(name, ['-T', o.tcti, ...args], timeout);
    if (r.code !== 0)
      throw new AuthAnchorUnavailableError({ cause: new Error(`${name} exited ${r.code}: ${r.stderr}`) });
    return r.stdout;
  };

  const definedIndices = async (): Promise<Set<number>> => {
    const out = (await run('tpm2_getcap', ['handles-nv-index'])).toString('utf8');
    return new Set([...out.matchAll(/0x([0-9a-fA-F]+)/g)].map((m) => parseInt(m[1]!, 16)));
  };

  /** Ours: an 8-byte counter index with exactly our attributes. Returns whether it was written. */
  const inspect = async (index: number): Promise<{ ours: boolean; written: boolean }> => {
    const out = (await run('tpm2_nvreadpublic', [hex(index)])).toString('utf8');
    const friendly = /friendly:\s*([a-z_|=0-9x]+)\s*\n\s*value:\s*0x[0-9A-Fa-f]+\s*\n\s*size:\s*(\d+)/.exec(
      out,
    );
    if (!friendly) return { ours: false, written: false };
    const attrs = new Set(friendly[1]!.split('|'));
    const ours =
      friendly[2] === '8' &&
      attrs.has('nt=0x1') &&
      attrs.has('authread') &&
      attrs.has('authwrite') &&
      attrs.has('no_da') &&
      !attrs.has('ownerwrite') &&
      !attrs.has('policywrite');
    return { ours, written: attrs.has('written') };
  };

  const readValue = async (index: number): Promise<bigint> => {
    const b = await run('tpm2_nvread', [hex(index), '-s', '8']);
    if (b.length !== 8)
      throw new AuthAnchorUnavailableError({ cause: new Error(`tpm2_nvread returned ${b.length} bytes`) });
    return b.readBigUInt64BE(0);
  };

  /** The index this device key uses if it exists: the first candidate that is ours. */
  const find = async (): Promise<{ index: number; written: boolean } | null> => {
    const defined = await definedIndices();
    for (const index of candidates) {
      if (!defined.has(index)) continue;
      const r = await inspect(index);
      if (r.ours) return { index, written: r.written };
    }
    return null;
  };

  return {
    kind: 'tpm-nv-counter',
    get nvIndex() {
      return chosen;
    },
    read: () =>
      serialised(async () => {
        const f = await find();
        if (f === null) return null;
        chosen = f.index;
        if (!f.written) await run('tpm2_nvincrement', [hex(f.index)]);
        return readValue(f.index);
      }),
    create: () =>
      serialised(async () => {
        let f = await find();
        if (f === null) {
          const defined = await definedIndices();
          const free = candidates.find((c) => !defined.has(c));
          if (free === undefined)
            throw new AuthAnchorUnavailableError({
              cause: new Error('no free NV index among the candidates'),
            });
          await run('tpm2_nvdefine', ['-C', 'o', '-s', '8', '-a', NV_COUNTER_ATTRIBUTES, hex(free)]);
          f = { index: free, written: false };
        }
        chosen = f.index;
        if (!f.written) await run('tpm2_nvincrement', [hex(f.index)]);
        return readValue(f.index);
      }),
    increment: () =>
      serialised(async () => {
        const index = chosen ?? (await find())?.index;
        if (index === undefined)
          throw new AuthAnchorUnavailableError({ cause: new Error('the NV counter is gone') });
        chosen = index;
        await run('tpm2_nvincrement', [hex(index)]);
        return readValue(index);
      }),
    /** Removes the counter (a deliberate reset of FaceVault on this device key; needs owner authorisation). */
    destroy: () =>
      serialised(async () => {
        const f = await find();
        if (f !== null) await run('tpm2_nvundefine', ['-C', 'o', hex(f.index)]);
        chosen = null;
      }),
  };
}
