import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FRAME_MAX_BYTES } from '../../../src/shared/frame-limits.ts';
import { createFrameSink } from '../../../src/main/camera/frame-sink.ts';
import { channelSpecs } from '../../../src/main/ipc/channels.ts';
import { createIpcRouter, type ChannelSpecs } from '../../../src/main/ipc/router.ts';
import { FaceVaultError } from '../../../src/main/errors/facevault-error.ts';
import { ModelsNotReadyError, type FaceAuthService } from '../../../src/main/auth/face-auth-service.ts';
import { createFaceFlow } from '../../../src/main/auth/face-flow.ts';
import { createDesktopUnlock } from '../../../src/main/desktop/desktop-unlock.ts';
import { unavailableSession } from '../../../src/main/desktop/desktop-session.ts';

const APP = 'app://facevault';
const trusted = { url: `${APP}/index.html`, isMainFrame: true, id: 1 };
const meta = { width: 640, height: 480, format: 'rgba8', timestampMs: 0 };
const status = () => ({
  appVersion: '1',
  models: 'not-loaded' as const,
  keyStore: 'not-opened' as const,
  problem: null,
  appIntegrity: { state: 'sealed-ok' as const, problem: null },
  signing: 'release' as const,
});

function setup(opts: { consumerDelay?: Promise<void>; throwing?: unknown } = {}) {
  let t = 0;
  const frames = createFrameSink(async () => {
    await opts.consumerDelay;
    if (opts.throwing) throw opts.throwing;
    return { guidance: 'no-face', flow: { kind: 'idle' } };
  });
  const rejected: string[] = [];
  const router = createIpcRouter({
    trustedOrigins: [APP],
    specs: channelSpecs({ status, frames, flow: idleFlow(), vault: noVault, desktop: noDesktop() }),
    now: () => t,
    onRejected: (_c, code) => rejected.push(code),
  });
  return { router, frames, rejected, advance: (ms: number) => (t += ms) };
}

const frame = () => new ArrayBuffer(640 * 480 * 4);
const noAuth: FaceAuthService = {
  ready: () => Promise.reject(new ModelsNotReadyError()),
  current: () => null,
  close: () => {},
};
const noVault = () => Promise.reject(new Error('no vault in this test'));
const noDesktop = () =>
  createDesktopUnlock({
    session: unavailableSession('none'),
    attempt: async () => ({ kind: 'idle' }),
    cancel: () => {},
    livenessProblem: () => null,
    enrolled: async () => false,
  });
const idleFlow = () => createFaceFlow({ userId: 'u', pipeline: () => null, auth: noAuth, vault: noVault });

describe('IPC router', () => {
  it('answers a valid call with ok', async () => {
    const { router } = setup();
    expect(await router.dispatch('app:get-status', trusted, [])).toEqual({ ok: true, value: status() });
    expect(await router.dispatch('camera:submit-frame', trusted, [meta, frame()])).toEqual({
      ok: true,
      value: { frameNumber: 1, guidance: 'no-face', flow: { kind: 'idle' }, overlay: null },
    });
  });

  it('accepts a Uint8Array view (as Electron may deliver) and copies exactly its bytes', async () => {
    const { router } = setup();
    const big = new Uint8Array(640 * 480 * 4 + 100);
    const r = await router.dispatch('camera:submit-frame', trusted, [
      meta,
      big.subarray(50, 50 + 640 * 480 * 4),
    ]);
    expect(r.ok).toBe(true);
  });

  it.each([
    ['unknown channel', 'keys:dump', trusted, [], 'IPC_UNKNOWN_CHANNEL'],
    ['prototype key as channel', '__proto__', trusted, [], 'IPC_UNKNOWN_CHANNEL'],
    [
      'other origin',
      'app:get-status',
      { ...trusted, url: 'https://evil.example/' },
      [],
      'IPC_UNTRUSTED_SENDER',
    ],
    ['sub-frame', 'app:get-status', { ...trusted, isMainFrame: false }, [], 'IPC_UNTRUSTED_SENDER'],
    ['destroyed frame', 'app:get-status', { ...trusted, url: null }, [], 'IPC_UNTRUSTED_SENDER'],
    ['file:// page', 'app:get-status', { ...trusted, url: 'file:///tmp/x.html' }, [], 'IPC_UNTRUSTED_SENDER'],
    [
      'lookalike host',
      'app:get-status',
      { ...trusted, url: 'app://facevault.evil/' },
      [],
      'IPC_UNTRUSTED_SENDER',
    ],
    ['extra argument', 'app:get-status', trusted, [1], 'IPC_INVALID_PAYLOAD'],
    ['missing pixels', 'camera:submit-frame', trusted, [meta], 'IPC_INVALID_PAYLOAD'],
    ['string pixels', 'camera:submit-frame', trusted, [meta, 'AAAA'], 'IPC_INVALID_PAYLOAD'],
    [
      'negative width',
      'camera:submit-frame',
      trusted,
      [{ ...meta, width: -640 }, frame()],
      'IPC_INVALID_PAYLOAD',
    ],
    [
      'fractional height',
      'camera:submit-frame',
      trusted,
      [{ ...meta, height: 480.5 }, frame()],
      'IPC_INVALID_PAYLOAD',
    ],
    [
      'NaN timestamp',
      'camera:submit-frame',
      trusted,
      [{ ...meta, timestampMs: Number.NaN }, frame()],
      'IPC_INVALID_PAYLOAD',
    ],
    ['unknown key', 'camera:submit-frame', trusted, [{ ...meta, x: 1 }, frame()], 'IPC_INVALID_PAYLOAD'],
    [
      'too wide',
      'camera:submit-frame',
      trusted,
      [{ ...meta, width: 100_000 }, new ArrayBuffer(16)],
      'IPC_INVALID_PAYLOAD',
    ],
    [
      'other format',
      'camera:submit-frame',
      trusted,
      [{ ...meta, format: 'bgr' }, frame()],
      'IPC_INVALID_PAYLOAD',
    ],
    ['mis-sized frame', 'camera:submit-frame', trusted, [meta, new ArrayBuffer(10)], 'FRAME_INVALID'],
    [
      'oversize frame',
      'camera:submit-frame',
      trusted,
      [meta, new ArrayBuffer(FRAME_MAX_BYTES + 2048)],
      'IPC_PAYLOAD_TOO_LARGE',
    ],
    ['deep nesting', 'app:get-status', trusted, [[[[[[[[[[[1]]]]]]]]]]], 'IPC_PAYLOAD_TOO_LARGE'],
  ] as const)('refuses %s', async (_name, channel, sender, args, code) => {
    const { router, frames } = setup();
    const r = await router.dispatch(channel, sender, args);
    expect(r).toMatchObject({ ok: false, error: { code } });
    expect(frames.accepted).toBe(0);
  });

  it('refuses a second frame while one is in flight (back-pressure), then accepts again', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { router, advance } = setup({ consumerDelay: gate });
    const first = router.dispatch('camera:submit-frame', trusted, [meta, frame()]);
    advance(100);
    expect(await router.dispatch('camera:submit-frame', trusted, [meta, frame()])).toMatchObject({
      ok: false,
      error: { code: 'IPC_BUSY' },
    });
    release();
    expect((await first).ok).toBe(true);
    advance(100);
    expect((await router.dispatch('camera:submit-frame', trusted, [meta, frame()])).ok).toBe(true);
  });

  it('rate-limits a flood per sender and recovers as tokens refill', async () => {
    const { router, advance } = setup();
    const results = [];
    for (let i = 0; i < 100; i++)
      results.push(await router.dispatch('camera:submit-frame', trusted, [meta, frame()]));
    expect(results.filter((r) => r.ok)).toHaveLength(3); // the burst, no time has passed
    expect(results.filter((r) => !r.ok && r.error.code === 'IPC_RATE_LIMITED')).toHaveLength(97);
    // Another window is not starved by the first one's flood.
    expect((await router.dispatch('camera:submit-frame', { ...trusted, id: 2 }, [meta, frame()])).ok).toBe(
      true,
    );
    advance(1000);
    let ok = 0;
    for (let i = 0; i < 100; i++)
      if ((await router.dispatch('camera:submit-frame', trusted, [meta, frame()])).ok) ok++;
    expect(ok).toBe(3); // refilled to the burst cap, never beyond
  });

  it('turns a typed error into its code and an unexpected throw into IPC_INTERNAL without leaking it', async () => {
    class Boom extends FaceVaultError {}
    const typed = setup({ throwing: new Boom('FACE_QUALITY', 'too blurry') });
    expect(await typed.router.dispatch('camera:submit-frame', trusted, [meta, frame()])).toEqual({
      ok: false,
      error: { code: 'FACE_QUALITY', message: 'too blurry' },
    });
    const untyped = setup({ throwing: new Error('secret key 0xdeadbeef') });
    const r = await untyped.router.dispatch('camera:submit-frame', trusted, [meta, frame()]);
    expect(r).toEqual({ ok: false, error: { code: 'IPC_INTERNAL', message: 'internal error' } });
  });

  it('never throws, whatever the arguments', async () => {
    const specs: ChannelSpecs = {
      ...channelSpecs({
        status,
        frames: createFrameSink(),
        flow: idleFlow(),
        vault: noVault,
        desktop: noDesktop(),
      }),
      'app:get-status': {
        schema: z.tuple([]),
        maxBytes: 64,
        rate: { perSecond: 1e9, burst: 1e9 },
        exclusive: false,
        handler: async () => status(),
      },
    };
    const router = createIpcRouter({ trustedOrigins: [APP], specs });
    const weird: unknown[] = [
      null,
      undefined,
      1,
      'x',
      {},
      { length: 1e9 },
      new Proxy(
        {},
        {
          get: () => {
            throw new Error('trap');
          },
        },
      ),
    ];
    for (const w of weird) {
      // @ts-expect-error: deliberately not a list/string, as a compromised transport could send
      const r = await router.dispatch(w, trusted, w);
      expect(r.ok).toBe(false);
      const r2 = await router.dispatch('app:get-status', trusted, [w]);
      expect(r2.ok).toBe(false);
    }
  });
});
