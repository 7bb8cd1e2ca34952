/**
 * The Linux desktop session module against a real D-Bus daemon with python3-dbusmock's logind template (a
 * private bus started here; logind itself cannot run in this container). Covers what GNOME / KDE rely on:
 * LockedHint read at start, the Lock signal and LockedHint changes seen, Session.Lock / Session.Unlock
 * called on the user's session; and the background desktop unlock: a match unlocks, a rejection never
 * does, a stranger gets at most MAX_REJECTS_PER_LOCK tries per lock, and nothing runs without strict
 * liveness or while the mode is off.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDesktopUnlock, MAX_REJECTS_PER_LOCK } from '../../../src/main/desktop/desktop-unlock.ts';
import { logindSession } from '../../../src/main/desktop/logind-dbus.ts';
import type { DesktopSession } from '../../../src/main/desktop/desktop-session.ts';
import type { AuthFlowState } from '../../../src/shared/ipc-contract.ts';
import { SESSION_ID, startLogindMock, type LogindMock } from '../../support/logind-mock.ts';

let logind: LogindMock;
const opened: DesktopSession[] = [];

const until = async (what: string, cond: () => boolean, ms = 5_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

async function session(): Promise<DesktopSession> {
  const s = logindSession({ busAddress: logind.busAddress, sessionId: SESSION_ID });
  await s.open();
  opened.push(s);
  return s;
}

beforeAll(async () => {
  logind = await startLogindMock();
});
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
  if (logind.lockedHint()) logind.unlockFromOs();
});
afterAll(async () => {
  await logind?.stop();
});

describe('logind session over D-Bus (dbusmock)', () => {
  it('reads LockedHint, follows Lock / LockedHint changes, and calls Session.Lock / Unlock', async () => {
    const s = await session();
    expect(s.isLocked()).toBe(false);
    const seen: boolean[] = [];
    s.onChange((l) => seen.push(l));
    logind.lockFromOs();
    await until('locked', () => s.isLocked());
    logind.unlockFromOs();
    await until('unlocked', () => !s.isLocked());
    expect(seen).toEqual([true, false]);
    const before = logind.sessionCalls().length;
    await s.lock();
    await until('Lock signal back', () => s.isLocked());
    await s.unlock();
    await until('Unlock signal back', () => !s.isLocked());
    expect(logind.sessionCalls().slice(before)).toEqual(['Lock', 'Unlock']);
  });

  it('a session that is already locked at start reads as locked', async () => {
    logind.lockFromOs();
    const s = await session();
    expect(s.isLocked()).toBe(true);
  });

  it('an unknown bus is a typed, plain-words failure', async () => {
    const s = logindSession({ busAddress: 'unix:path=/nonexistent/bus', sessionId: SESSION_ID });
    await expect(s.open()).rejects.toMatchObject({ code: 'DESKTOP_SESSION_FAILED' });
  });
});

describe('background desktop unlock', () => {
  function controller(
    s: DesktopSession,
    outcomes: AuthFlowState['kind'][],
    opts: { liveness?: string | null } = {},
  ) {
    const calls: string[] = [];
    const d = createDesktopUnlock({
      session: s,
      attempt: async () => {
        const k = outcomes.shift() ?? 'timed-out';
        calls.push(k);
        await new Promise((r) => setTimeout(r, 10));
        return k === 'rejected'
          ? { kind: 'rejected', coarse: 0, remainingAttempts: 3 }
          : k === 'accepted'
            ? { kind: 'accepted', coarse: 3 }
            : ({ kind: k } as AuthFlowState);
      },
      cancel: () => calls.push('cancel'),
      livenessProblem: () => (opts.liveness === undefined ? null : opts.liveness),
      enrolled: async () => true,
    });
    return { d, calls };
  }

  it('a face match while the session is locked unlocks it through logind', async () => {
    const s = await session();
    const { d, calls } = controller(s, ['timed-out', 'accepted']);
    await d.start();
    d.setEnabled(true);
    logind.lockFromOs();
    await until('unlocked by face', () => d.status().lastEvent === 'unlocked-by-face');
    await d.idle();
    expect(calls).toEqual(['timed-out', 'accepted']);
    expect(logind.sessionCalls().at(-1)).toBe('Unlock');
    expect(d.status()).toMatchObject({
      available: true,
      enabled: true,
      sessionLocked: false,
      verifying: false,
    });
  });

  it('a different face never unlocks, and gets only a bounded number of tries per lock', async () => {
    const s = await session();
    const { d, calls } = controller(s, ['rejected', 'rejected', 'rejected', 'accepted']);
    await d.start();
    d.setEnabled(true);
    const before = logind.sessionCalls().length;
    logind.lockFromOs();
    await until('rejected', () => d.status().lastEvent === 'face-rejected');
    await until('gave up', () => calls.length >= MAX_REJECTS_PER_LOCK && !d.status().verifying);
    await d.idle();
    expect(calls).toEqual(Array(MAX_REJECTS_PER_LOCK).fill('rejected'));
    expect(logind.sessionCalls().slice(before)).not.toContain('Unlock');
    expect(s.isLocked()).toBe(true);
  });

  it('does nothing while off, or without strict liveness (the mode reads unavailable with the reason)', async () => {
    const s = await session();
    const off = controller(s, ['accepted']);
    await off.d.start();
    logind.lockFromOs();
    await until('locked', () => s.isLocked());
    await off.d.idle();
    expect(off.calls).toEqual([]);
    logind.unlockFromOs();
    await until('unlocked', () => !s.isLocked());

    const noPad = controller(s, ['accepted'], { liveness: 'Needs the anti-spoofing model.' });
    await noPad.d.start();
    noPad.d.setEnabled(true);
    logind.lockFromOs();
    await until('locked', () => s.isLocked());
    await noPad.d.idle();
    expect(noPad.calls).toEqual([]);
    expect(noPad.d.status()).toMatchObject({ available: false, reason: 'Needs the anti-spoofing model.' });
  });

  it('reads the owner’s choice from where the settings live (isEnabled), on every lock', async () => {
    const s = await session();
    let on = false;
    const calls: string[] = [];
    const d = createDesktopUnlock({
      session: s,
      attempt: async () => (calls.push('attempt'), { kind: 'accepted', coarse: 3 }),
      cancel: () => {},
      livenessProblem: () => null,
      enrolled: async () => true,
      isEnabled: () => on,
    });
    await d.start();
    logind.lockFromOs();
    await until('locked', () => s.isLocked());
    await d.idle();
    expect(calls).toEqual([]);
    expect(d.status().enabled).toBe(false);
    on = true;
    d.setEnabled(true); // the settings layer changed the stored value, then tells the controller
    await until('unlocked by face', () => d.status().lastEvent === 'unlocked-by-face');
    expect(calls).toEqual(['attempt']);
  });

  it('"lock now" locks the session through logind', async () => {
    const s = await session();
    const { d } = controller(s, []);
    await d.start();
    const st = await d.lockNow();
    expect(st.lastEvent).toBe('lock-requested');
    await until('locked', () => s.isLocked());
    expect(logind.sessionCalls().at(-1)).toBe('Lock');
  });
});
