/**
 * Bounded estimate of an IPC payload's size, computed before schema validation so that an oversize
 * message costs almost nothing. Binary parts count their byte length, strings two bytes per code unit,
 * everything else a few bytes. Walks at most `maxNodes` values and `maxDepth` levels: deeper or wider
 * payloads are reported as over the limit (no legitimate message is shaped like that).
 */
export const OVER_LIMIT = Number.POSITIVE_INFINITY;

export function estimatePayloadBytes(value: unknown, limit: number, maxDepth = 8, maxNodes = 10_000): number {
  let total = 0;
  let nodes = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const next = stack.pop();
    if (!next) break;
    const [v, depth] = next;
    if (++nodes > maxNodes || depth > maxDepth) return OVER_LIMIT;
    if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) total += v.byteLength;
    else if (typeof v === 'string') total += v.length * 2;
    else if (Array.isArray(v)) for (const x of v) stack.push([x, depth + 1]);
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        total += k.length * 2;
        stack.push([x, depth + 1]);
      }
    } else total += 8;
    if (total > limit) return OVER_LIMIT;
  }
  return total;
}
