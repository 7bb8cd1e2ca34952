/**
 * Requests from the command line for the vault (docs/filelock-format.md "CLI channel"): `facevault
 * unlock <path>` while the vault is locked does not unlock anything by itself — it puts a request here,
 * the app's window shows it (which path, which process asked) and the person at the computer answers:
 * look at the camera or type the recovery passphrase (the window's own unlock, which releases the vault
 * key in main as always) or deny. Guarantees:
 *   - a request never unlocks the vault: it only waits until the vault is unlocked by the usual face match
 *     or passphrase, is denied (LOCAL_CHANNEL_DENIED), expires (FILELOCK_VAULT_LOCKED) or is abandoned
 *     (the CLI disconnected: its signal aborts) — then it is gone from the list;
 *   - bounded: at most MAX_PENDING at once (more are refused at once), paths bounded to 4096 characters,
 *     the process name to 64 printable characters; ids are random (a renderer can only deny what it sees);
 *   - what the window sees is display text the app checked, not anything the CLI could make look like UI:
 *     the path as given (absolute, already validated by the channel), the pid from the kernel's peer
 *     credentials (SO_PEERCRED) and the name the OS reports for that pid — informative, not proof (a pid
 *     can be reused after the process exits; the same-user check is what authorises the connection).
 */
import { randomBytes } from 'node:crypto';
import type { CliRequest, CliRequestsView } from '../../shared/ipc-contract.ts';
import { FaceVaultError } from '../errors/facevault-error.ts';
import { FileLockError } from './errors.ts';

export const MAX_PENDING = 8;
const MAX_PATH = 4096;
const POLL_MS = 200;

export interface CliAsk {
  readonly op: 'lock' | 'unlock';
  readonly path: string;
  readonly pid: number | null;
  readonly processName: string | null;
}

export interface CliRequests {
  /** Resolves once the vault is unlocked; rejects when denied, expired, aborted or too many are pending. */
  ask(r: CliAsk, timeoutMs: number, signal?: AbortSignal): Promise<void>;
  view(): CliRequestsView;
  /** The window's "Deny"; an unknown id (already answered or expired) is not an error. */
  deny(id: string): CliRequestsView;
}

export interface CliRequestsOptions {
  readonly isUnlocked: () => boolean;
  /** Called when a request is added (the app brings its window forward). */
  readonly onAsk?: () => void;
  readonly now?: () => number;
}

const printable = (s: string | null, max: number): string | null => {
  if (s === null) return null;
  const clean = s
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .trim()
    .slice(0, max);
  return clean.length > 0 ? clean : null;
};

export function createCliRequests(o: CliRequestsOptions): CliRequests {
  const now = o.now ?? Date.now;
  interface Pending {
    readonly req: CliRequest;
    denied: boolean;
  }
  const pending = new Map<string, Pending>();
  const view = (): CliRequestsView => ({ requests: [...pending.values()].map((p) => p.req) });
  return {
    async ask(r, timeoutMs, signal) {
      if (o.isUnlocked()) return;
      if (typeof r.path !== 'string' || r.path.length === 0 || r.path.length > MAX_PATH)
        throw new FileLockError('FILELOCK_NOT_FOUND', 'expected an absolute path');
      if (pending.size >= MAX_PENDING)
        throw new FaceVaultError(
          'LOCAL_CHANNEL_DENIED',
          'Too many requests are already waiting in FaceVault; answer those first.',
        );
      const id = randomBytes(12).toString('hex');
      const askedAt = now();
      const entry: Pending = {
        req: {
          id,
          op: r.op,
          path: r.path,
          pid: Number.isInteger(r.pid) && (r.pid ?? 0) > 0 ? r.pid : null,
          processName: printable(r.processName, 64),
          askedAt,
          expiresAt: askedAt + timeoutMs,
        },
        denied: false,
      };
      pending.set(id, entry);
      o.onAsk?.();
      try {
        await new Promise<void>((resolve, reject) => {
          const tick = () => {
            if (entry.denied)
              return reject(
                new FaceVaultError('LOCAL_CHANNEL_DENIED', 'The request was denied in FaceVault.'),
              );
            if (signal?.aborted)
              return reject(new FaceVaultError('LOCAL_CHANNEL_DENIED', 'The command line stopped waiting.'));
            if (o.isUnlocked()) return resolve();
            if (now() >= entry.req.expiresAt)
              return reject(
                new FileLockError(
                  'FILELOCK_VAULT_LOCKED',
                  'No answer in FaceVault in time: unlock it in its window, or use --passphrase.',
                ),
              );
            setTimeout(tick, POLL_MS);
          };
          tick();
        });
      } finally {
        pending.delete(id);
      }
    },
    view,
    deny(id) {
      const p = typeof id === 'string' ? pending.get(id) : undefined;
      if (p) {
        p.denied = true;
        pending.delete(id);
      }
      return view();
    },
  };
}
