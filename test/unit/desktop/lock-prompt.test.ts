/**
 * The lock-screen prompt's policy (src/main/desktop/lock-prompt.ts) with a recording notifier and a manual
 * clock: the words for each flow state, one notice at a time (a new text is a new notice, the old one closed
 * after it), the seconds at most once a second, the final line then closed, coalescing behind a slow server,
 * and a failing server logged once per lock with its code and no message text. The D-Bus side is
 * test/integration/desktop/lock-prompt-dbus.test.ts against a real bus.
 */
import { describe, expect, it } from 'vitest';
import {
  createLockPrompt,
  finalPromptFor,
  promptFor,
  type Notifier,
  type PromptNotice,
} from '../../../src/main/desktop/lock-prompt.ts';
import { CHALLENGE_TEXT } from '../../../src/shared/challenge-text.ts';
import type { AuthFlowState } from '../../../src/shared/ipc-contract.ts';

type Op =
  { op: 'show'; id: number; summary: string; body: string; final: boolean } | { op: 'close'; id: number };

function recorder(opts: { failShow?: (n: number) => boolean; slow?: () => Promise<void> } = {}) {
  const ops: Op[] = [];
  const open = new Set<number>();
  let next = 1;
  let shows = 0;
  const notifier: Notifier = {
    async show(n: PromptNotice) {
      await opts.slow?.();
      shows += 1;
      if (opts.failShow?.(shows)) {
        const e = new Error(
          'org.freedesktop.DBus.Error.ServiceUnknown: The name is not activatable; unix:path=/secret',
        );
        Object.assign(e, { type: 'org.freedesktop.DBus.Error.ServiceUnknown' });
        throw e;
      }
      const id = next++;
      open.add(id);
      ops.push({ op: 'show', id, summary: n.summary, body: n.body, final: n.final });
      return id;
    },
    async close(id) {
      open.delete(id);
      ops.push({ op: 'close', id });
    },
    dispose() {},
  };
  return { notifier, ops, open };
}

function clock() {
  let t = 0;
  const timers: Array<{ at: number; fn: () => void; off: boolean }> = [];
  return {
    now: () => t,
    schedule: (fn: () => void, ms: number) => {
      const timer = { at: t + ms, fn, off: false };
      timers.push(timer);
      return () => (timer.off = true);
    },
    async advance(ms: number) {
      t += ms;
      for (const timer of timers.filter((x) => !x.off && x.at <= t)) {
        timer.off = true;
        timer.fn();
      }
      await new Promise((r) => setTimeout(r, 0));
    },
  };
}

const challenge = (c: string, step: number, remainingMs: number): AuthFlowState =>
  ({ kind: 'challenge', challenge: c, step, steps: 2, remainingMs }) as AuthFlowState;

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('lock-screen prompt words', () => {
  it('a challenge says what to do, which step, and the whole seconds left; the same words as the window', () => {
    for (const [kind, text] of Object.entries(CHALLENGE_TEXT)) {
      const m = promptFor(challenge(kind, 1, 5_200));
      expect(m).toEqual({ summary: text, body: 'Step 1 of 2 · 6 s left' });
    }
    expect(promptFor(challenge('turn-left', 2, 0))?.body).toBe('Step 2 of 2 · 0 s left');
    expect(promptFor(challenge('turn-left', 2, -50))?.body).toBe('Step 2 of 2 · 0 s left');
  });

  it('never a score, a reason or the tries left, whatever the state carries', () => {
    const states: AuthFlowState[] = [
      { kind: 'rejected', coarse: 3, remainingAttempts: 4, reason: 'presentation-attack' },
      { kind: 'rejected', coarse: 2, remainingAttempts: 1 },
      { kind: 'timed-out' },
      { kind: 'unlocking' },
    ];
    for (const s of states) {
      const m = promptFor(s)!;
      expect(`${m.summary} ${m.body}`).not.toMatch(/\d/);
      expect(`${m.summary} ${m.body}`).not.toMatch(/photo|screen|mask|attack|score|match/i);
    }
  });

  it('states that change nothing on the lock screen give no words; odd input falls back safely', () => {
    for (const s of [
      { kind: 'idle' },
      { kind: 'accepted', coarse: 3 },
      { kind: 'enrolled' },
      { kind: 'enrolling', captured: 1, needed: 5 },
    ] as AuthFlowState[])
      expect(promptFor(s)).toBeNull();
    expect(promptFor(challenge('wiggle-ears', 1, 3000))).toEqual({
      summary: 'Look at the camera to unlock.',
      body: '',
    });
    expect(promptFor(challenge('turn-left', 7, Number.NaN))?.body).toBe('');
    expect(finalPromptFor('unlocked')).toBeNull();
    expect(finalPromptFor('stopped')).toBeNull();
    expect(finalPromptFor('gave-up')?.body).toBe('Unlock with your password.');
    expect(finalPromptFor('locked-out')?.summary).toBe('Face unlock is locked.');
  });
});

describe('lock-screen prompt policy', () => {
  it('each new instruction is a new notice and the one before is closed after it; unlocked closes at once', async () => {
    const r = recorder();
    const c = clock();
    const p = createLockPrompt({ notifier: r.notifier, now: c.now, schedule: c.schedule });
    p.begin();
    p.show(challenge('turn-right', 1, 6000));
    await p.idle();
    await c.advance(300);
    p.show(challenge('turn-left', 2, 6000));
    await p.idle();
    p.end('unlocked');
    await p.idle();
    expect(r.ops).toEqual([
      {
        op: 'show',
        id: 1,
        summary: 'Turn your head slowly to the right.',
        body: 'Step 1 of 2 · 6 s left',
        final: false,
      },
      {
        op: 'show',
        id: 2,
        summary: 'Turn your head slowly to the left.',
        body: 'Step 2 of 2 · 6 s left',
        final: false,
      },
      { op: 'close', id: 1 },
      { op: 'close', id: 2 },
    ]);
    expect(r.open.size).toBe(0);
  });

  it('the seconds alone change at most once a second, and the latest one is shown when the second is up', async () => {
    const r = recorder();
    const c = clock();
    const p = createLockPrompt({ notifier: r.notifier, now: c.now, schedule: c.schedule });
    p.begin();
    // A frame every 100 ms for 2.5 s of a 6 s step.
    for (let t = 0; t <= 2500; t += 100) {
      p.show(challenge('blink', 1, 6000 - t));
      await settle();
      await c.advance(100);
    }
    await c.advance(1000);
    await p.idle();
    const shown = r.ops.flatMap((o) => (o.op === 'show' ? [o.body] : []));
    expect(shown).toEqual(['Step 1 of 2 · 6 s left', 'Step 1 of 2 · 5 s left', 'Step 1 of 2 · 4 s left']);
    // Never two notices at once: each show but the first is followed by the close of the one before.
    expect(r.open.size).toBe(1);
    p.end('stopped');
    await p.idle();
    expect(r.open.size).toBe(0);
  });

  it('gave up: the final line, which is closed after finalMs; nothing after end', async () => {
    const r = recorder();
    const c = clock();
    const p = createLockPrompt({ notifier: r.notifier, now: c.now, schedule: c.schedule, finalMs: 4000 });
    p.begin();
    p.show({ kind: 'rejected', coarse: 1, remainingAttempts: 3 });
    await settle();
    p.end('gave-up');
    await settle();
    await settle();
    expect(r.ops.at(-2)).toMatchObject({ op: 'show', summary: 'Face unlock stopped.', final: true });
    expect(r.open.size).toBe(1);
    p.show(challenge('turn-left', 1, 6000)); // a stray frame after the end changes nothing
    await c.advance(4000);
    await p.idle();
    expect(r.open.size).toBe(0);
    expect(r.ops.filter((o) => o.op === 'show')).toHaveLength(2);
  });

  it('a slow server sees only the latest text, never a backlog', async () => {
    let release: () => void = () => {};
    const gate = () => new Promise<void>((res) => (release = res));
    const r = recorder({ slow: gate });
    const c = clock();
    const p = createLockPrompt({ notifier: r.notifier, now: c.now, schedule: c.schedule });
    p.begin();
    p.show(challenge('turn-right', 1, 6000));
    await settle();
    for (const k of ['look-up', 'blink', 'move-closer', 'turn-left']) p.show(challenge(k, 2, 6000));
    release();
    await settle();
    release();
    await settle();
    await p.idle();
    expect(r.ops.flatMap((o) => (o.op === 'show' ? [o.summary] : []))).toEqual([
      'Turn your head slowly to the right.',
      'Turn your head slowly to the left.',
    ]);
  });

  it('a missing notification server is logged once per lock, by code and D-Bus error name only; the next lock tries again', async () => {
    const lines: string[] = [];
    const r = recorder({ failShow: (n) => n === 1 });
    const c = clock();
    const p = createLockPrompt({
      notifier: r.notifier,
      now: c.now,
      schedule: c.schedule,
      log: (l) => lines.push(l),
    });
    p.begin();
    p.show(challenge('turn-right', 1, 6000));
    await p.idle();
    p.show(challenge('turn-left', 2, 6000));
    await p.idle();
    p.end('gave-up');
    await p.idle();
    expect(lines).toEqual([
      'desktop: lock-screen prompt unavailable (DESKTOP_PROMPT_UNAVAILABLE: Notify failed, org.freedesktop.DBus.Error.ServiceUnknown)',
    ]);
    expect(lines.join('\n')).not.toContain('/secret');
    expect(p.state(), 'Settings says the last lock could not show the prompt').toBe('unavailable');
    p.begin(); // the next lock: the server is back
    expect(p.state()).toBe('notifications');
    p.show(challenge('blink', 1, 6000));
    await p.idle();
    expect(r.open.size).toBe(1);
    p.end('stopped');
    await p.idle();
    expect(r.open.size).toBe(0);
  });

  it('shows nothing before begin(); close() closes what is shown', async () => {
    const r = recorder();
    const c = clock();
    const p = createLockPrompt({ notifier: r.notifier, now: c.now, schedule: c.schedule });
    p.show(challenge('turn-right', 1, 6000));
    await p.idle();
    expect(r.ops).toEqual([]);
    p.begin();
    p.show(challenge('turn-right', 1, 6000));
    await p.idle();
    p.close();
    await p.idle();
    expect(r.open.size).toBe(0);
  });
});
