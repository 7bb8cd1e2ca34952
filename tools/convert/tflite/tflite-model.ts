/**
 * Reader for TensorFlow Lite model files (the FlatBuffers schema `tflite/schema.fbs` of TensorFlow, file
 * identifier "TFL3"). Decodes only what the converter needs — operator codes, the first subgraph's tensors,
 * operators and their builtin options, and constant buffers — into plain objects, checking every offset
 * through the `flatbuffers` runtime's ByteBuffer (which bounds-checks nothing itself, so the table helper
 * below validates each position against the file size before reading).
 *
 * Field indices follow schema.fbs: a table field declared n-th (counting a union's hidden `_type` field)
 * lives at vtable offset 4 + 2n. Only the tables/fields listed here are read; anything else in the file
 * is ignored, and an op the converter does not know is reported by the converter, not here.
 */
import { ByteBuffer } from 'flatbuffers';
import { ConversionError } from '../errors.ts';

/** schema.fbs `TensorType`. */
export const TensorType = {
  FLOAT32: 0,
  FLOAT16: 1,
  INT32: 2,
  UINT8: 3,
  INT64: 4,
  STRING: 5,
  BOOL: 6,
  INT16: 7,
  INT8: 9,
} as const;
const TENSOR_TYPE_NAMES = new Map<number, string>(Object.entries(TensorType).map(([k, v]) => [v, k]));

/** schema.fbs `BuiltinOperator` (only the codes the converter handles get a name here; others print as numbers). */
export const BuiltinOp = {
  ADD: 0,
  AVERAGE_POOL_2D: 1,
  CONCATENATION: 2,
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 4,
  DEQUANTIZE: 6,
  FULLY_CONNECTED: 9,
  L2_NORMALIZATION: 11,
  LOGISTIC: 14,
  MAX_POOL_2D: 17,
  MUL: 18,
  RELU: 19,
  RELU6: 21,
  RESHAPE: 22,
  SOFTMAX: 25,
  TANH: 28,
  PAD: 34,
  TRANSPOSE: 39,
  MEAN: 40,
  SUB: 41,
  DIV: 42,
  SQUEEZE: 43,
  STRIDED_SLICE: 45,
  CAST: 53,
  PRELU: 54,
  MAXIMUM: 55,
  MINIMUM: 57,
  LESS: 58,
  GREATER_EQUAL: 62,
  SQRT: 75,
  RSQRT: 76,
  SUM: 74,
  SQUARE: 92,
  LEAKY_RELU: 98,
} as const;
const OP_NAMES = new Map<number, string>(Object.entries(BuiltinOp).map(([k, v]) => [v, k]));
export const opName = (code: number): string => OP_NAMES.get(code) ?? `builtin#${code}`;

/** schema.fbs `BuiltinOptions` union members the converter reads. */
const OptionsType = {
  Conv2DOptions: 1,
  DepthwiseConv2DOptions: 2,
  ConcatenationOptions: 10,
  Pool2DOptions: 5,
  FullyConnectedOptions: 8,
  SoftmaxOptions: 9,
  AddOptions: 11,
  L2NormOptions: 12,
  MulOptions: 21,
  ReshapeOptions: 17,
  ReducerOptions: 27,
  SubOptions: 28,
  DivOptions: 29,
  SqueezeOptions: 30,
  StridedSliceOptions: 32,
  LeakyReluOptions: 75,
} as const;

/** schema.fbs `Padding` and `ActivationFunctionType`. */
export type Padding = 'SAME' | 'VALID';
export type Activation = 'NONE' | 'RELU' | 'RELU_N1_TO_1' | 'RELU6' | 'TANH';
const ACTIVATIONS: readonly Activation[] = ['NONE', 'RELU', 'RELU_N1_TO_1', 'RELU6', 'TANH'];

export interface TfliteTensor {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly shape: readonly number[];
  /** Constant data (little-endian bytes) when the tensor's buffer holds any. */
  readonly data: Uint8Array | undefined;
  /** Per-tensor or per-channel affine quantization, when present. */
  readonly quantization:
    | { readonly scale: readonly number[]; readonly zeroPoint: readonly number[]; readonly axis: number }
    | undefined;
}

/** Decoded builtin options; only the fields the converter uses, with schema defaults applied. */
export interface OpOptions {
  readonly padding?: Padding;
  readonly strideW?: number;
  readonly strideH?: number;
  readonly dilationW?: number;
  readonly dilationH?: number;
  readonly depthMultiplier?: number;
  readonly filterW?: number;
  readonly filterH?: number;
  readonly activation?: Activation;
  readonly axis?: number;
  readonly keepDims?: boolean;
  readonly newShape?: readonly number[];
  readonly squeezeDims?: readonly number[];
  readonly beta?: number;
  readonly alpha?: number;
  readonly keepNumDims?: boolean;
  readonly weightsFormat?: number;
  /** STRIDED_SLICE bit masks (schema defaults 0). */
  readonly beginMask?: number;
  readonly endMask?: number;
  readonly ellipsisMask?: number;
  readonly newAxisMask?: number;
  readonly shrinkAxisMask?: number;
}

export interface TfliteOperator {
  readonly index: number;
  readonly opcode: number;
  readonly version: number;
  /** Input tensor indices; -1 marks an omitted optional input. */
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  readonly options: OpOptions;
}

export interface TfliteModel {
  readonly version: number;
  readonly description: string;
  readonly tensors: readonly TfliteTensor[];
  readonly operators: readonly TfliteOperator[];
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
}

/** Bounds-checked access to one FlatBuffers table (generated-code conventions, flatbuffers' ByteBuffer). */
class Table {
  private readonly bb: ByteBuffer;
  readonly pos: number;
  private readonly what: string;

  constructor(bb: ByteBuffer, pos: number, what: string) {
    this.bb = bb;
    this.pos = pos;
    this.what = what;
    const size = bb.capacity();
    if (pos < 0 || pos + 4 > size)
      throw new ConversionError(`TFLite file: ${what} table at ${pos} is outside the file (${size} bytes)`);
    const vt = pos - bb.readInt32(pos);
    if (vt < 0 || vt + 4 > size) throw new ConversionError(`TFLite file: ${what} vtable outside the file`);
    const vtLen = bb.readUint16(vt);
    if (vtLen < 4 || vt + vtLen > size)
      throw new ConversionError(`TFLite file: ${what} vtable length ${vtLen} is invalid`);
  }

  private field(index: number, width: number): number {
    const off = this.bb.__offset(this.pos, 4 + 2 * index);
    if (off === 0) return 0;
    if (this.pos + off + width > this.bb.capacity())
      throw new ConversionError(`TFLite file: ${this.what} field ${index} is outside the file`);
    return this.pos + off;
  }

  u8(index: number, dflt = 0): number {
    const p = this.field(index, 1);
    return p === 0 ? dflt : this.bb.readUint8(p);
  }
  i8(index: number, dflt = 0): number {
    const p = this.field(index, 1);
    return p === 0 ? dflt : this.bb.readInt8(p);
  }
  i32(index: number, dflt = 0): number {
    const p = this.field(index, 4);
    return p === 0 ? dflt : this.bb.readInt32(p);
  }
  u32(index: number, dflt = 0): number {
    const p = this.field(index, 4);
    return p === 0 ? dflt : this.bb.readUint32(p);
  }
  f32(index: number, dflt = 0): number {
    const p = this.field(index, 4);
    return p === 0 ? dflt : this.bb.readFloat32(p);
  }
  bool(index: number, dflt = false): boolean {
    const p = this.field(index, 1);
    return p === 0 ? dflt : this.bb.readUint8(p) !== 0;
  }

  /** Position of the element bytes of a vector field and its length (null when absent). */
  private vector(index: number, elemSize: number): { start: number; length: number } | null {
    const p = this.field(index, 4);
    if (p === 0) return null;
    const vec = p + this.bb.readUint32(p);
    if (vec + 4 > this.bb.capacity())
      throw new ConversionError(`TFLite file: ${this.what} vector ${index} is outside the file`);
    const length = this.bb.readUint32(vec);
    if (vec + 4 + length * elemSize > this.bb.capacity())
      throw new ConversionError(`TFLite file: ${this.what} vector ${index} overruns the file`);
    return { start: vec + 4, length };
  }

  i32s(index: number): number[] {
    const v = this.vector(index, 4);
    if (v === null) return [];
    return Array.from({ length: v.length }, (_, i) => this.bb.readInt32(v.start + 4 * i));
  }
  f32s(index: number): number[] {
    const v = this.vector(index, 4);
    if (v === null) return [];
    return Array.from({ length: v.length }, (_, i) => this.bb.readFloat32(v.start + 4 * i));
  }
  i64s(index: number): number[] {
    const v = this.vector(index, 8);
    if (v === null) return [];
    return Array.from({ length: v.length }, (_, i) => Number(this.bb.readInt64(v.start + 8 * i)));
  }
  bytes(index: number): Uint8Array | undefined {
    const v = this.vector(index, 1);
    if (v === null) return undefined;
    return this.bb.bytes().subarray(v.start, v.start + v.length);
  }
  string(index: number): string {
    const b = this.bytes(index);
    return b === undefined ? '' : new TextDecoder('utf-8', { fatal: true }).decode(b);
  }
  table(index: number, what: string): Table | undefined {
    const p = this.field(index, 4);
    if (p === 0) return undefined;
    return new Table(this.bb, p + this.bb.readUint32(p), what);
  }
  tables(index: number, what: string): Table[] {
    const v = this.vector(index, 4);
    if (v === null) return [];
    return Array.from({ length: v.length }, (_, i) => {
      const p = v.start + 4 * i;
      return new Table(this.bb, p + this.bb.readUint32(p), `${what}[${i}]`);
    });
  }
}

const activationOf = (code: number, where: string): Activation => {
  const a = ACTIVATIONS[code];
  if (a === undefined)
    throw new ConversionError(`TFLite file: ${where} has unsupported fused activation ${code}`);
  return a;
};
const paddingOf = (code: number): Padding => (code === 1 ? 'VALID' : 'SAME');

function readOptions(type: number, t: Table | undefined, where: string): OpOptions {
  if (t === undefined) return {};
  switch (type) {
    case OptionsType.Conv2DOptions:
      return {
        padding: paddingOf(t.i8(0)),
        strideW: t.i32(1),
        strideH: t.i32(2),
        activation: activationOf(t.i8(3), where),
        dilationW: t.i32(4, 1),
        dilationH: t.i32(5, 1),
      };
    case OptionsType.DepthwiseConv2DOptions:
      return {
        padding: paddingOf(t.i8(0)),
        strideW: t.i32(1),
        strideH: t.i32(2),
        depthMultiplier: t.i32(3),
        activation: activationOf(t.i8(4), where),
        dilationW: t.i32(5, 1),
        dilationH: t.i32(6, 1),
      };
    case OptionsType.Pool2DOptions:
      return {
        padding: paddingOf(t.i8(0)),
        strideW: t.i32(1),
        strideH: t.i32(2),
        filterW: t.i32(3),
        filterH: t.i32(4),
        activation: activationOf(t.i8(5), where),
      };
    case OptionsType.FullyConnectedOptions:
      return { activation: activationOf(t.i8(0), where), weightsFormat: t.i8(1), keepNumDims: t.bool(2) };
    case OptionsType.SoftmaxOptions:
      return { beta: t.f32(0) };
    case OptionsType.ConcatenationOptions:
      return { axis: t.i32(0), activation: activationOf(t.i8(1), where) };
    case OptionsType.AddOptions:
    case OptionsType.MulOptions:
    case OptionsType.SubOptions:
    case OptionsType.DivOptions:
    case OptionsType.L2NormOptions:
      return { activation: activationOf(t.i8(0), where) };
    case OptionsType.ReshapeOptions:
      return { newShape: t.i32s(0) };
    case OptionsType.ReducerOptions:
      return { keepDims: t.bool(0) };
    case OptionsType.SqueezeOptions:
      return { squeezeDims: t.i32s(0) };
    case OptionsType.LeakyReluOptions:
      return { alpha: t.f32(0) };
    case OptionsType.StridedSliceOptions:
      // begin_mask (0), end_mask (1), ellipsis_mask (2), new_axis_mask (3), shrink_axis_mask (4), offset (5).
      if (t.bool(5)) throw new ConversionError(`TFLite file: ${where} uses offset strided slices`);
      return {
        beginMask: t.i32(0),
        endMask: t.i32(1),
        ellipsisMask: t.i32(2),
        newAxisMask: t.i32(3),
        shrinkAxisMask: t.i32(4),
      };
    default:
      return {};
  }
}

/** Parses a .tflite file (first subgraph only: single-graph models, as converted TF models are). */
export function parseTflite(bytes: Uint8Array): TfliteModel {
  if (bytes.length < 8) throw new ConversionError('TFLite file: too short');
  const ident = String.fromCharCode(...bytes.subarray(4, 8));
  if (ident !== 'TFL3') throw new ConversionError(`TFLite file: identifier "${ident}" is not "TFL3"`);
  const bb = new ByteBuffer(bytes);
  const model = new Table(bb, bb.readUint32(0), 'Model');
  const version = model.u32(0);
  // OperatorCode: deprecated_builtin_code (0, int8), custom_code (1), version (2), builtin_code (3, int32).
  const opcodes = model.tables(1, 'OperatorCode').map((t, i) => {
    const custom = t.string(1);
    if (custom !== '')
      throw new ConversionError(`TFLite file: custom operator "${custom}" (opcode ${i}) is not supported`);
    return { code: Math.max(t.i8(0), t.i32(3)), version: t.i32(2, 1) };
  });
  const subgraphs = model.tables(2, 'SubGraph');
  if (subgraphs.length !== 1)
    throw new ConversionError(
      `TFLite file: ${subgraphs.length} subgraphs (only single-subgraph models are supported)`,
    );
  const description = model.string(3);
  // Buffer: data (0).
  const buffers = model.tables(4, 'Buffer').map((t) => t.bytes(0));
  if (buffers.some((_, i) => (model.tables(4, 'Buffer')[i]?.u32(1) ?? 0) !== 0)) {
    throw new ConversionError(
      'TFLite file: buffers stored outside the flatbuffer (offset/size) are not supported',
    );
  }
  const sg = subgraphs[0]!;
  // Tensor: shape (0), type (1), buffer (2), name (3), quantization (4).
  const tensors = sg.tables(0, 'Tensor').map((t, index): TfliteTensor => {
    const bufIndex = t.u32(2);
    if (bufIndex >= buffers.length)
      throw new ConversionError(`TFLite file: tensor ${index} names buffer ${bufIndex} of ${buffers.length}`);
    const data = buffers[bufIndex];
    const q = t.table(4, `Tensor[${index}].quantization`);
    // QuantizationParameters: min (0), max (1), scale (2), zero_point (3), details_type (4), details (5), quantized_dimension (6).
    const scale = q?.f32s(2) ?? [];
    const quantization =
      q !== undefined && scale.length > 0 ? { scale, zeroPoint: q.i64s(3), axis: q.i32(6) } : undefined;
    return {
      index,
      name: t.string(3),
      type: t.i8(1),
      shape: t.i32s(0),
      data: data !== undefined && data.length > 0 ? data : undefined,
      quantization,
    };
  });
  // Operator: opcode_index (0), inputs (1), outputs (2), builtin_options_type (3), builtin_options (4).
  const operators = sg.tables(3, 'Operator').map((t, index): TfliteOperator => {
    const oc = opcodes[t.u32(0)];
    if (oc === undefined)
      throw new ConversionError(`TFLite file: operator ${index} has an unknown opcode index`);
    const where = `operator ${index} (${opName(oc.code)})`;
    const inputs = t.i32s(1),
      outputs = t.i32s(2);
    for (const i of [...inputs, ...outputs])
      if (i < -1 || i >= tensors.length) throw new ConversionError(`TFLite file: ${where} names tensor ${i}`);
    return {
      index,
      opcode: oc.code,
      version: oc.version,
      inputs,
      outputs,
      options: readOptions(t.u8(3), t.table(4, `${where} options`), where),
    };
  });
  return { version, description, tensors, operators, inputs: sg.i32s(1), outputs: sg.i32s(2) };
}

export const tensorTypeName = (t: number): string => TENSOR_TYPE_NAMES.get(t) ?? `type#${t}`;

/**
 * IEEE 754 binary16 → number (exact: every half is a float32): sign, 5-bit exponent (bias 15), 10-bit
 * fraction; exponent 0 = subnormal (fraction · 2^−24), 31 = infinity / NaN.
 */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Constant float32 values of a tensor (FLOAT32 data, or FLOAT16 data widened); throws for anything else. */
export function constFloats(t: TfliteTensor): Float32Array {
  if (t.data === undefined) throw new ConversionError(`tensor "${t.name}" has no constant data`);
  const n = t.shape.reduce((a, b) => a * b, 1);
  const dv = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  if (t.type === TensorType.FLOAT32) {
    if (t.data.byteLength !== 4 * n)
      throw new ConversionError(`tensor "${t.name}": ${t.data.byteLength} bytes for ${n} float32 values`);
    return Float32Array.from({ length: n }, (_, i) => dv.getFloat32(4 * i, true));
  }
  if (t.type === TensorType.FLOAT16) {
    if (t.data.byteLength !== 2 * n)
      throw new ConversionError(`tensor "${t.name}": ${t.data.byteLength} bytes for ${n} float16 values`);
    return Float32Array.from({ length: n }, (_, i) => halfToFloat(dv.getUint16(2 * i, true)));
  }
  throw new ConversionError(
    `tensor "${t.name}" has constant type ${tensorTypeName(t.type)} (float32 expected)`,
  );
}

/** Constant int32 values of a tensor. */
export function constInts(t: TfliteTensor): number[] {
  if (t.data === undefined) throw new ConversionError(`tensor "${t.name}" has no constant data`);
  const dv = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  if (t.type === TensorType.INT32)
    return Array.from({ length: t.data.byteLength / 4 }, (_, i) => dv.getInt32(4 * i, true));
  if (t.type === TensorType.INT64)
    return Array.from({ length: t.data.byteLength / 8 }, (_, i) => Number(dv.getBigInt64(8 * i, true)));
  throw new ConversionError(
    `tensor "${t.name}" has constant type ${tensorTypeName(t.type)} (int32 expected)`,
  );
}
