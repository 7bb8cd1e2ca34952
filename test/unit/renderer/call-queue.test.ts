/**
 * What a new user hit: two enrolment-status requests raced and the page showed a red IPC_BUSY. The
 * renderer's call queue runs control calls one at a time and shares an identical pending read, against the
 * real main-process router's exclusive-channel rule.
 */
import { describe, expect, it } from 'vitest';
import { createFaceFlow } from '../../../src/main/auth/face-flow.ts';
import { createFrameSink } from '../../../src/main/camera/frame-sink.ts';
import { createDesktopUnlock } from '../../../src/main/desktop/desktop-unlock.ts';
import { unavailableSession } from '../../../src/main/desktop/desktop-session.ts';
import { channelSpecs } from '../../../src/main/ipc/channels.ts';
import { createIpcRouter } from '../../../src/main/ipc/router.ts';
import { createCallQueue } from '../../../src/renderer/src/ipc/client.ts';
import type { EnrolmentStatus } from '../../../src/shared/ipc-contract.ts';
import type { Result } from '../../../src/shared/result.ts';

const APP = 'app://facevault';
const sender = { url: `${APP}/index.html`, isMainFrame: true, id: 1 };

/** The real router with a face flow whose status takes a while (keys being derived on first use). */
function slowMain() {
  let calls = 0;
  const flow = createFaceFlow({
    userId: 'u',
    pipeline: () => null,
    auth: { ready: () => Promise.reject(new Error('not used')), current: () => null, close: () => {} },
    vault: () => Promise.reject(new Error('not used')),
  });
  const slowFlow = {
    ...flow,
    status: async (): Promise<EnrolmentStatus> => {
      calls += 1;
      await new Promise((r) => setTimeout(r, 30));
      return { enrolled: false, lockedOut: false, remainingAttempts: 5 };
    },
  };
  const router = createIpcRouter({
    trustedOrigins: [APP],
    specs: channelSpecs({
      status: () => ({
        appVersion: 't',
        models: 'ready',
        keyStore: 'keychain',
        problem: null,
        appIntegrity: { state: 'sealed-ok', problem: null },
        signing: 'development',
      }),
      frames: createFrameSink(),
      flow: slowFlow,
      vault: () => Promise.reject(new Error('not used')),
      desktop: createDesktopUnlock({
        session: unavailableSession('none'),
        attempt: async () => ({ kind: 'idle' }),
        cancel: () => {},
        livenessProblem: () => null,
        enrolled: async () => false,
      }),
    }),
  });
  const getEnrolment = () =>
    router.dispatch('face:get-enrolment', sender, []) as Promise<Result<EnrolmentStatus>>;
  return { getEnrolment, calls: () => calls };
}

describe('renderer call queue', () => {
  it('reproduces the race without it: the second concurrent request gets IPC_BUSY', async () => {
    const main = slowMain();
    const [a, b] = await Promise.all([main.getEnrolment(), main.getEnrolment()]);
    expect(a.ok).toBe(true);
    expect(b).toMatchObject({ ok: false, error: { code: 'IPC_BUSY' } });
  });

  it('two screens asking for the enrolment at once share one call and both get the answer', async () => {
    const main = slowMain();
    const q = createCallQueue();
    const [a, b] = await Promise.all([
      q.run(main.getEnrolment, 'enrolment'),
      q.run(main.getEnrolment, 'enrolment'),
    ]);
    expect(a).toEqual({ ok: true, value: { enrolled: false, lockedOut: false, remainingAttempts: 5 } });
    expect(b).toEqual(a);
    expect(main.calls()).toBe(1);
  });

  it('different control calls run one after another, never concurrently', async () => {
    const main = slowMain();
    const q = createCallQueue();
    const results = await Promise.all([
      q.run(main.getEnrolment),
      q.run(main.getEnrolment),
      q.run(main.getEnrolment),
    ]);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(main.calls()).toBe(3);
  });

  it('an IPC_BUSY caused elsewhere (another window) is retried, then reported', async () => {
    const q = createCallQueue({ busyBackoffMs: 1 });
    let n = 0;
    const flaky = async (): Promise<Result<number>> =>
      ++n < 3 ? { ok: false, error: { code: 'IPC_BUSY', message: 'busy' } } : { ok: true, value: n };
    expect(await q.run(flaky)).toEqual({ ok: true, value: 3 });
    const always = async (): Promise<Result<number>> => ({
      ok: false,
      error: { code: 'IPC_BUSY', message: 'busy' },
    });
    expect(await q.run(always)).toMatchObject({ ok: false, error: { code: 'IPC_BUSY' } });
    // Other errors are not retried, and a thrown transport error becomes a typed result.
    let m = 0;
    expect(
      await q.run(
        async (): Promise<Result<number>> => (
          m++,
          { ok: false, error: { code: 'MODEL_NOT_LOADED', message: '' } }
        ),
      ),
    ).toMatchObject({ ok: false });
    expect(m).toBe(1);
    expect(await q.run(async () => Promise.reject(new Error('closed')))).toMatchObject({
      ok: false,
      error: { code: 'IPC_INTERNAL' },
    });
  });
});
