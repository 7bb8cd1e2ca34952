/**
 * Enrolment, multi-frame verification and lock-out over the authenticated auth state (replacing the
 * separate template file and HMAC counter file, which could be restored or swapped one by one). The
 * template is sealed under the device-derived template key (auth/template-vault.ts sealTemplate:
 * XChaCha20-Poly1305, user id in the AAD) and stored inside the MAC'd, versioned state with the counter
 * and the vault-key wraps, so neither can be rolled back or replaced alone.
 *
 * Decision rules (as before): frames failing quality/liveness do not count; too few good frames is 'retry'
 * (no attempt used); the median template score against the threshold decides — as soon as the frames still to
 * come could no longer change it (settledMedian); a reject counts towards the
 * 5-failure lock-out, persisted before the answer is returned. An accept releases the vault key
 * (vault.releaseByFace): an unlock is a key release, not a boolean.
 *
 * Owner rules: enrolment and deletion need an OwnerTicket (vault.authorize) that is still valid when the
 * state is written; re-enrolment keeps the vault key and never touches the lock-out; deletion keeps the
 * vault-key wraps, so the passphrase path keeps working.
 */
import { randomBytes } from 'node:crypto';
import type { FrameAnalysis } from '../face/pipeline.ts';
import { buildTemplate, scoreTemplate, type TemplateMode } from '../face/match.ts';
import { EnrolmentNotFoundError, LockedOutError, TemplateModelChangedError } from './errors.ts';
import { guidanceFor, quantiseScore, type CoarseScore, type Guidance } from './guidance.ts';
import { openTemplate, openTemplateWithRecord, sealTemplate, type TemplateRecord } from './template-vault.ts';
import { fromB64, toB64 } from '../vault/auth-state.ts';
import { MAX_FACE_FAILURES, type OwnerTicket, type Vault } from '../vault/vault.ts';
import { OwnerProofRequiredError, VaultNotSetUpError } from '../vault/vault-errors.ts';

export interface FaceDecisionsOptions {
  readonly vault: Vault;
  /** deriveKey('template') (copied; wiped on close). */
  readonly templateKey: Uint8Array;
  /** Cosine threshold for the target FAR (the embedder descriptor's `verifyThreshold`). */
  readonly threshold: number;
  readonly minGoodFrames?: number;
  readonly minLiveScore?: number;
  readonly templateMode?: TemplateMode;
  readonly now?: () => number;
}

export interface VerifyOutcome {
  /** 'pending': the frames to come could still change the outcome (only when `framesToCome` > 0); nothing stored. */
  readonly decision: 'accept' | 'reject' | 'retry' | 'pending';
  readonly coarse?: CoarseScore;
  readonly guidance: readonly Guidance[];
  readonly remainingAttempts: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * The outcome of the median rule over an attempt's usable frames once it no longer depends on the
 * `framesToCome` frames still to arrive (each may be unusable, or score anything), else undefined. Checked at
 * the extremes (a frame unusable, or scoring ±∞): the median moves monotonically with each added score, so
 * if every extreme completion gives one outcome, every completion does. Deciding then gives exactly the
 * decision the whole attempt would have given, frames earlier (bench:decision "settled early").
 */
export function settledMedian(
  scores: readonly number[],
  framesToCome: number,
  minGood: number,
  threshold: number,
): 'accept' | 'reject' | 'retry' | undefined {
  if (!(Number.isInteger(framesToCome) && framesToCome >= 0 && framesToCome <= 8))
    throw new RangeError('framesToCome must be an integer in [0, 8]');
  let outcome: 'accept' | 'reject' | 'retry' | undefined;
  let mixed = false;
  const walk = (xs: number[], left: number): void => {
    if (mixed) return;
    if (left === 0) {
      const o = xs.length < minGood ? 'retry' : median(xs) >= threshold ? 'accept' : 'reject';
      if (outcome === undefined) outcome = o;
      else if (outcome !== o) mixed = true;
      return;
    }
    walk(xs, left - 1);
    walk([...xs, Number.MAX_VALUE], left - 1);
    walk([...xs, -Number.MAX_VALUE], left - 1);
  };
  walk([...scores], framesToCome);
  return mixed ? undefined : outcome;
}

const assertTicket = (ticket: OwnerTicket | undefined, action: string): void => {
  if (!ticket || !ticket.valid()) throw new OwnerProofRequiredError(action);
};

export class FaceDecisions {
  private readonly o: FaceDecisionsOptions;
  private readonly templateKey: Uint8Array;

  constructor(options: FaceDecisionsOptions) {
    this.o = options;
    this.templateKey = Uint8Array.from(options.templateKey);
  }

  private get store() {
    return this.o.vault.store;
  }

  /** Stores (or replaces) the template. Never resets the lock-out; needs a valid owner ticket. */
  async enrol(
    userId: string,
    embeddings: readonly Float32Array[],
    ticket: OwnerTicket | undefined,
    record?: TemplateRecord,
  ): Promise<void> {
    assertTicket(ticket, 'Setting up your face');
    const sealed = sealTemplate(embeddings, userId, this.templateKey, record);
    const id = randomBytes(16).toString('hex');
    const now = (this.o.now ?? Date.now)();
    if ((await this.store.read()) === null) throw new VaultNotSetUpError();
    await this.store.update((s) => {
      assertTicket(ticket, 'Setting up your face'); // a lock may have happened while we waited for the queue
      return { ...s, enrolment: { id, template: toB64(sealed), createdAt: now } };
    });
  }

  /** Removes the template from the state; the vault key and the passphrase path stay. Needs a ticket. */
  async deleteEnrolment(ticket: OwnerTicket | undefined): Promise<void> {
    assertTicket(ticket, 'Deleting your face data');
    if ((await this.store.read()) === null) return;
    await this.store.update((s) => {
      assertTicket(ticket, 'Deleting your face data');
      return { ...s, enrolment: null };
    });
  }

  /** The record sealed with the template at enrolment (liveness: strictness, pinned camera), or null. */
  async enrolmentRecord(userId: string): Promise<TemplateRecord | null> {
    const s = await this.store.read();
    if (s === null || s.enrolment === null) return null;
    const { embeddings, record } = openTemplateWithRecord(
      fromB64(s.enrolment.template),
      userId,
      this.templateKey,
    );
    for (const e of embeddings) e.fill(0);
    return record;
  }

  /**
   * An attempt that failed liveness (issue 12) counts like a rejected match: a presentation attack must not
   * get unlimited draws of the challenge. Persisted before the answer; returns the attempts left.
   */
  async recordLivenessFailure(): Promise<number> {
    const after = await this.store.update((s) => {
      if (s.face.lockedOut) throw new LockedOutError();
      const failures = s.face.failures + 1;
      return { ...s, face: { failures, lockedOut: failures >= MAX_FACE_FAILURES } };
    });
    return after.face.lockedOut ? 0 : Math.max(0, MAX_FACE_FAILURES - after.face.failures);
  }

  async isEnrolled(): Promise<boolean> {
    return (await this.store.read())?.enrolment != null;
  }

  async attempts(): Promise<{ readonly lockedOut: boolean; readonly remainingAttempts: number }> {
    const s = await this.store.read();
    if (s === null) return { lockedOut: false, remainingAttempts: MAX_FACE_FAILURES };
    return {
      lockedOut: s.face.lockedOut,
      remainingAttempts: s.face.lockedOut ? 0 : Math.max(0, MAX_FACE_FAILURES - s.face.failures),
    };
  }

  /**
   * Decides on an attempt's frames. With `framesToCome` > 0 (frames of the attempt not yet arrived) the
   * answer is 'pending' — nothing stored, no attempt counted — unless the median rule's outcome can no longer
   * change (settledMedian), in which case it is exactly the decision the full attempt would give.
   */
  async verify(
    userId: string,
    frames: readonly FrameAnalysis[],
    options: { readonly framesToCome?: number } = {},
  ): Promise<VerifyOutcome> {
    const framesToCome = options.framesToCome ?? 0;
    const state = await this.store.read();
    if (state === null) throw new VaultNotSetUpError();
    if (state.enrolment === null) throw new EnrolmentNotFoundError();
    if (state.face.lockedOut) throw new LockedOutError();
    const remainingBefore = MAX_FACE_FAILURES - state.face.failures;
    const minLive = this.o.minLiveScore ?? 0.8;
    const good = frames.filter(
      (f) =>
        f.quality.ok &&
        f.embedding !== undefined &&
        (f.liveness === undefined || f.liveness.liveScore >= minLive),
    );
    const minGood = this.o.minGoodFrames ?? 2;
    if (framesToCome > 0 && good.length + framesToCome >= minGood && good.length < minGood)
      return { decision: 'pending', guidance: [], remainingAttempts: remainingBefore };
    if (good.length < minGood) {
      const reasons = frames.flatMap((f) => f.quality.reasons);
      const spoofy = frames.some((f) => f.liveness !== undefined && f.liveness.liveScore < minLive);
      return {
        decision: 'retry',
        guidance: [...guidanceFor(reasons), ...(spoofy ? (['hold-still'] as const) : [])],
        remainingAttempts: remainingBefore,
      };
    }
    const enrolmentId = state.enrolment.id;
    const stored = openTemplate(fromB64(state.enrolment.template), userId, this.templateKey);
    let score: number;
    let settled = true;
    try {
      // A template from other models (another embedding length) cannot be scored: say so, count nothing.
      if (stored.some((e) => e.length !== good[0]!.embedding!.length)) throw new TemplateModelChangedError();
      const template = buildTemplate(stored);
      const scores = good.map((f) => scoreTemplate(f.embedding!, template, this.o.templateMode ?? 'mean')); // filtered to defined above
      score = median(scores);
      if (framesToCome > 0 && settledMedian(scores, framesToCome, minGood, this.o.threshold) === undefined)
        settled = false; // the frames to come could still change the median
      template.mean.fill(0);
      for (const e of template.embeddings) e.fill(0);
    } finally {
      for (const e of stored) e.fill(0);
    }
    if (!settled) return { decision: 'pending', guidance: [], remainingAttempts: remainingBefore };
    const coarse = quantiseScore(score, this.o.threshold);
    if (score >= this.o.threshold) {
      // The decision is about the template read above: if it changed meanwhile, do not release on it.
      let current = true;
      await this.store.update((s) => {
        if (s.face.lockedOut) throw new LockedOutError();
        current = s.enrolment?.id === enrolmentId;
        return !current || s.face.failures === 0 ? s : { ...s, face: { failures: 0, lockedOut: false } };
      });
      if (!current) return { decision: 'retry', guidance: [], remainingAttempts: remainingBefore };
      await this.o.vault.releaseByFace();
      return { decision: 'accept', coarse, guidance: [], remainingAttempts: MAX_FACE_FAILURES };
    }
    const after = await this.store.update((s) => {
      const failures = s.face.failures + 1;
      return { ...s, face: { failures, lockedOut: s.face.lockedOut || failures >= MAX_FACE_FAILURES } };
    });
    return {
      decision: 'reject',
      coarse,
      guidance: [],
      remainingAttempts: after.face.lockedOut ? 0 : Math.max(0, MAX_FACE_FAILURES - after.face.failures),
    };
  }

  close(): void {
    this.templateKey.fill(0);
  }
}
