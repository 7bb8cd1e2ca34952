/**
 * Size pre-check of an IPC payload, run after the rate limiter and before schema validation, so that an
 * oversized message costs main almost nothing whatever its shape.
 *
 * Guarantees (per value; the walk is bounded by `maxItems`, never by the payload):
 * - ArrayBuffer / typed array / DataView: counted by `byteLength`, O(1); their contents are never read.
 * - string: two bytes per UTF-16 code unit, O(1).
 * - Array: its `length` is compared with the remaining element budget BEFORE any element is visited, so a
 *   20 M- or 120 M-element array (dense or sparse) is refused in O(1) with no allocation.
 * - Map / Set: by `size`, O(1), like arrays.
 * - Plain object: own keys are counted with an early exit at the budget. JavaScript has no O(1) key count,
 *   and V8 enumerates a dictionary-mode object's keys natively before the first iteration: that one native
 *   pass is linear, but it costs less than the structured-clone deserialisation that built the object in
 *   the first place, and no JavaScript work or allocation per key follows once the budget is exceeded.
 * - Nesting deeper than `maxDepth` is refused (no message of the contract is shaped like that).
 * Everything else (numbers, booleans, null, …) counts 8 bytes. The result is a verdict, never a throw.
 */

export interface PayloadLimits {
  /** Upper bound of the estimated payload size in bytes. */
  readonly maxBytes: number;
  /** Total array elements + object keys + map/set entries allowed across the whole payload. */
  readonly maxItems: number;
  /** Deepest nesting allowed (the argument list itself is depth 0). */
  readonly maxDepth: number;
}

export type SizeVerdict =
  | { readonly ok: true; readonly bytes: number }
  | { readonly ok: false; readonly reason: 'bytes' | 'items' | 'depth'; readonly message: string };

/** Default element budget: the largest request of today's contract is [meta (4 keys), pixels]. */
export const DEFAULT_MAX_ITEMS = 32;
export const DEFAULT_MAX_DEPTH = 4;

const isBinary = (v: object): v is ArrayBufferLike | ArrayBufferView =>
  v instanceof ArrayBuffer ||
  ArrayBuffer.isView(v) ||
  (typeof SharedArrayBuffer === 'function' && v instanceof SharedArrayBuffer);

/** Counts own enumerable string keys up to `limit + 1` (early exit: the caller only needs "over or not"). */
function countKeysUpTo(o: object, limit: number): number {
  let n = 0;
  for (const k in o) {
    if (!Object.hasOwn(o, k)) continue;
    if (++n > limit) break;
  }
  return n;
}

export function checkPayloadSize(args: readonly unknown[], limits: PayloadLimits): SizeVerdict {
  const { maxBytes, maxItems, maxDepth } = limits;
  let bytes = 0;
  let items = 0;
  const tooMany = (): SizeVerdict => ({
    ok: false,
    reason: 'items',
    message: `payload has more than ${maxItems} elements in total`,
  });
  const stack: Array<{ v: unknown; depth: number }> = [{ v: args, depth: 0 }];
  while (stack.length > 0) {
    const top = stack.pop();
    if (top === undefined) break;
    const { v, depth } = top;
    if (depth > maxDepth)
      return { ok: false, reason: 'depth', message: `payload nested deeper than ${maxDepth} levels` };
    if (typeof v === 'string') bytes += v.length * 2;
    else if (typeof v !== 'object' || v === null) bytes += 8;
    else if (isBinary(v)) bytes += v.byteLength;
    else if (Array.isArray(v)) {
      // O(1): the length decides before a single element is touched (holes included).
      if (v.length > maxItems - items) return tooMany();
      items += v.length;
      for (let i = 0; i < v.length; i++) stack.push({ v: v[i], depth: depth + 1 });
    } else if (v instanceof Map || v instanceof Set) {
      if (v.size > maxItems - items) return tooMany();
      items += v.size;
      if (v instanceof Map) {
        for (const [k, x] of v) stack.push({ v: k, depth: depth + 1 }, { v: x, depth: depth + 1 });
      } else for (const x of v) stack.push({ v: x, depth: depth + 1 });
    } else {
      const remaining = maxItems - items;
      const n = countKeysUpTo(v, remaining);
      if (n > remaining) return tooMany();
      items += n;
      for (const k of Object.keys(v)) {
        bytes += k.length * 2;
        stack.push({ v: (v as Record<string, unknown>)[k], depth: depth + 1 });
      }
    }
    if (bytes > maxBytes) return { ok: false, reason: 'bytes', message: `payload exceeds ${maxBytes} bytes` };
  }
  return { ok: true, bytes };
}
