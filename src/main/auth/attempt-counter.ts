/**
 * Failed-attempt counter that survives restarts and is tamper-evident: a small JSON state with an
 * HMAC-SHA256 (RFC 2104; @noble/hashes) under a caller-supplied key. Fails closed: a bad MAC, an unreadable
 * file, or a missing file while a template exists all count as locked out (STATE_CORRUPT) until the recovery
 * flow calls `reset`. Not protected: replaying an older, validly-MACed file (rollback) — closing that needs a
 * monotonic counter outside the file system (TPM NV counter / key-store entry); `seq` is there for it.
 */
import { join } from 'node:path';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { describeRefusal, readBoundedFileIfExists } from '../storage/bounded-read.ts';
import { ensurePrivateDir, removeFileDurably, writeFileAtomic } from '../storage/atomic-write.ts';
import { cannotSave } from '../storage/storage-errors.ts';
import { AttemptStateCorruptError } from './errors.ts';
import { assertUserId } from './template-vault.ts';

export const MAX_FAILED_ATTEMPTS = 5;
const save = cannotSave('the attempt counter');

export interface AttemptState {
  readonly failures: number;
  readonly lockedOut: boolean;
  /** Increases on every write. */
  readonly seq: number;
}

const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const body = (userId: string, s: AttemptState): string =>
  JSON.stringify({ v: 1, userId, failures: s.failures, lockedOut: s.lockedOut, seq: s.seq });

const timingSafeEqualHex = (a: string, b: string): boolean => {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return d === 0;
};

export class AttemptCounter {
  private readonly dir: string;
  private readonly key: Uint8Array;
  private readonly maxFailures: number;

  constructor(dir: string, key: Uint8Array, maxFailures = MAX_FAILED_ATTEMPTS) {
    if (!(key instanceof Uint8Array) || key.length !== 32)
      throw new RangeError('attempt-counter key must be 32 bytes');
    this.dir = dir;
    this.key = key;
    this.maxFailures = maxFailures;
  }

  private path(userId: string): string {
    assertUserId(userId);
    return join(this.dir, `attempts-${userId}.json`);
  }

  /** Current state; throws AttemptStateCorruptError when the file is missing, malformed or its MAC fails. */
  async read(userId: string): Promise<AttemptState> {
    const raw = await readBoundedFileIfExists(this.path(userId), {
      maxBytes: 4096,
      symlinks: 'refuse',
      refuse: (why) =>
        new AttemptStateCorruptError(
          `attempt counter ${describeRefusal(why)}; face unlock is disabled until recovery`,
        ),
    });
    if (raw === null) throw new AttemptStateCorruptError('attempt counter is missing');
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder().decode(raw));
    } catch {
      throw new AttemptStateCorruptError();
    }
    if (typeof parsed !== 'object' || parsed === null || !('state' in parsed) || !('mac' in parsed))
      throw new AttemptStateCorruptError();
    const { state, mac } = parsed;
    if (typeof state !== 'string' || typeof mac !== 'string') throw new AttemptStateCorruptError();
    if (!timingSafeEqualHex(toHex(hmac(sha256, this.key, new TextEncoder().encode(state))), mac))
      throw new AttemptStateCorruptError();
    // The MAC covers exactly this string, which only this class writes.
    const s = JSON.parse(state) as {
      v: number;
      userId: string;
      failures: number;
      lockedOut: boolean;
      seq: number;
    };
    if (s.v !== 1 || s.userId !== userId) throw new AttemptStateCorruptError();
    return { failures: s.failures, lockedOut: s.lockedOut, seq: s.seq };
  }

  private async write(userId: string, s: AttemptState): Promise<AttemptState> {
    await ensurePrivateDir(this.dir, save);
    const state = body(userId, s);
    const mac = toHex(hmac(sha256, this.key, new TextEncoder().encode(state)));
    await writeFileAtomic(this.path(userId), new TextEncoder().encode(JSON.stringify({ state, mac })), {
      fail: save,
    });
    return s;
  }

  /** Fresh counter (enrolment, or after recovery). */
  async reset(userId: string): Promise<AttemptState> {
    let seq = 0;
    try {
      seq = (await this.read(userId)).seq;
    } catch {
      // A missing or corrupt counter is exactly what reset replaces; the recovery flow authorised it.
    }
    return this.write(userId, { failures: 0, lockedOut: false, seq: seq + 1 });
  }

  /** Records one failed attempt; locks out at `maxFailures`. */
  async recordFailure(userId: string): Promise<AttemptState> {
    const s = await this.read(userId);
    const failures = s.failures + 1;
    return this.write(userId, {
      failures,
      lockedOut: s.lockedOut || failures >= this.maxFailures,
      seq: s.seq + 1,
    });
  }

  /** A successful face unlock clears the failure count (never a lock-out). */
  async recordSuccess(userId: string): Promise<AttemptState> {
    const s = await this.read(userId);
    if (s.lockedOut) return s;
    return s.failures === 0 ? s : this.write(userId, { failures: 0, lockedOut: false, seq: s.seq + 1 });
  }

  async remove(userId: string): Promise<void> {
    await removeFileDurably(this.path(userId), save);
  }
}
