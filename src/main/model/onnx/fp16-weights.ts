/**
 * fp16 weight storage for an arbitrary ONNX model: float32 initializers of the main graph are stored as
 * FLOAT16 and a `Cast(to=FLOAT)` in front of their consumers restores float32, so every op still computes in
 * fp32 (onnxruntime folds the Casts at session creation). Everything else in the file is kept as it was.
 *
 * Guarantees (schema: onnx-subset.proto = onnx/onnx.proto field numbers, IR.md):
 * - Lossless reading: before touching a model, every field at every depth must be declared in our schema
 *   (else ONNX_UNKNOWN_FIELD, naming the path, field number and wire type) and decode -> encode must give the
 *   input back byte for byte (else ONNX_NOT_CANONICAL, with the first differing offset). Nothing is ever
 *   dropped silently.
 * - Models with external data (any tensor with data_location EXTERNAL or external_data entries) are refused
 *   (ONNX_EXTERNAL_DATA): the weights are not in the file we were given.
 * - Only float32 initializers of the top-level graph are rewritten; each one that is kept float32 is
 *   reported with the rule that kept it (SkipRule below). Subgraph initializers, sparse initializers,
 *   Constant nodes, functions and training info are left untouched.
 * - Deterministic: new names derive from the initializer names (`<name>_fp16`, node `<name>_cast_fp16`, a
 *   numeric suffix if taken); Casts are prepended to the node list in initializer order (topologically valid:
 *   their only input is an initializer).
 *
 * An initializer that is also listed as a graph input (exporters' keep_initializers_as_inputs) is an
 * overridable default; when converted it is removed from graph.input (IR >= 4 allows initializers that are
 * not inputs), which also lets onnxruntime treat it as a constant. IR <= 3 models keep those as float32.
 * Size (~530 lines, over the ~400 guideline on purpose): the lossless reader, the canonical-encoding check
 * and the rewrite share one schema walk; splitting them would export its internals.
 */
import protobuf from 'protobufjs';
import { floatToHalf, halfToFloat } from './float16.ts';
import { onnxSchemaRoot } from './onnx-schema.ts';

export type Fp16ErrorCode =
  'ONNX_MALFORMED' | 'ONNX_UNKNOWN_FIELD' | 'ONNX_NOT_CANONICAL' | 'ONNX_EXTERNAL_DATA' | 'ONNX_UNSUPPORTED';

/** A model the fp16 rewrite refuses (the CLI reports `code: message`, exit 2). */
export class OnnxRewriteError extends Error {
  readonly code: Fp16ErrorCode;
  constructor(code: Fp16ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OnnxRewriteError';
    this.code = code;
  }
}

/** Why a float initializer stayed float32 (or any initializer stayed as it was). */
export type SkipRule =
  | 'not-float32' // data type is not FLOAT (int64 shapes, int8 weights, already fp16, ...)
  | 'segmented' // stored in segments / without element data we can read
  | 'unused' // no node consumes it
  | 'graph-output' // it is itself a graph output: its exact values are part of the interface
  | 'custom-domain-consumer' // consumed by an op outside the default ONNX domain: its input needs are unknown
  | 'static-input' // consumed where an op needs a constant (Reshape shape, Resize roi/scales, Clip min/max, quantization params, ...)
  | 'graph-input-ir3' // also a graph input in an IR <= 3 model, where every initializer must stay an input
  | 'out-of-range' // a finite value beyond ±65504 would overflow fp16
  | 'precision' // fp16 rounding error above 2^-10 of the tensor's max |value| (values in fp16's subnormal range)
  | 'shape-like' // <= 16 elements, all integers: shapes/indices/constants kept exact
  | 'too-small'; // fewer than minElements elements: saves less than the Cast node costs

export interface SkippedTensor {
  readonly name: string;
  readonly rule: SkipRule;
  readonly detail: string;
}

export interface ConvertedTensor {
  readonly name: string;
  readonly elements: number;
  /** max |w - fp16(w)| / max |w| over the tensor. */
  readonly maxRelError: number;
}

export interface Fp16Report {
  readonly inputBytes: number;
  readonly outputBytes: number;
  readonly converted: readonly ConvertedTensor[];
  readonly skipped: readonly SkippedTensor[];
  /** Graph inputs removed because their initializer is now produced by a Cast (overridable defaults). */
  readonly removedGraphInputs: readonly string[];
}

export interface Fp16Options {
  /** Tensors with fewer elements stay float32 (default 64, as the converters' addWeight). */
  readonly minElements?: number;
}

const FLOAT = 1;
const FLOAT16 = 10;
const FP16_MAX = 65504;
const DEFAULT_MIN_ELEMENTS = 64;
const SHAPE_LIKE_MAX_ELEMENTS = 16;
const MAX_DEPTH = 64;

/**
 * Inputs (by index) that ops of the default domain need as constants, with their names. Integer-typed ones
 * are listed too (they never reach the float rules, but the table documents the intent).
 */
const STATIC_INPUTS: Readonly<Record<string, Readonly<Record<number, string>>>> = {
  Reshape: { 1: 'shape' },
  Resize: { 1: 'roi', 2: 'scales', 3: 'sizes' },
  Upsample: { 1: 'scales' },
  Expand: { 1: 'shape' },
  Tile: { 1: 'repeats' },
  Slice: { 1: 'starts', 2: 'ends', 3: 'axes', 4: 'steps' },
  Pad: { 1: 'pads', 2: 'constant_value', 3: 'axes' },
  Clip: { 1: 'min', 2: 'max' },
  TopK: { 1: 'K' },
  Split: { 1: 'split' },
  Squeeze: { 1: 'axes' },
  Unsqueeze: { 1: 'axes' },
  ReduceMax: { 1: 'axes' },
  ReduceMean: { 1: 'axes' },
  ReduceMin: { 1: 'axes' },
  ReduceProd: { 1: 'axes' },
  ReduceSum: { 1: 'axes' },
  ReduceSumSquare: { 1: 'axes' },
  ReduceL1: { 1: 'axes' },
  ReduceL2: { 1: 'axes' },
  ReduceLogSum: { 1: 'axes' },
  ReduceLogSumExp: { 1: 'axes' },
  ConstantOfShape: { 0: 'input' },
  Range: { 0: 'start', 1: 'limit', 2: 'delta' },
  OneHot: { 1: 'depth', 2: 'values' },
  Dropout: { 1: 'ratio', 2: 'training_mode' },
  NonMaxSuppression: { 2: 'max_output_boxes_per_class', 3: 'iou_threshold', 4: 'score_threshold' },
  CenterCropPad: { 1: 'shape' },
  Trilu: { 1: 'k' },
  QuantizeLinear: { 1: 'y_scale', 2: 'y_zero_point' },
  DequantizeLinear: { 1: 'x_scale', 2: 'x_zero_point' },
  QLinearConv: {
    1: 'x_scale',
    2: 'x_zero_point',
    4: 'w_scale',
    5: 'w_zero_point',
    6: 'y_scale',
    7: 'y_zero_point',
  },
  QLinearMatMul: {
    1: 'a_scale',
    2: 'a_zero_point',
    4: 'b_scale',
    5: 'b_zero_point',
    6: 'y_scale',
    7: 'y_zero_point',
  },
  ConvInteger: { 2: 'x_zero_point', 3: 'w_zero_point' },
  MatMulInteger: { 2: 'a_zero_point', 3: 'b_zero_point' },
};

// ---------------------------------------------------------------------------------------------------------
// Typed views of the decoded messages. protobufjs decodes into reflection-built Message objects whose fields
// are exactly the schema's (camelCase); repeated fields are always arrays, absent optional fields fall back to
// prototype defaults (presence is checked with Object.hasOwn). int64 values are Long objects when `long` is
// installed, numbers otherwise. Only the fields this module reads or writes are declared.

interface LongLike {
  toNumber(): number;
}
type Int64 = number | LongLike;

interface StringEntryMsg {
  key: string;
  value: string;
}
interface TensorMsg {
  dims: Int64[];
  dataType: number;
  segment: unknown;
  floatData: number[];
  name: string;
  rawData: Uint8Array;
  externalData: StringEntryMsg[];
  dataLocation: number;
}
interface AttributeMsg {
  g: GraphMsg;
  graphs: GraphMsg[];
}
interface NodeMsg {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  domain: string;
  attribute: AttributeMsg[];
}
interface ValueInfoMsg {
  name: string;
}
interface GraphMsg {
  node: NodeMsg[];
  initializer: TensorMsg[];
  input: ValueInfoMsg[];
  output: ValueInfoMsg[];
  valueInfo: ValueInfoMsg[];
}
interface OpsetMsg {
  domain: string;
  version: Int64;
}
interface ModelMsg {
  irVersion: Int64;
  opsetImport: OpsetMsg[];
  graph: GraphMsg;
}

let schema:
  { root: protobuf.Root; model: protobuf.Type; tensor: protobuf.Type; node: protobuf.Type } | undefined;
const loadSchema = (): NonNullable<typeof schema> => {
  if (schema === undefined) {
    const root = onnxSchemaRoot();
    schema = {
      root,
      model: root.lookupType('onnx.ModelProto'),
      tensor: root.lookupType('onnx.TensorProto'),
      node: root.lookupType('onnx.NodeProto'),
    };
  }
  return schema;
};

const has = (m: object, field: string): boolean => Object.hasOwn(m, field);

const int64 = (v: Int64, what: string): number => {
  const n = typeof v === 'number' ? v : v.toNumber();
  if (!Number.isSafeInteger(n))
    throw new OnnxRewriteError('ONNX_UNSUPPORTED', `${what}: ${String(n)} is not a safe integer`);
  return n;
};

// ---------------------------------------------------------------------------------------------------------
// Lossless reading

const WIRE_NAMES = ['varint', '64-bit', 'length-delimited', 'start-group', 'end-group', '32-bit', '6', '7'];

/** Wire types a field of this schema may legally arrive with (packed and unpacked for packable repeated scalars). */
const allowedWireTypes = (field: protobuf.Field): readonly number[] => {
  if (field.resolvedType instanceof protobuf.Type) return [2];
  if (field.resolvedType instanceof protobuf.Enum) return field.repeated ? [0, 2] : [0];
  const basic: unknown = (protobuf.types.basic as Record<string, unknown>)[field.type]; // map of scalar type name -> wire type
  if (typeof basic !== 'number') return [2]; // string, bytes
  return field.repeated && basic !== 2 ? [basic, 2] : [basic];
};

/**
 * Walks the wire format against the schema and throws on any field number the schema does not declare (or
 * a wire type it cannot hold), so decode() cannot silently skip it.
 */
const assertKnownFields = (bytes: Uint8Array, type: protobuf.Type, path: string, depth: number): void => {
  if (depth > MAX_DEPTH)
    throw new OnnxRewriteError('ONNX_UNSUPPORTED', `${path}: nesting deeper than ${MAX_DEPTH}`);
  const r = protobuf.Reader.create(bytes);
  const counts = new Map<number, number>();
  while (r.pos < r.len) {
    const tag = r.uint32();
    const id = tag >>> 3;
    const wire = tag & 7;
    const field: protobuf.Field | undefined = type.fieldsById[id];
    if (field === undefined) {
      throw new OnnxRewriteError(
        'ONNX_UNKNOWN_FIELD',
        `${path}: field number ${id} (${WIRE_NAMES[wire] ?? wire}) is not in the ONNX schema (onnx-subset.proto); ` +
          'refusing to rewrite a model whose content would be dropped — extend the schema',
      );
    }
    if (!allowedWireTypes(field).includes(wire)) {
      throw new OnnxRewriteError(
        'ONNX_MALFORMED',
        `${path}.${field.name}: unexpected wire type ${WIRE_NAMES[wire] ?? wire}`,
      );
    }
    const n = counts.get(id) ?? 0;
    counts.set(id, n + 1);
    if (field.resolvedType instanceof protobuf.Type) {
      const sub = r.bytes();
      assertKnownFields(
        sub,
        field.resolvedType,
        `${path}.${field.name}${field.repeated ? `[${n}]` : ''}`,
        depth + 1,
      );
    } else {
      r.skipType(wire);
    }
  }
};

const firstDifference = (a: Uint8Array, b: Uint8Array): number => {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
};

/** A decoded model that is known to re-encode to exactly the bytes it came from. */
export interface OnnxModel {
  /** The protobufjs message (onnx.ModelProto). */
  readonly message: protobuf.Message;
}

/**
 * Decodes a ModelProto losslessly or throws OnnxRewriteError: unknown fields (ONNX_UNKNOWN_FIELD), wire data
 * protobufjs cannot read (ONNX_MALFORMED), or an encoding that does not come back byte-identical
 * (ONNX_NOT_CANONICAL: duplicated singular fields, non-minimal varints, other packing than onnx.proto).
 */
export const decodeOnnxModel = (bytes: Uint8Array): OnnxModel => {
  const { model } = loadSchema();
  try {
    assertKnownFields(bytes, model, 'ModelProto', 0);
  } catch (e) {
    if (e instanceof OnnxRewriteError) throw e;
    throw new OnnxRewriteError(
      'ONNX_MALFORMED',
      `not a readable ModelProto: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
  let message: protobuf.Message;
  try {
    message = model.decode(bytes);
  } catch (e) {
    throw new OnnxRewriteError(
      'ONNX_MALFORMED',
      `not a readable ModelProto: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
  const again = model.encode(message).finish();
  const diff = firstDifference(bytes, again);
  if (diff !== -1) {
    throw new OnnxRewriteError(
      'ONNX_NOT_CANONICAL',
      `decode -> encode differs from the file at byte ${diff} (${bytes.length} B in, ${again.length} B out); refusing to rewrite it`,
    );
  }
  return { message };
};

export const encodeOnnxModel = (m: OnnxModel): Uint8Array => loadSchema().model.encode(m.message).finish();

// ---------------------------------------------------------------------------------------------------------
// The rewrite

/** The decoded message seen through the typed view (the schema is onnx.ModelProto, see the note above). */
const view = (m: OnnxModel): ModelMsg => m.message as unknown as ModelMsg; // reflection message of onnx.ModelProto

const subgraphs = (node: NodeMsg): GraphMsg[] => {
  const out: GraphMsg[] = [];
  for (const a of node.attribute) {
    if (has(a, 'g')) out.push(a.g);
    out.push(...a.graphs);
  }
  return out;
};

/** Calls fn on every graph reachable from `g` (g itself first), through node attributes. */
const forEachGraph = (g: GraphMsg, fn: (g: GraphMsg) => void, depth = 0): void => {
  if (depth > MAX_DEPTH)
    throw new OnnxRewriteError('ONNX_UNSUPPORTED', `subgraphs nested deeper than ${MAX_DEPTH}`);
  fn(g);
  for (const n of g.node) for (const s of subgraphs(n)) forEachGraph(s, fn, depth + 1);
};

/** Refuses any tensor anywhere in the model whose data lives outside the file. */
const assertNoExternalData = (m: OnnxModel): void => {
  const { tensor } = loadSchema();
  const visit = (msg: object, type: protobuf.Type, path: string): void => {
    if (type === tensor) {
      const t = msg as unknown as TensorMsg; // msg was decoded as onnx.TensorProto (type === tensor)
      if ((has(t, 'dataLocation') && t.dataLocation === 1) || t.externalData.length > 0) {
        const loc = t.externalData.find((e) => e.key === 'location')?.value;
        throw new OnnxRewriteError(
          'ONNX_EXTERNAL_DATA',
          `tensor "${t.name}" (${path}) keeps its data in an external file${loc !== undefined ? ` (${loc})` : ''}; ` +
            'external-data models are not supported: save the model with all tensors inside the .onnx file',
        );
      }
    }
    for (const f of type.fieldsArray) {
      if (!(f.resolvedType instanceof protobuf.Type)) continue;
      const sub = f.resolvedType;
      const v: unknown = (msg as Record<string, unknown>)[f.name]; // reflection message: field values by name
      if (f.repeated && Array.isArray(v)) {
        const items: unknown[] = v;
        items.forEach((x, i) => {
          if (typeof x === 'object' && x !== null) visit(x, sub, `${path}.${f.name}[${i}]`);
        });
      } else if (!f.repeated && has(msg, f.name) && typeof v === 'object' && v !== null) {
        visit(v, sub, `${path}.${f.name}`);
      }
    }
  };
  visit(m.message, loadSchema().model, 'ModelProto');
};

interface Use {
  readonly op: string;
  readonly domain: string;
  readonly index: number;
}

const isDefaultDomain = (d: string): boolean => d === '' || d === 'ai.onnx';

/** float32 values of a FLOAT tensor, or null when its storage is not one we read. */
const floatValues = (t: TensorMsg, count: number): Float32Array | null => {
  if (has(t, 'rawData')) {
    if (t.rawData.length !== count * 4) {
      throw new OnnxRewriteError(
        'ONNX_MALFORMED',
        `initializer "${t.name}": raw_data has ${t.rawData.length} B for ${count} floats`,
      );
    }
    const dv = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
    const out = new Float32Array(count);
    for (let i = 0; i < count; i += 1) out[i] = dv.getFloat32(4 * i, true); // IR.md: raw_data is little-endian
    return out;
  }
  if (t.floatData.length === count) return Float32Array.from(t.floatData);
  if (count === 0) return new Float32Array(0);
  return null;
};

const toHalfBytes = (values: Float32Array): { bytes: Uint8Array; maxAbsError: number } => {
  const bytes = new Uint8Array(values.length * 2);
  const dv = new DataView(bytes.buffer);
  let maxAbsError = 0;
  for (let i = 0; i < values.length; i += 1) {
    const v = values[i] ?? 0;
    const h = floatToHalf(v);
    dv.setUint16(2 * i, h, true);
    if (Number.isFinite(v)) maxAbsError = Math.max(maxAbsError, Math.abs(halfToFloat(h) - v));
  }
  return { bytes, maxAbsError };
};

const uniqueName = (taken: Set<string>, base: string): string => {
  let name = base;
  for (let i = 2; taken.has(name); i += 1) name = `${base}_${i}`;
  taken.add(name);
  return name;
};

const collectNames = (g: GraphMsg): Set<string> => {
  const names = new Set<string>();
  forEachGraph(g, (sg) => {
    for (const n of sg.node) {
      names.add(n.name);
      for (const x of n.input) names.add(x);
      for (const x of n.output) names.add(x);
    }
    for (const t of sg.initializer) names.add(t.name);
    for (const v of [...sg.input, ...sg.output, ...sg.valueInfo]) names.add(v.name);
  });
  return names;
};

/**
 * Rewrites float32 initializers of `bytes` (a serialised ModelProto) to float16 storage + Cast. Throws
 * OnnxRewriteError when the model cannot be read losslessly, uses external data, or has no default-domain
 * opset >= 6 (Cast-1 took its target type as a string).
 */
export function convertWeightsToFp16(
  bytes: Uint8Array,
  opts: Fp16Options = {},
): { model: Uint8Array; report: Fp16Report } {
  const minElements = opts.minElements ?? DEFAULT_MIN_ELEMENTS;
  const decoded = decodeOnnxModel(bytes);
  assertNoExternalData(decoded);
  const m = view(decoded);
  if (!has(m, 'graph')) throw new OnnxRewriteError('ONNX_MALFORMED', 'ModelProto has no graph');
  const opset = m.opsetImport.find((o) => isDefaultDomain(o.domain));
  const opsetVersion = opset === undefined ? 0 : int64(opset.version, 'opset version');
  if (opsetVersion < 6) {
    throw new OnnxRewriteError(
      'ONNX_UNSUPPORTED',
      `the model imports default-domain opset ${opsetVersion || 'none'}; fp16 storage needs Cast from opset >= 6`,
    );
  }
  const irVersion = int64(m.irVersion, 'ir_version');
  const g = m.graph;

  const uses = new Map<string, Use[]>();
  forEachGraph(g, (sg) => {
    for (const n of sg.node) {
      n.input.forEach((x, index) => {
        if (x === '') return;
        const list = uses.get(x) ?? [];
        list.push({ op: n.opType, domain: n.domain, index });
        uses.set(x, list);
      });
    }
  });
  const graphInputs = new Set(g.input.map((v) => v.name));
  const graphOutputs = new Set(g.output.map((v) => v.name));
  const taken = collectNames(g);

  const { node: nodeType } = loadSchema();
  const converted: ConvertedTensor[] = [];
  const skipped: SkippedTensor[] = [];
  const casts: protobuf.Message[] = [];
  const convertedNames = new Set<string>();

  /** Why `t` stays as it is, or its float values when it can be stored as fp16. */
  const classify = (t: TensorMsg): SkippedTensor | { values: Float32Array; maxAbs: number } => {
    const name = t.name;
    const no = (rule: SkipRule, detail: string): SkippedTensor => ({ name, rule, detail });
    if (t.dataType !== FLOAT) return no('not-float32', `data type ${t.dataType}`);
    if (has(t, 'segment')) return no('segmented', 'stored as a segment');
    const count = t.dims.reduce<number>((a, d) => a * int64(d, `initializer "${name}" dims`), 1);
    const values = floatValues(t, count);
    if (values === null) return no('segmented', 'no raw_data or float_data of the right length');
    const consumers = uses.get(name) ?? [];
    if (consumers.length === 0) return no('unused', 'no node consumes it');
    if (graphOutputs.has(name)) return no('graph-output', 'it is a graph output');
    const custom = consumers.find((u) => !isDefaultDomain(u.domain));
    if (custom) return no('custom-domain-consumer', `input ${custom.index} of ${custom.domain}.${custom.op}`);
    for (const u of consumers) {
      const slot = STATIC_INPUTS[u.op]?.[u.index];
      if (slot !== undefined)
        return no('static-input', `${u.op} input ${u.index} (${slot}) must stay a float32 constant`);
    }
    if (graphInputs.has(name) && irVersion <= 3) {
      return no(
        'graph-input-ir3',
        `also a graph input, and IR version ${irVersion} requires every initializer to be one`,
      );
    }
    let maxAbs = 0;
    let integral = true;
    for (const v of values) {
      if (Number.isFinite(v)) maxAbs = Math.max(maxAbs, Math.abs(v));
      if (!Number.isInteger(v)) integral = false;
    }
    if (maxAbs > FP16_MAX) return no('out-of-range', `max |value| ${maxAbs} > ${FP16_MAX}`);
    if (count <= SHAPE_LIKE_MAX_ELEMENTS && integral) return no('shape-like', `${count} integer values`);
    if (count < minElements) return no('too-small', `${count} elements < ${minElements}`);
    return { values, maxAbs };
  };

  for (const t of g.initializer) {
    const c = classify(t);
    if ('rule' in c) {
      skipped.push(c);
      continue;
    }
    const { bytes: half, maxAbsError } = toHalfBytes(c.values);
    const maxRelError = c.maxAbs > 0 ? maxAbsError / c.maxAbs : 0;
    if (maxRelError > 2 ** -10) {
      skipped.push({
        name: t.name,
        rule: 'precision',
        detail: `fp16 error ${maxRelError.toExponential(2)} of max |value| ${c.maxAbs.toExponential(2)} (subnormal range)`,
      });
      continue;
    }
    // Rewrite the tensor message in place (dims, doc_string, metadata stay); a Cast restores the old name.
    const name = t.name;
    const halfName = uniqueName(taken, `${name}_fp16`);
    t.name = halfName;
    t.dataType = FLOAT16;
    t.floatData = [];
    t.rawData = half;
    casts.push(
      nodeType.fromObject({
        input: [halfName],
        output: [name],
        name: uniqueName(taken, `${name}_cast_fp16`),
        opType: 'Cast',
        attribute: [{ name: 'to', type: 2, i: FLOAT }],
      }),
    );
    convertedNames.add(name);
    converted.push({ name, elements: c.values.length, maxRelError });
  }

  const removedGraphInputs = g.input.filter((v) => convertedNames.has(v.name)).map((v) => v.name);
  if (removedGraphInputs.length > 0) g.input = g.input.filter((v) => !convertedNames.has(v.name));
  g.node = [...(casts as unknown as NodeMsg[]), ...g.node]; // new onnx.NodeProto messages

  const out = encodeOnnxModel(decoded);
  return {
    model: out,
    report: { inputBytes: bytes.length, outputBytes: out.length, converted, skipped, removedGraphInputs },
  };
}

/** Counts of skipped tensors per rule, for one-line summaries. */
export const skipSummary = (report: Fp16Report): Partial<Record<SkipRule, number>> => {
  const out: Partial<Record<SkipRule, number>> = {};
  for (const s of report.skipped) out[s.rule] = (out[s.rule] ?? 0) + 1;
  return out;
};
