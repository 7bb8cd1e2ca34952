/**
 * Issue 10 item 1: a hostile renderer sends `submitFrame` a 20 M-, 60 M- or 120 M-element array. Main must
 * refuse it with a typed IPC_PAYLOAD_TOO_LARGE in O(1) — measured here by the event loop's delay (a blocked
 * loop is what a user feels) and heap growth while the router decides, never by wall clock. Before the fix the
 * size estimate walked every element before checking its limit: 20 M cost a 3.8 s stall and +1.8 GB of heap,
 * 60 M and 120 M aborted V8 (out of memory) — so this file fails on the old router by its bounds or by
 * crashing the test process.
 * Also: the rate limit is applied before the size check (a flood of oversized frames costs one bucket look-up
 * each), and the preload forwards only the contract's FrameMeta fields.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { FRAME_MAX_BYTES } from '../../src/shared/frame-limits.ts';
import type { AppStatus } from '../../src/shared/ipc-contract.ts';
import type { Result } from '../../src/shared/result.ts';
import { createFrameSink } from '../../src/main/camera/frame-sink.ts';
import { channelSpecs, type ChannelDeps } from '../../src/main/ipc/channels.ts';
import { createIpcRouter } from '../../src/main/ipc/router.ts';
import { createBridge, type Invoke } from '../../src/preload/bridge.ts';

const APP = 'app://facevault';
const trusted = { url: `${APP}/index.html`, isMainFrame: true, id: 7 };
const meta = { width: 640, height: 480, format: 'rgba8', timestampMs: 1 };
const status = (): AppStatus => ({
  appVersion: '1',
  models: 'not-loaded',
  keyStore: 'not-opened',
  problem: null,
  appIntegrity: { state: 'sealed-ok', problem: null },
  signing: 'release',
});

/** The real channel table; the flow must never be reached by a refused call. */
function router(now?: () => number) {
  const never = (): never => {
    throw new Error('handler reached');
  };
  const flow = {
    consumer: never,
    status: never,
    startEnrolment: never,
    startUnlock: never,
    cancel: never,
    deleteEnrolment: never,
    awaitDecision: never,
    state: never,
    attempt: never,
    livenessStatus: never,
  };
  const deps: ChannelDeps = {
    status,
    frames: createFrameSink(),
    flow,
    vault: () => Promise.reject(new Error('handler reached')),
    desktop: {
      start: never,
      status: never,
      refresh: never,
      setEnabled: never,
      lockNow: never,
      observe: never,
      idle: never,
      close: never,
    },
  };
  return createIpcRouter({ trustedOrigins: [APP], specs: channelSpecs(deps), ...(now ? { now } : {}) });
}

/** What a structured-clone transport hands main for an array of `n` holes: cheap to send, `length` = n. */
function clonedLengthOnlyArray(n: number): unknown[] {
  const a: unknown[] = [];
  a.length = n;
  return v8.deserialize(v8.serialize(a)) as unknown[];
}

interface Measured {
  readonly result: Result<unknown>;
  readonly eventLoopDelayMaxMs: number;
  readonly heapGrowthBytes: number;
}

/** Dispatches once; event-loop delay over the call (1 ms resolution) and heap growth across its synchronous part. */
async function measureOnce(args: unknown[], r: ReturnType<typeof router>): Promise<Measured> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  await new Promise((res) => setTimeout(res, 20));
  h.enable();
  await new Promise((res) => setTimeout(res, 20));
  const heap0 = process.memoryUsage().heapUsed;
  const pending = r.dispatch('camera:submit-frame', trusted, args);
  const heapGrowthBytes = process.memoryUsage().heapUsed - heap0;
  const result = await pending;
  await new Promise((res) => setTimeout(res, 30));
  h.disable();
  return { result, eventLoopDelayMaxMs: h.max / 1e6, heapGrowthBytes };
}

/**
 * The least disturbed of three calls (a fresh router each, so the rate limit does not interfere): on a loaded
 * machine an unrelated GC pause or a descheduled thread can land in one window; the old walk could never be
 * under the bounds in any of them (seconds and gigabytes every time).
 */
async function measure(args: unknown[]): Promise<Measured> {
  const runs: Measured[] = [];
  for (let i = 0; i < 3; i++) runs.push(await measureOnce(args, router()));
  const best = runs.reduce((a, b) => (b.eventLoopDelayMaxMs < a.eventLoopDelayMaxMs ? b : a));
  return { ...best, heapGrowthBytes: Math.min(...runs.map((m) => m.heapGrowthBytes)) };
}

/** Far above the O(1) refusal (a few ms of timer jitter) and far below the old walk (seconds, gigabytes). */
const MAX_DELAY_MS = 250;
const MAX_HEAP_GROWTH = 16 * 1024 * 1024;

describe('IPC size pre-check under a flood of elements', () => {
  it('refuses a dense 20 M-element array as meta in O(1): typed error, no stall, no heap growth', async () => {
    const payload = new Array<number>(20_000_000).fill(0);
    const m = await measure([payload, new ArrayBuffer(8)]);
    expect(m.result).toMatchObject({ ok: false, error: { code: 'IPC_PAYLOAD_TOO_LARGE' } });
    expect(m.eventLoopDelayMaxMs).toBeLessThan(MAX_DELAY_MS);
    expect(m.heapGrowthBytes).toBeLessThan(MAX_HEAP_GROWTH);
    console.info(
      `dense 20M: delay max ${m.eventLoopDelayMaxMs.toFixed(1)} ms, heap +${(m.heapGrowthBytes / 1e6).toFixed(2)} MB`,
    );
  });

  it.each([20_000_000, 60_000_000, 120_000_000])(
    'refuses a cloned %i-element array in either argument position',
    async (n) => {
      const payload = clonedLengthOnlyArray(n);
      for (const args of [[payload, new ArrayBuffer(8)], [meta, payload], [payload]]) {
        const m = await measure(args);
        expect(m.result).toMatchObject({ ok: false, error: { code: 'IPC_PAYLOAD_TOO_LARGE' } });
        expect(m.eventLoopDelayMaxMs).toBeLessThan(MAX_DELAY_MS);
        expect(m.heapGrowthBytes).toBeLessThan(MAX_HEAP_GROWTH);
      }
    },
  );

  it('refuses typed arrays and ArrayBuffers by byteLength without reading them', async () => {
    const big = new Uint8Array(FRAME_MAX_BYTES + 4096);
    for (const pixels of [big, big.buffer, new DataView(big.buffer), new Float64Array(FRAME_MAX_BYTES / 4)]) {
      const m = await measure([meta, pixels]);
      expect(m.result).toMatchObject({ ok: false, error: { code: 'IPC_PAYLOAD_TOO_LARGE' } });
    }
  });

  it('refuses wide objects, maps, sets and deep nesting before the schema sees them', async () => {
    const wide: Record<string, number> = {};
    for (let i = 0; i < 200_000; i++) wide[`k${i}`] = i;
    const many = Array.from({ length: 40 }, () => 1);
    const deep: unknown[] = [];
    let cur = deep;
    for (let i = 0; i < 10; i++) {
      const next: unknown[] = [];
      cur.push(next);
      cur = next;
    }
    for (const args of [
      [wide, new ArrayBuffer(8)],
      [new Map(many.map((x, i) => [i, x])), 1],
      [new Set(many.map((_, i) => i))],
      many,
      [deep],
    ]) {
      const m = await measure(args);
      expect(m.result).toMatchObject({ ok: false, error: { code: 'IPC_PAYLOAD_TOO_LARGE' } });
    }
  });

  it('rate-limits before measuring: after the burst, oversized calls are refused as rate-limited', async () => {
    const r = router(() => 0);
    const payload = clonedLengthOnlyArray(20_000_000);
    const codes: string[] = [];
    for (let i = 0; i < 50; i++) {
      const res = await r.dispatch('camera:submit-frame', trusted, [payload, new ArrayBuffer(8)]);
      codes.push(res.ok ? 'ok' : res.error.code);
    }
    // burst 3 for camera frames (channels.ts): the 4th call onwards never reaches the size check.
    expect(codes.slice(0, 3)).toEqual([
      'IPC_PAYLOAD_TOO_LARGE',
      'IPC_PAYLOAD_TOO_LARGE',
      'IPC_PAYLOAD_TOO_LARGE',
    ]);
    expect(codes.slice(3).every((c) => c === 'IPC_RATE_LIMITED')).toBe(true);
  });

  it('lets the largest honest files:lock (64 paths of 4096 characters) through the size check; 65 refused', async () => {
    const r = router();
    const path = `/home/user/${'d'.repeat(4096 - 11)}`;
    const honest = await r.dispatch('files:lock', trusted, [Array.from({ length: 64 }, () => path)]);
    expect(honest.ok ? 'ok' : honest.error.code).not.toBe('IPC_PAYLOAD_TOO_LARGE');
    const tooMany = await r.dispatch('files:lock', trusted, [Array.from({ length: 65 }, () => '/a')]);
    expect(tooMany).toMatchObject({ ok: false, error: { code: 'IPC_PAYLOAD_TOO_LARGE' } });
  });

  it('still accepts an honest frame', async () => {
    const m = await measure([meta, new ArrayBuffer(640 * 480 * 4)]);
    expect(m.result).toMatchObject({ ok: true });
  });
});

describe('preload: submitFrame forwards only the contract', () => {
  function bridgeWithSpy() {
    const calls: unknown[][] = [];
    const invoke = ((channel: string, ...args: unknown[]) => {
      calls.push([channel, ...args]);
      return Promise.resolve({ ok: true, value: null });
    }) as Invoke;
    return { bridge: createBridge(invoke), calls };
  }
  const px = () => new ArrayBuffer(640 * 480 * 4);

  it('copies exactly the four FrameMeta fields into a fresh object', async () => {
    const { bridge, calls } = bridgeWithSpy();
    const pixels = px();
    const m = { ...meta };
    await bridge.submitFrame(m as never, pixels);
    expect(calls).toHaveLength(1);
    const [channel, sent, sentPixels] = calls[0]!;
    expect(channel).toBe('camera:submit-frame');
    expect(sent).toEqual(meta);
    expect(sent).not.toBe(m);
    expect(Object.keys(sent as object).sort()).toEqual(['format', 'height', 'timestampMs', 'width']);
    expect(sentPixels).toBe(pixels);
  });

  it.each([
    ['a 20 M-element array as meta', new Array(20_000_000)],
    ['an extra key', { ...meta, pipeline: 'x'.repeat(1000) }],
    ['a missing key', { width: 640, height: 480, format: 'rgba8' }],
    ['a string width', { ...meta, width: '640' }],
    ['a fractional height', { ...meta, height: 480.5 }],
    ['a width over the maximum', { ...meta, width: 1_000_000 }],
    ['another format', { ...meta, format: 'bgra8' }],
    ['a NaN timestamp', { ...meta, timestampMs: Number.NaN }],
    ['a negative timestamp', { ...meta, timestampMs: -1 }],
    ['null', null],
    ['an array', [640, 480, 'rgba8', 0]],
  ])('refuses %s without calling main', async (_label, bad) => {
    const { bridge, calls } = bridgeWithSpy();
    const r = await bridge.submitFrame(bad as never, px());
    expect(r).toMatchObject({ ok: false, error: { code: 'FRAME_INVALID' } });
    expect(calls).toHaveLength(0);
  });

  it.each([
    ['a typed array', new Uint8Array(640 * 480 * 4)],
    ['a short buffer', new ArrayBuffer(640 * 480 * 4 - 4)],
    ['a long buffer', new ArrayBuffer(640 * 480 * 4 + 4)],
    ['a plain array', new Array(640 * 480 * 4)],
  ])('refuses %s as pixels without calling main', async (_label, bad) => {
    const { bridge, calls } = bridgeWithSpy();
    const r = await bridge.submitFrame(meta as never, bad as never);
    expect(r).toMatchObject({ ok: false, error: { code: 'FRAME_INVALID' } });
    expect(calls).toHaveLength(0);
  });
});
