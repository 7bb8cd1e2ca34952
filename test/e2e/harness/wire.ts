/**
 * Wire format of the e2e harness's stand-in for Electron's IPC transport (browser-safe: used by the
 * preload shim in Chromium and by the Node server). Request, as one binary WebSocket message:
 *   u32le headerLength | header JSON {id, channel, args} | for each binary part: u32le length | bytes
 * where each ArrayBuffer argument is replaced in `args` by {"$bin": index}. Reply: text JSON {id, result}.
 * Structured-clone semantics for what the contract uses (plain data + ArrayBuffer), nothing more.
 */
export interface WireRequest {
  readonly id: number;
  readonly channel: string;
  readonly args: readonly unknown[];
}

const BIN = '$bin';

export function encodeRequest(req: WireRequest): Uint8Array {
  const parts: ArrayBuffer[] = [];
  const replace = (v: unknown): unknown => {
    if (v instanceof ArrayBuffer) {
      parts.push(v);
      return { [BIN]: parts.length - 1 };
    }
    if (Array.isArray(v)) return v.map(replace);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, replace(x)]));
    }
    return v;
  };
  const header = new TextEncoder().encode(JSON.stringify({ ...req, args: replace(req.args) }));
  const total = 4 + header.length + parts.reduce((n, p) => n + 4 + p.byteLength, 0);
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, header.length, true);
  out.set(header, 4);
  let off = 4 + header.length;
  for (const p of parts) {
    dv.setUint32(off, p.byteLength, true);
    out.set(new Uint8Array(p), off + 4);
    off += 4 + p.byteLength;
  }
  return out;
}

export function decodeRequest(buf: Uint8Array): WireRequest {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < 4) throw new Error('short message');
  const hlen = dv.getUint32(0, true);
  if (4 + hlen > buf.length) throw new Error('bad header length');
  const header: unknown = JSON.parse(new TextDecoder().decode(buf.subarray(4, 4 + hlen)));
  const parts: ArrayBuffer[] = [];
  let off = 4 + hlen;
  while (off < buf.length) {
    if (off + 4 > buf.length) throw new Error('bad part');
    const len = dv.getUint32(off, true);
    if (off + 4 + len > buf.length) throw new Error('bad part length');
    parts.push(buf.slice(off + 4, off + 4 + len).buffer);
    off += 4 + len;
  }
  const restore = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(restore);
    if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>; // plain JSON object from JSON.parse
      const idx = o[BIN];
      if (Object.keys(o).length === 1 && typeof idx === 'number') {
        const p = parts[idx];
        if (!p) throw new Error('missing binary part');
        return p;
      }
      return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, restore(x)]));
    }
    return v;
  };
  if (header === null || typeof header !== 'object') throw new Error('bad header');
  const h = header as Record<string, unknown>; // checked to be a non-null object just above
  if (typeof h.id !== 'number' || typeof h.channel !== 'string' || !Array.isArray(h.args)) {
    throw new Error('bad header fields');
  }
  const args = restore(h.args);
  return { id: h.id, channel: h.channel, args: Array.isArray(args) ? args : [] };
}
