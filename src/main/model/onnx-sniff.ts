/**
 * Minimal ONNX check for the vendor CLI: walks the top-level protobuf fields of a ModelProto
 * (onnx/onnx.proto3: 1 ir_version varint, 2-4/6 strings, 5 model_version, 7 graph, 8 opset_import,
 * 14 metadata_props, 20 training_info, 25 functions) without decoding nested messages.
 * Guarantees: bounded work (one pass, no recursion, no allocation proportional to input), returns null
 * instead of throwing; a file passes only if every top-level field is well-formed wire format, ir_version
 * is 1..64 and a graph is present. Not a validator of the graph itself — onnxruntime is.
 */
export interface OnnxSniff {
  readonly irVersion: number;
  readonly producerName: string;
  readonly opsetCount: number;
}

const LEN_FIELDS = new Set([2, 3, 4, 6, 7, 8, 14, 20, 25]);
const VARINT_FIELDS = new Set([1, 5]);

export function sniffOnnx(b: Uint8Array): OnnxSniff | null {
  let o = 0;
  const varint = (): number | null => {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (o >= b.length) return null;
      const c = b[o++] ?? 0;
      v += (c & 0x7f) * mul;
      mul *= 128;
      if ((c & 0x80) === 0) return v;
    }
    return null;
  };
  let irVersion = -1;
  let graph = false;
  let producerName = '';
  let opsetCount = 0;
  if (b.length < 4 || b[0] !== 0x08) return null; // exporters write ir_version (field 1, varint) first
  while (o < b.length) {
    const tag = varint();
    if (tag === null) return null;
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (field === 0) return null;
    if (VARINT_FIELDS.has(field) && wire !== 0) return null;
    if (LEN_FIELDS.has(field) && wire !== 2) return null;
    if (wire === 0) {
      const v = varint();
      if (v === null) return null;
      if (field === 1) irVersion = v;
    } else if (wire === 2) {
      const n = varint();
      if (n === null || o + n > b.length) return null;
      if (field === 7) graph = true;
      if (field === 8) opsetCount++;
      if (field === 2) producerName = new TextDecoder().decode(b.subarray(o, o + Math.min(n, 64)));
      o += n;
    } else if (wire === 1) {
      o += 8;
    } else if (wire === 5) {
      o += 4;
    } else {
      return null;
    }
    if (o > b.length) return null;
  }
  if (irVersion < 1 || irVersion > 64 || !graph) return null;
  return { irVersion, producerName, opsetCount };
}

/**
 * The header-only form of the same rule, for a bounded reader's header check (magic before body): the file
 * starts with ir_version (tag 0x08) and a plausible value (1..64, one varint byte). A file that fails this
 * fails sniffOnnx too, so checking it first only saves reading the body of something that is not ONNX.
 */
export function onnxHeaderPlausible(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x08 && (head[1] ?? 0) >= 1 && (head[1] ?? 0) <= 64;
}
