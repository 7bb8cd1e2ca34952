/**
 * "Unlock my desktop with my face": when the OS session locks, FaceVault checks the face in the background
 * (no window needs to be visible; the app supplies camera frames while `verifying` is true) and, on a
 * match, asks the OS to unlock the session. Guarantees:
 *   - off unless the owner turned it on (the settings layer asks for the owner's proof before setEnabled);
 *   - never runs without the anti-spoofing stage: `livenessReady()` must be true (strict liveness), else the
 *     mode reads as unavailable with that reason and nothing is verified;
 *   - one background attempt at a time; attempts that see no usable face cost nothing and are retried a few
 *     times; at most MAX_REJECTS_PER_LOCK rejected attempts per lock, so a stranger sitting at a locked
 *     machine cannot use up the owner's face attempts; the OS password always remains;
 *   - a rejection or a lock-out never unlocks; only an 'accepted' decision calls unlock();
 *   - with a `prompt`, what the background attempt asks (the liveness challenge, step, time left) reaches the
 *     OS lock screen as a notification while the check runs, and is closed when it ends (lock-prompt.ts); only
 *     the background attempt's states are shown, only while the session is locked, and a prompt that fails
 *     never stops the check.
 */
import type { AuthFlowState, DesktopUnlockStatus } from '../../shared/ipc-contract.ts';
import { DesktopSessionError, type DesktopSession } from './desktop-session.ts';
import type { LockCheckEnd, LockPrompt } from './lock-prompt.ts';

export const MAX_REJECTS_PER_LOCK = 2;
/** Attempts without a decision (no face, timed out) before the background check gives up for this lock. */
export const MAX_EMPTY_ATTEMPTS_PER_LOCK = 5;

export interface DesktopUnlockOptions {
  readonly session: DesktopSession;
  /** One whole unlock attempt on the camera frames (FaceFlow.attempt). */
  readonly attempt: () => Promise<AuthFlowState>;
  /** Stops a running attempt (FaceFlow.cancel). */
  readonly cancel: () => void;
  /** Null when strict liveness can run (the anti-spoofing model is loaded); else the reason it cannot. */
  readonly livenessProblem: () => string | null;
  /** Whether a face is enrolled at all. */
  readonly enrolled: () => Promise<boolean>;
  readonly enabled?: boolean;
  /**
   * Where the owner's choice lives, when elsewhere (the vault's authenticated settings): read on every
   * lock. Without it, `enabled` / setEnabled hold it here.
   */
  readonly isEnabled?: () => boolean | Promise<boolean>;
  readonly log?: (line: string) => void;
  /** Shows the background attempt's prompts on the OS lock screen (notifications; lock-prompt.ts). */
  readonly prompt?: LockPrompt;
}

export interface DesktopUnlock {
  /** Connects to the session (a failure makes the mode unavailable, with the reason). */
  start(): Promise<void>;
  status(): DesktopUnlockStatus;
  /** The status after re-reading the owner's choice from where it lives. */
  refresh(): Promise<DesktopUnlockStatus>;
  /**
   * Callers check the owner's proof first (OWNER_GATED_SETTINGS: desktopUnlock). With `isEnabled`, call it
   * after the setting changed (the value is read from there).
   */
  setEnabled(enabled: boolean): DesktopUnlockStatus;
  lockNow(): Promise<DesktopUnlockStatus>;
  /**
   * A flow state seen on the camera frames (each frame's reply): shown on the OS lock screen when it belongs to
   * the background attempt of a locked session, ignored otherwise.
   */
  observe(state: AuthFlowState): void;
  /** Resolves when the background check of the current lock (if any) has finished (tests, shutdown). */
  idle(): Promise<void>;
  close(): void;
}

export function createDesktopUnlock(o: DesktopUnlockOptions): DesktopUnlock {
  const log = o.log ?? (() => {});
  let enabledHere = o.enabled ?? false;
  /** The last answer of `isEnabled` (for the synchronous status), refreshed on every lock and read. */
  let enabledSeen = false;
  const isOnNow = async (): Promise<boolean> => {
    if (!o.isEnabled) return enabledHere;
    try {
      enabledSeen = await o.isEnabled();
    } catch {
      enabledSeen = false; // the settings cannot be read (vault not open): off
    }
    return enabledSeen;
  };
  const isOn = (): boolean => (o.isEnabled ? enabledSeen : enabledHere);
  let connectProblem: string | null = o.session.unavailableReason;
  let verifying = false;
  let attemptRunning = false;
  let lastEvent: DesktopUnlockStatus['lastEvent'] = 'none';
  let run: Promise<void> = Promise.resolve();
  let lockGeneration = 0;
  let unsubscribe: () => void = () => {};

  const problem = (): string | null => connectProblem ?? o.livenessProblem();

  async function checkWhileLocked(generation: number): Promise<void> {
    let rejects = 0;
    let empty = 0;
    let ended: LockCheckEnd = 'stopped';
    verifying = true;
    o.prompt?.begin();
    try {
      while (
        (await isOnNow()) &&
        problem() === null &&
        generation === lockGeneration &&
        o.session.isLocked() &&
        rejects < MAX_REJECTS_PER_LOCK &&
        empty < MAX_EMPTY_ATTEMPTS_PER_LOCK
      ) {
        if (!(await o.enrolled())) return;
        let end: AuthFlowState;
        attemptRunning = true;
        try {
          end = await o.attempt();
        } catch (e) {
          // locked out, models gone: the OS password remains
          ended = (e as { code?: unknown } | null)?.code === 'VERIFY_LOCKED_OUT' ? 'locked-out' : 'gave-up';
          return;
        } finally {
          attemptRunning = false;
        }
        if (generation !== lockGeneration || !o.session.isLocked()) return;
        if (end.kind === 'accepted') {
          // The prompt goes first: it must not outlive the lock screen on the unlocked desktop.
          o.prompt?.end('unlocked');
          await o.session.unlock();
          lastEvent = 'unlocked-by-face';
          log('desktop: session unlocked by a face match');
          return;
        }
        o.prompt?.show(end);
        // A face that left the picture costs no attempt (face-flow.ts): for this loop it is an empty attempt,
        // not one of the few rejections a lock allows.
        if ((end.kind === 'rejected' && end.reason !== 'face-lost') || end.kind === 'locked-out') {
          lastEvent = 'face-rejected';
          rejects += 1;
          if (end.kind === 'locked-out') {
            ended = 'locked-out';
            return;
          }
        } else {
          empty += 1;
        }
      }
      if (rejects >= MAX_REJECTS_PER_LOCK || empty >= MAX_EMPTY_ATTEMPTS_PER_LOCK) ended = 'gave-up';
    } catch (e) {
      log(`desktop: background unlock failed (${e instanceof Error ? e.name : 'unknown'})`);
      ended = 'gave-up';
    } finally {
      verifying = false;
      // Still locked and this lock's check: say so if face unlock gave up; else just close.
      o.prompt?.end(generation === lockGeneration && o.session.isLocked() ? ended : 'stopped');
    }
  }

  const onChange = (locked: boolean): void => {
    lockGeneration += 1;
    if (!locked) {
      o.prompt?.end('stopped'); // unlocked (by the password, or by this face match): nothing to prompt for
      if (attemptRunning) o.cancel(); // unlocked by other means (password): stop looking
      return;
    }
    if (problem() !== null) return;
    const generation = lockGeneration;
    run = run.then(async () => {
      if (await isOnNow()) await checkWhileLocked(generation);
    });
  };

  const api: DesktopUnlock = {
    async start() {
      if (connectProblem !== null) return;
      try {
        await o.session.open();
        unsubscribe = o.session.onChange(onChange);
        if (o.session.isLocked()) onChange(true);
      } catch (e) {
        connectProblem = `No desktop session to unlock: ${e instanceof Error ? e.message : 'logind is unreachable'}.`;
      }
    },
    status() {
      const p = problem();
      return {
        available: p === null,
        reason: p,
        enabled: isOn(),
        sessionLocked: o.session.isLocked(),
        verifying,
        lastEvent,
        lockScreenPrompt: o.prompt ? o.prompt.state() : 'none',
      };
    },
    async refresh() {
      await isOnNow();
      return api.status();
    },
    setEnabled(next) {
      enabledHere = next;
      if (next && o.session.isLocked()) onChange(true);
      if (!next && attemptRunning) o.cancel(); // the check ends; its prompt is closed as it does
      return api.status();
    },
    async lockNow() {
      if (connectProblem !== null) throw new DesktopSessionError(connectProblem, true);
      await o.session.lock();
      lastEvent = 'lock-requested';
      return api.status();
    },
    observe(state) {
      if (attemptRunning && verifying && o.session.isLocked()) o.prompt?.show(state);
    },
    idle: async () => {
      await run;
      await o.prompt?.idle();
    },
    close() {
      unsubscribe();
      lockGeneration += 1;
      o.prompt?.close();
      o.session.close();
    },
  };
  return api;
}
