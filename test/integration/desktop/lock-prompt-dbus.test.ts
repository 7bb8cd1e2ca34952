/**
 * The lock-screen prompt over real D-Bus: FaceVault's Desktop Notifications client (notifications-dbus.ts)
 * against python3-dbusmock's notification_daemon template on a private bus, and the background desktop unlock
 * (desktop-unlock.ts + lock-prompt.ts) against that server and dbusmock's logind on another bus. What was sent
 * is read back from dbusmock's call log (GetCalls): the arguments of every Notify (app name, summary, body,
 * hints: critical urgency as a byte, category, desktop entry, GNOME's privacy scope) and CloseNotification.
 * A missing server (a bus without one; no bus at all) is a typed DESKTOP_PROMPT_UNAVAILABLE and never stops a
 * face match from unlocking.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDesktopUnlock, type DesktopUnlock } from '../../../src/main/desktop/desktop-unlock.ts';
import { createLockPrompt } from '../../../src/main/desktop/lock-prompt.ts';
import { logindSession } from '../../../src/main/desktop/logind-dbus.ts';
import { freedesktopNotifier } from '../../../src/main/desktop/notifications-dbus.ts';
import type { AuthFlowState } from '../../../src/shared/ipc-contract.ts';
import { SESSION_ID, startLogindMock, type LogindMock } from '../../support/logind-mock.ts';
import {
  startNotificationsMock,
  type NotificationsMock,
  type NotifyCall,
} from '../../support/notifications-mock.ts';
import { startPrivateBus, type PrivateBus } from '../../support/private-bus.ts';

let server: NotificationsMock;
let logind: LogindMock;
let emptyBus: PrivateBus;
let emptyRoot: string;

const until = async (what: string, cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

beforeAll(async () => {
  server = await startNotificationsMock();
  logind = await startLogindMock();
  emptyRoot = await mkdtemp(join(tmpdir(), 'fv-nobus-'));
  emptyBus = await startPrivateBus(emptyRoot); // a session bus without a notification server
});
afterAll(async () => {
  await server?.stop();
  await logind?.stop();
  await emptyBus?.stop();
  if (emptyRoot) await rm(emptyRoot, { recursive: true, force: true });
});

describe('Desktop Notifications client (dbusmock notification_daemon)', () => {
  it('Notify carries the prompt as the spec and GNOME read it; CloseNotification closes it by its id', async () => {
    const n = freedesktopNotifier({ busAddress: server.busAddress });
    const before = (await server.calls()).length;
    const id = await n.show({
      summary: 'Turn your head slowly to the left.',
      body: 'Step 1 of 2 · 6 s left',
      final: false,
    });
    expect(id).toBeGreaterThan(0);
    await n.close(id);
    const calls = (await server.calls()).slice(before);
    expect(calls).toEqual([
      {
        method: 'Notify',
        appName: 'FaceVault',
        replacesId: 0,
        appIcon: 'facevault',
        summary: 'Turn your head slowly to the left.',
        body: 'Step 1 of 2 · 6 s left',
        actions: [],
        hints: {
          urgency: 2,
          category: 'x-facevault.desktop-unlock',
          'desktop-entry': 'facevault',
          'x-gnome-privacy-scope': 'system',
          'suppress-sound': true,
        },
        expireTimeout: 30_000,
      },
      { method: 'CloseNotification', id },
    ]);
    n.dispose();
  });

  it('text is sent as plain text (markup characters escaped)', async () => {
    const n = freedesktopNotifier({ busAddress: server.busAddress });
    const before = (await server.calls()).length;
    await n.show({ summary: 'a <b>bold</b> & plain', body: '', final: false });
    const [call] = (await server.calls()).slice(before) as NotifyCall[];
    expect(call?.summary).toBe('a &lt;b&gt;bold&lt;/b&gt; &amp; plain');
    n.dispose();
  });

  it('no notification server on the bus, or no bus: a typed DESKTOP_PROMPT_UNAVAILABLE naming the D-Bus error', async () => {
    const none = freedesktopNotifier({ busAddress: emptyBus.address });
    await expect(none.show({ summary: 'x', body: '', final: false })).rejects.toMatchObject({
      code: 'DESKTOP_PROMPT_UNAVAILABLE',
      message: expect.stringContaining('org.freedesktop.DBus.Error.ServiceUnknown'),
    });
    none.dispose();
    const nobus = freedesktopNotifier({ busAddress: 'unix:path=/nonexistent/bus', callTimeoutMs: 1_000 });
    await expect(nobus.show({ summary: 'x', body: '', final: false })).rejects.toMatchObject({
      code: 'DESKTOP_PROMPT_UNAVAILABLE',
    });
    nobus.dispose();
  });
});

describe('background desktop unlock with its lock-screen prompt', () => {
  /** A background attempt that plays the flow states a strict attempt goes through, then ends as `end`. */
  function controller(notifyAddress: string, ends: AuthFlowState[], log: string[]) {
    let d: DesktopUnlock | null = null;
    d = createDesktopUnlock({
      session: logindSession({ busAddress: logind.busAddress, sessionId: SESSION_ID }),
      attempt: async () => {
        for (const [challenge, step] of [
          ['turn-right', 1],
          ['turn-left', 2],
        ] as const) {
          for (const remainingMs of [6000, 5000]) {
            d?.observe({ kind: 'challenge', challenge, step, steps: 2, remainingMs });
            await new Promise((r) => setTimeout(r, 30));
          }
        }
        d?.observe({ kind: 'unlocking' });
        return ends.shift() ?? { kind: 'timed-out' };
      },
      cancel: () => {},
      livenessProblem: () => null,
      enrolled: async () => true,
      enabled: true,
      log: (l) => log.push(l),
      prompt: createLockPrompt({
        notifier: freedesktopNotifier({ busAddress: notifyAddress }),
        minIntervalMs: 0,
        finalMs: 50,
        log: (l) => log.push(l),
      }),
    });
    return d;
  }

  it('each challenge step is shown on the lock screen, and the prompt is closed when the face unlocks', async () => {
    const log: string[] = [];
    const before = (await server.calls()).length;
    const d = controller(server.busAddress, [{ kind: 'accepted', coarse: 3 }], log);
    await d.start();
    const mark = logind.sessionCalls().length;
    logind.lockFromOs();
    await until('unlocked by face', () => d.status().lastEvent === 'unlocked-by-face');
    await d.idle();
    expect(logind.sessionCalls().slice(mark)).toContain('Unlock');
    const calls = (await server.calls()).slice(before);
    const shown = calls.flatMap((c) => (c.method === 'Notify' ? [`${c.summary} | ${c.body}`] : []));
    expect(shown).toEqual([
      'Turn your head slowly to the right. | Step 1 of 2 · 6 s left',
      'Turn your head slowly to the right. | Step 1 of 2 · 5 s left',
      'Turn your head slowly to the left. | Step 2 of 2 · 6 s left',
      'Turn your head slowly to the left. | Step 2 of 2 · 5 s left',
      'Look at the camera to unlock. | ',
    ]);
    // Every notice posted was closed, the last one once the face unlocked the session.
    const ids = await idsOf(calls);
    expect(ids.closed.sort()).toEqual(ids.posted.sort());
    expect(calls.at(-1)).toMatchObject({ method: 'CloseNotification' });
    expect(log.filter((l) => l.includes('DESKTOP_PROMPT_UNAVAILABLE'))).toEqual([]);
    expect(d.status().lockScreenPrompt).toBe('notifications');
    d.close();
  });

  it('a check that gives up leaves a short final line, then closes it; nothing stays on the lock screen', async () => {
    const log: string[] = [];
    const before = (await server.calls()).length;
    const no: AuthFlowState = { kind: 'rejected', coarse: 1, remainingAttempts: 4 };
    const d = controller(server.busAddress, [no, no], log);
    await d.start();
    logind.lockFromOs();
    await until('gave up', () => d.status().lastEvent === 'face-rejected' && !d.status().verifying);
    await d.idle();
    const calls = (await server.calls()).slice(before);
    const notices = calls.filter((c): c is NotifyCall => c.method === 'Notify');
    // (A refusal's "Not recognised." may be coalesced away by the next attempt's challenge: only the latest
    // text is ever sent.)
    expect(notices.at(-1)).toMatchObject({
      summary: 'Face unlock stopped.',
      body: 'Unlock with your password.',
    });
    for (const c of notices) expect(`${c.summary} ${c.body}`).not.toMatch(/tries|attempt|score|match/i);
    const ids = await idsOf(calls);
    expect(ids.closed.sort()).toEqual(ids.posted.sort());
    expect(logind.lockedHint()).toBe(true);
    logind.unlockFromOs();
    d.close();
  });

  it('without a notification server the face still unlocks; one plain log line with the code', async () => {
    const log: string[] = [];
    const d = controller(emptyBus.address, [{ kind: 'accepted', coarse: 3 }], log);
    await d.start();
    logind.lockFromOs();
    await until('unlocked by face', () => d.status().lastEvent === 'unlocked-by-face');
    await d.idle();
    expect(log.filter((l) => l.includes('DESKTOP_PROMPT_UNAVAILABLE'))).toEqual([
      'desktop: lock-screen prompt unavailable (DESKTOP_PROMPT_UNAVAILABLE: Notify failed, Notify failed: org.freedesktop.DBus.Error.ServiceUnknown)',
    ]);
    expect(log.join('\n')).not.toContain(emptyBus.address);
    expect(d.status().lockScreenPrompt).toBe('unavailable');
    d.close();
  });
});

/** The ids Notify returned, matched to the calls in order (the template numbers them 1, 2, … per server). */
async function idsOf(
  calls: readonly { method: string; id?: number }[],
): Promise<{ posted: number[]; closed: number[] }> {
  const all = await server.calls();
  // The template's ids count every Notify it ever answered: the n-th Notify in its log got id n.
  const notifyIndex = new Map<unknown, number>();
  all.forEach((c, i) => {
    if (c.method === 'Notify') notifyIndex.set(i, notifyIndex.size + 1);
  });
  const offset = all.length - calls.length;
  const posted = calls.flatMap((c, i) => (c.method === 'Notify' ? [notifyIndex.get(i + offset)!] : []));
  const closed = calls.flatMap((c) => (c.method === 'CloseNotification' ? [c.id!] : []));
  return { posted, closed };
}
