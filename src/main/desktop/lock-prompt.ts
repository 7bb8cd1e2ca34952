/**
 * The lock-screen prompt of a background desktop unlock: while the OS session is locked and FaceVault checks
 * the owner's face behind the OS lock screen (desktop-unlock.ts), FaceVault's own window is covered, so what
 * the liveness challenge asks ("Turn your head slowly to the left.", step 1 of 2, time left) goes out as a
 * desktop notification, which GNOME Shell lists on its lock screen. This module is the policy, free of any
 * D-Bus: which words for which flow state, when a notice is posted, replaced or closed, how often. The bus
 * side is a `Notifier` (notifications-dbus.ts: org.freedesktop.Notifications).
 *
 * Guarantees:
 *   - the words come from fixed tables (the same challenge words as FaceVault's lock screen,
 *     src/shared/challenge-text.ts) plus the step numbers and whole seconds left; never a score, a reason
 *     for a refusal, the attempts left, or anything read from the camera;
 *   - one notice at a time: a new text is posted as a new notification and the previous one is closed right
 *     after it (GNOME Shell's lock screen re-reads a notification's text only when the number of
 *     notifications changes — an in-place Notify with replaces_id is not shown there, see
 *     docs/desktop-unlock.md); changes of the seconds alone are posted at most once per `minIntervalMs`;
 *   - the calls are serialised and coalesced: a slow notification server sees at most the latest text, never
 *     a backlog;
 *   - everything is closed when the check ends (a short final line first when face unlock gave up, so the
 *     owner knows to type the password); a failing notification server never fails the unlock: it is logged
 *     once per lock with its code (DESKTOP_PROMPT_UNAVAILABLE) and the prompt stays off until the next lock.
 */
import { CHALLENGE_TEXT } from '../../shared/challenge-text.ts';
import type { AuthFlowState } from '../../shared/ipc-contract.ts';

/** What a notice says: a one-line instruction and an optional second line. */
export interface PromptMessage {
  readonly summary: string;
  readonly body: string;
}

/** A notice as the notifier shows it (Desktop Notifications: critical urgency, a fixed category). */
export interface PromptNotice extends PromptMessage {
  /** The last line of a check that gave up (shown for `finalMs`, then closed). */
  readonly final: boolean;
}

/** Where the notices go (notifications-dbus.ts on Linux). Both calls may reject; the prompt copes. */
export interface Notifier {
  /** Posts a new notice; resolves with the id the server gave it. */
  show(notice: PromptNotice): Promise<number>;
  close(id: number): Promise<void>;
  dispose(): void;
}

/** How the background check of one lock ended. */
export type LockCheckEnd =
  /** A face match unlocked the session: the lock screen goes away, nothing more to say. */
  | 'unlocked'
  /** The tries this lock allows were used (or nobody was seen): the password remains. */
  | 'gave-up'
  /** Face unlock locked after too many refusals: only the password (and FaceVault's passphrase) remain. */
  | 'locked-out'
  /** Unlocked another way, the mode turned off, FaceVault closing: close without a word. */
  | 'stopped';

const LOOK = 'Look at the camera to unlock.';

const seconds = (ms: number): number => Math.max(0, Math.ceil(ms / 1000));
const smallInt = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 9;

/**
 * The words for a flow state of the background attempt, or null when this state changes nothing on the lock
 * screen (idle, enrolment states, and 'accepted', which is followed at once by the unlock and `end`).
 */
export function promptFor(state: AuthFlowState): PromptMessage | null {
  switch (state.kind) {
    case 'challenge': {
      if (!Object.hasOwn(CHALLENGE_TEXT, state.challenge)) return { summary: LOOK, body: '' };
      const ok = smallInt(state.step) && smallInt(state.steps) && state.step <= state.steps;
      const left = Number.isFinite(state.remainingMs) ? `${seconds(state.remainingMs)} s left` : '';
      const step = ok ? `Step ${state.step} of ${state.steps}` : '';
      return { summary: CHALLENGE_TEXT[state.challenge], body: [step, left].filter(Boolean).join(' · ') };
    }
    case 'unlocking':
      return { summary: LOOK, body: '' };
    case 'rejected':
      // Never why, how close, or how many tries are left: whoever stands at a locked machine reads this.
      return { summary: 'Not recognised.', body: '' };
    case 'timed-out':
      return { summary: 'I couldn’t see you clearly.', body: 'Face the camera in good light.' };
    default:
      return null;
  }
}

/** The last line of a check, or null to close without one. */
export function finalPromptFor(end: LockCheckEnd): PromptMessage | null {
  switch (end) {
    case 'gave-up':
      return { summary: 'Face unlock stopped.', body: 'Unlock with your password.' };
    case 'locked-out':
      return { summary: 'Face unlock is locked.', body: 'Unlock with your password.' };
    default:
      return null;
  }
}

export interface LockPromptOptions {
  readonly notifier: Notifier;
  /** Least time between two notices that differ only in the seconds left (default 1000 ms). */
  readonly minIntervalMs?: number;
  /** How long the final line stays before it is closed (default 4000 ms). */
  readonly finalMs?: number;
  /** Monotonic clock (ms); default performance.now. */
  readonly now?: () => number;
  /** Timer (default setTimeout, unref'd); returns a cancel function. */
  readonly schedule?: (fn: () => void, ms: number) => () => void;
  readonly log?: (line: string) => void;
}

export interface LockPrompt {
  /** The background check of a new lock starts (a notifier that failed during the last lock is tried again). */
  begin(): void;
  /** A flow state of the background attempt: each frame's reply and each attempt's end. */
  show(state: AuthFlowState): void;
  /** The check of this lock ended: the final line (if any), then everything closed. */
  end(how: LockCheckEnd): void;
  /** 'unavailable' once the notifier failed during the current (or last) lock; else 'notifications'. */
  state(): 'notifications' | 'unavailable';
  /** Resolves once every pending notifier call (and a final line's wait) is done (tests, shutdown). */
  idle(): Promise<void>;
  close(): void;
}

const sameText = (a: PromptMessage | null, b: PromptMessage | null): boolean =>
  a !== null && b !== null && a.summary === b.summary && a.body === b.body;

const defaultSchedule = (fn: () => void, ms: number): (() => void) => {
  const t = setTimeout(fn, ms);
  t.unref?.();
  return () => clearTimeout(t);
};

/**
 * Names the failure safely: a D-Bus error's name (dbus-next's DBusError.type), else the message of one of
 * FaceVault's own errors (safe to log by contract, facevault-error.ts), else the error's class. Never a bus
 * error's free text (it may carry addresses or paths); anything but plain words is dropped.
 */
const failureName = (e: unknown): string => {
  const x = e as { type?: unknown; code?: unknown; message?: unknown } | null;
  const raw =
    typeof x?.type === 'string'
      ? x.type
      : typeof x?.code === 'string' && typeof x.message === 'string'
        ? x.message
        : e instanceof Error
          ? e.name
          : 'unknown';
  return raw.replace(/[^\w .:,-]/g, '').slice(0, 160);
};

export function createLockPrompt(o: LockPromptOptions): LockPrompt {
  const minIntervalMs = o.minIntervalMs ?? 1000;
  const finalMs = o.finalMs ?? 4000;
  const now = o.now ?? (() => performance.now());
  const schedule = o.schedule ?? defaultSchedule;
  const log = o.log ?? (() => {});

  let active = false;
  let failed = false;
  /** What should be on the lock screen now (null: nothing). */
  let wanted: PromptNotice | null = null;
  /** What the server shows, as far as we know. */
  let shownId: number | null = null;
  let shown: PromptNotice | null = null;
  let shownAt = -Infinity;
  let chain: Promise<void> = Promise.resolve();
  let queued = false;
  let cancelTimer: (() => void) | null = null;
  let waiting: Promise<void> = Promise.resolve();

  const fail = (what: string, e: unknown): void => {
    if (!failed)
      log(
        `desktop: lock-screen prompt unavailable (DESKTOP_PROMPT_UNAVAILABLE: ${what} failed, ${failureName(e)})`,
      );
    failed = true;
    wanted = null;
  };

  /** One step towards `wanted`: post it (then close the one it replaces), or close what is shown. */
  async function sync(): Promise<void> {
    queued = false;
    const target = failed ? null : wanted;
    if (target !== null && sameText(target, shown) && target.final === shown?.final) return;
    if (target === null) {
      if (shownId === null) return;
      const id = shownId;
      shownId = null;
      shown = null;
      try {
        await o.notifier.close(id);
      } catch (e) {
        fail('CloseNotification', e);
      }
      return;
    }
    // Only the seconds changed: wait for the interval (the latest text is read when the timer fires).
    const secondsOnly = shown !== null && target.summary === shown.summary && !target.final && !shown.final;
    const wait = shownAt + minIntervalMs - now();
    if (secondsOnly && wait > 0) {
      if (cancelTimer === null)
        cancelTimer = schedule(() => {
          cancelTimer = null;
          kick();
        }, wait);
      return;
    }
    const previous = shownId;
    try {
      const id = await o.notifier.show(target);
      if (!Number.isInteger(id) || id <= 0) throw new TypeError('the server answered without an id');
      shownId = id;
      shown = target;
      shownAt = now();
    } catch (e) {
      fail('Notify', e);
    }
    if (previous !== null && previous !== shownId) {
      try {
        await o.notifier.close(previous);
      } catch (e) {
        fail('CloseNotification', e);
      }
    }
    // Something newer may have been asked for meanwhile.
    if (!sameText(failed ? null : wanted, shown) || (wanted === null && shownId !== null)) kick();
  }

  function kick(): void {
    if (queued) return;
    queued = true;
    chain = chain.then(sync);
  }

  const stopTimer = (): void => {
    cancelTimer?.();
    cancelTimer = null;
  };

  return {
    begin() {
      active = true;
      failed = false;
    },
    show(state) {
      if (!active || failed) return;
      const m = promptFor(state);
      if (m === null) return;
      wanted = { ...m, final: false };
      kick();
    },
    end(how) {
      if (!active) return;
      active = false;
      stopTimer();
      const last = failed ? null : finalPromptFor(how);
      if (last === null) {
        wanted = null;
        kick();
        return;
      }
      wanted = { ...last, final: true };
      kick();
      // The final line stays a moment, then goes (unless a new lock's check took over meanwhile).
      waiting = new Promise<void>((resolve) => {
        schedule(() => {
          if (!active && wanted?.final === true) {
            wanted = null;
            kick();
          }
          resolve();
        }, finalMs);
      });
    },
    state: () => (failed ? 'unavailable' : 'notifications'),
    idle: async () => {
      await waiting;
      await chain;
    },
    close() {
      active = false;
      stopTimer();
      wanted = null;
      kick();
      void chain.then(() => o.notifier.dispose());
    },
  };
}
