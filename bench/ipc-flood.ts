/**
 * `npm run bench:ipc-flood` — what one oversized `camera:submit-frame` call costs main's event loop and heap,
 * through the shipped router (src/main/ipc/router.ts → payload-size.ts) and, side by side in the same process,
 * through the size estimate the router used before issue 10 (`legacyEstimate` below, copied from git history:
 * it pushed every array element on a stack before checking its limit, and ran before the rate limiter).
 * Payloads: a dense 20 M-element array, and 20 M / 60 M / 120 M-element arrays as a structured-clone transport
 * delivers a holey array (v8.deserialize(v8.serialize(...))). The legacy estimate is run on 20 M only: at
 * 60 M and 120 M it exhausts a 4 GB heap and aborts the process (docs/ipc.md), which a benchmark cannot survive.
 * Prints one line per case and one JSON object as its last line. Needs nothing but Node.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import v8 from 'node:v8';
import { FRAME_MAX_BYTES } from '../src/shared/frame-limits.ts';
import { requestSchemas } from '../src/main/ipc/schemas.ts';
import { createIpcRouter, type ChannelSpecs } from '../src/main/ipc/router.ts';

const APP = 'app://facevault';
const sender = { url: `${APP}/index.html`, isMainFrame: true, id: 1 };
const MAX_BYTES = FRAME_MAX_BYTES + 1024;

/** The pre-issue-10 estimate, verbatim in behaviour (walks before it checks). For comparison only. */
function legacyEstimate(value: unknown, limit: number, maxDepth = 8, maxNodes = 10_000): number {
  let total = 0;
  let nodes = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const next = stack.pop();
    if (!next) break;
    const [v, depth] = next;
    if (++nodes > maxNodes || depth > maxDepth) return Number.POSITIVE_INFINITY;
    if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) total += v.byteLength;
    else if (typeof v === 'string') total += v.length * 2;
    else if (Array.isArray(v)) for (const x of v) stack.push([x, depth + 1]);
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        total += k.length * 2;
        stack.push([x, depth + 1]);
      }
    } else total += 8;
    if (total > limit) return Number.POSITIVE_INFINITY;
  }
  return total;
}

const specs = {
  'camera:submit-frame': {
    schema: requestSchemas['camera:submit-frame'],
    maxBytes: MAX_BYTES,
    rate: { perSecond: 1000, burst: 1000 },
    exclusive: true,
    handler: () => Promise.reject(new Error('never reached')),
  },
} as unknown as ChannelSpecs;
const router = createIpcRouter({ trustedOrigins: [APP], specs });

const holey = (n: number): unknown[] => {
  const a: unknown[] = [];
  a.length = n;
  return v8.deserialize(v8.serialize(a)) as unknown[];
};

interface Row {
  readonly path: 'shipped' | 'legacy';
  readonly payload: string;
  readonly elements: number;
  readonly refused: boolean;
  readonly eventLoopDelayMaxMs: number;
  readonly heapGrowthMB: number;
}

async function measure(path: Row['path'], payload: string, arr: unknown[]): Promise<Row> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  await new Promise((r) => setTimeout(r, 20));
  h.enable();
  await new Promise((r) => setTimeout(r, 20));
  const heap0 = process.memoryUsage().heapUsed;
  let refused: boolean;
  let heap1: number;
  if (path === 'shipped') {
    const p = router.dispatch('camera:submit-frame', sender, [arr, new ArrayBuffer(8)]);
    heap1 = process.memoryUsage().heapUsed;
    const r = await p;
    refused = !r.ok && r.error.code === 'IPC_PAYLOAD_TOO_LARGE';
  } else {
    refused = legacyEstimate([arr, new ArrayBuffer(8)], MAX_BYTES) === Number.POSITIVE_INFINITY;
    heap1 = process.memoryUsage().heapUsed;
  }
  await new Promise((r) => setTimeout(r, 30));
  h.disable();
  return {
    path,
    payload,
    elements: arr.length,
    refused,
    eventLoopDelayMaxMs: +(h.max / 1e6).toFixed(1),
    heapGrowthMB: +((heap1 - heap0) / 1e6).toFixed(1),
  };
}

const rows: Row[] = [];
const report = (r: Row): void => {
  rows.push(r);
  console.log(
    `${r.path.padEnd(7)} ${r.payload.padEnd(6)} ${String(r.elements / 1e6).padStart(4)} M: ${r.refused ? 'refused' : 'ACCEPTED'}, event-loop delay max ${r.eventLoopDelayMaxMs} ms, heap +${r.heapGrowthMB} MB`,
  );
};

console.log(
  `node ${process.version}; one oversized camera:submit-frame call each; shipped first, then legacy`,
);
// Shipped first, so the legacy walk's garbage (gigabytes) cannot put a GC pause into the shipped figures.
// Heap growth is heapUsed after − before the synchronous decision: a GC in between can only make it smaller.
const dense = new Array<number>(20_000_000).fill(0);
report(await measure('shipped', 'dense', dense));
for (const n of [20_000_000, 60_000_000, 120_000_000]) report(await measure('shipped', 'holey', holey(n)));
report(await measure('legacy', 'dense', dense));
report(await measure('legacy', 'holey', holey(20_000_000)));
const shipped = rows.filter((r) => r.path === 'shipped');
const legacy = rows.filter((r) => r.path === 'legacy');
console.log(
  JSON.stringify({
    bench: 'ipc-flood',
    shippedMaxDelayMs: Math.max(...shipped.map((r) => r.eventLoopDelayMaxMs)),
    shippedMaxHeapGrowthMB: Math.max(...shipped.map((r) => r.heapGrowthMB)),
    legacy20MDelayMs: Math.max(...legacy.map((r) => r.eventLoopDelayMaxMs)),
    legacy20MHeapGrowthMB: Math.max(...legacy.map((r) => r.heapGrowthMB)),
    rows,
  }),
);
