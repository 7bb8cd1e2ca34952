/**
 * Builds and serialises an ONNX ModelProto (IR version 8, default-domain opset 17) with protobufjs, from the
 * schema subset in onnx-subset.proto (field numbers from onnx/onnx.proto; see docs/IR.md of the ONNX spec).
 *
 * Guarantees: output is a pure function of the calls made on the builder — node names come from the
 * caller or from per-builder counters, initializers and nodes keep insertion order, no timestamps, no host
 * data — so the same input gives a byte-identical file. Tensor bytes are written little-endian as IR.md
 * requires for raw_data (asserted at load: we refuse to run on a big-endian host rather than write wrong
 * bytes).
 */
import { endianness } from 'node:os';
import type protobuf from 'protobufjs';
import { ConversionError } from '../errors.ts';
import { float32ToHalfArray } from '../../../src/main/model/onnx/float16.ts';
import { onnxSchemaRoot } from '../../../src/main/model/onnx/onnx-schema.ts';

export const IR_VERSION = 8;
export const OPSET = 17;

if (endianness() !== 'LE')
  throw new ConversionError('ONNX raw_data must be little-endian; big-endian hosts are unsupported');

/** TensorProto.DataType values (onnx.proto). */
export const DT = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, BOOL: 9, FLOAT16: 10 } as const;
export type OnnxDataType = (typeof DT)[keyof typeof DT];

export type TensorValues = Float32Array | Int32Array | BigInt64Array | Uint16Array | Int8Array | Uint8Array;

export interface OnnxTensor {
  readonly dataType: OnnxDataType;
  readonly dims: readonly number[];
  readonly values: TensorValues;
}

export type AttrValue =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'tensor'; readonly value: OnnxTensor };

export const attrInt = (value: number): AttrValue => ({ kind: 'int', value });
export const attrInts = (value: readonly number[]): AttrValue => ({ kind: 'ints', value });
export const attrFloat = (value: number): AttrValue => ({ kind: 'float', value });
export const attrString = (value: string): AttrValue => ({ kind: 'string', value });

/** How float weights are stored: fp32 as is, fp16 initializers + Cast, or int8 per-channel + DequantizeLinear. */
export type WeightStorage = 'fp32' | 'fp16' | 'int8';

/** Dimension of a graph input/output: a number, or a symbolic name for a dynamic dimension. */
export type Dim = number | string;

interface NodeRecord {
  readonly opType: string;
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: ReadonlyArray<readonly [string, AttrValue]>;
}

interface IoRecord {
  readonly name: string;
  readonly dataType: OnnxDataType;
  readonly shape: readonly Dim[];
}

const elementCount = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

const rawBytes = (t: OnnxTensor): Uint8Array => {
  const expected = elementCount(t.dims);
  if (t.values.length !== expected) {
    throw new ConversionError(
      `tensor has ${t.values.length} values for dims [${t.dims.join(',')}] (${expected})`,
    );
  }
  // Copy so later mutation of the caller's array cannot change what was written.
  return new Uint8Array(
    t.values.buffer.slice(t.values.byteOffset, t.values.byteOffset + t.values.byteLength),
  );
};

/** protobufjs plain-object form of a TensorProto. */
const tensorObject = (name: string, t: OnnxTensor): Record<string, unknown> => ({
  dims: [...t.dims],
  dataType: t.dataType,
  name,
  rawData: rawBytes(t),
});

const attrObject = (name: string, a: AttrValue): Record<string, unknown> => {
  switch (a.kind) {
    case 'int':
      return { name, type: 2, i: a.value };
    case 'ints':
      return { name, type: 7, ints: [...a.value] };
    case 'float':
      return { name, type: 1, f: a.value };
    case 'floats':
      return { name, type: 6, floats: [...a.value] };
    case 'string':
      return { name, type: 3, s: new TextEncoder().encode(a.value) };
    case 'tensor':
      return { name, type: 4, t: tensorObject('', a.value) };
  }
};

const valueInfoObject = (io: IoRecord): Record<string, unknown> => ({
  name: io.name,
  type: {
    tensorType: {
      elemType: io.dataType,
      shape: { dim: io.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
    },
  },
});

let modelType: protobuf.Type | undefined;
const loadModelType = (): protobuf.Type => {
  if (modelType === undefined) {
    const root = onnxSchemaRoot();
    modelType = root.lookupType('onnx.ModelProto');
  }
  return modelType;
};

/** Decodes a serialised model back to a plain object (tests and tooling only). */
export const decodeModel = (bytes: Uint8Array): Record<string, unknown> => {
  const t = loadModelType();
  return t.toObject(t.decode(bytes), { longs: Number, bytes: Array, defaults: false });
};

export interface ModelMetadata {
  readonly producerName: string;
  readonly producerVersion: string;
  readonly docString: string;
  readonly props: ReadonlyArray<readonly [string, string]>;
}

export class OnnxGraphBuilder {
  readonly graphName: string;
  readonly weightStorage: WeightStorage;
  private readonly nodes: NodeRecord[] = [];
  private readonly initializers: Array<readonly [string, OnnxTensor]> = [];
  private readonly inputs: IoRecord[] = [];
  private readonly outputs: IoRecord[] = [];
  /** Node names and value names are separate namespaces in ONNX. */
  private readonly usedNodes = new Set<string>();
  private readonly usedValues = new Set<string>();
  private readonly reserved = new Set<string>();
  private readonly counters = new Map<string, number>();

  constructor(graphName: string, weightStorage: WeightStorage = 'fp32') {
    this.graphName = graphName;
    this.weightStorage = weightStorage;
  }

  private unique(used: Set<string>, base: string, kind: string): string {
    if (!used.has(base) && !(kind === 'value' && this.reserved.has(base))) {
      used.add(base);
      return base;
    }
    const key = `${kind}:${base}`;
    let n = this.counters.get(key) ?? 1;
    let candidate = `${base}__${n}`;
    while (used.has(candidate) || (kind === 'value' && this.reserved.has(candidate))) {
      n += 1;
      candidate = `${base}__${n}`;
    }
    this.counters.set(key, n + 1);
    used.add(candidate);
    return candidate;
  }

  /** A value name not used yet, derived deterministically from `base`. */
  uniqueName(base: string): string {
    return this.unique(this.usedValues, base, 'value');
  }

  /** Keeps `name` free for a later `claimValueName` (graph outputs with fixed names). */
  reserveValueName(name: string): void {
    if (this.usedValues.has(name) || this.reserved.has(name))
      throw new ConversionError(`value name "${name}" is already taken`);
    this.reserved.add(name);
  }

  /** Takes a reserved or unused name verbatim; throws when it is taken. */
  claimValueName(name: string): string {
    if (this.usedValues.has(name)) throw new ConversionError(`value name "${name}" is already taken`);
    this.reserved.delete(name);
    this.usedValues.add(name);
    return name;
  }

  addInput(name: string, dataType: OnnxDataType, shape: readonly Dim[]): string {
    this.claimValueName(name);
    this.inputs.push({ name, dataType, shape });
    return name;
  }

  /** Declares `name` (which some node must produce) as a graph output. */
  addOutput(name: string, dataType: OnnxDataType, shape: readonly Dim[]): void {
    this.outputs.push({ name, dataType, shape });
  }

  /** Adds a constant tensor stored as is; returns its (unique) name. */
  addInitializer(base: string, tensor: OnnxTensor): string {
    const name = this.uniqueName(base);
    rawBytes(tensor); // validates the element count now, with the name at hand
    this.initializers.push([name, tensor]);
    return name;
  }

  addInt64(
    base: string,
    values: readonly (number | bigint)[],
    dims: readonly number[] = [values.length],
  ): string {
    return this.addInitializer(base, {
      dataType: DT.INT64,
      dims,
      values: BigInt64Array.from(values, (v) => BigInt(v)),
    });
  }

  addFloat(
    base: string,
    values: readonly number[] | Float32Array,
    dims: readonly number[] = [values.length],
  ): string {
    return this.addInitializer(base, { dataType: DT.FLOAT, dims, values: Float32Array.from(values) });
  }

  /**
   * Adds a float32 model weight, honouring the builder's weight storage. The returned name always carries
   * float32 values at run time: fp16 weights go through Cast(to=FLOAT), int8 through DequantizeLinear with one
   * symmetric scale per slice along `channelAxis` (axis 0 = output channels for OIHW conv weights). Tensors
   * smaller than the thresholds (biases, scales) stay fp32: they cost nothing and matter for accuracy.
   */
  addWeight(base: string, values: Float32Array, dims: readonly number[], channelAxis = 0): string {
    const n = values.length;
    if (this.weightStorage === 'fp16' && n >= 64) {
      const half = this.addInitializer(`${base}__fp16`, {
        dataType: DT.FLOAT16,
        dims,
        values: float32ToHalfArray(values),
      });
      return this.addNode('Cast', [half], { outputs: [base], attrs: { to: attrInt(DT.FLOAT) } })[0] ?? base;
    }
    if (this.weightStorage === 'int8' && n >= 1024) {
      const axisLen = dims[channelAxis] ?? 1;
      const inner = elementCount(dims.slice(channelAxis + 1));
      const scales = new Float32Array(axisLen);
      for (let i = 0; i < n; i += 1) {
        const c = Math.floor(i / inner) % axisLen;
        scales[c] = Math.max(scales[c] ?? 0, Math.abs(values[i] ?? 0));
      }
      for (let c = 0; c < axisLen; c += 1) scales[c] = (scales[c] ?? 0) > 0 ? (scales[c] ?? 0) / 127 : 1;
      const q = new Int8Array(n);
      for (let i = 0; i < n; i += 1) {
        const c = Math.floor(i / inner) % axisLen;
        q[i] = Math.max(-127, Math.min(127, Math.round((values[i] ?? 0) / (scales[c] ?? 1))));
      }
      const qName = this.addInitializer(`${base}__int8`, { dataType: DT.INT8, dims, values: q });
      const sName = this.addInitializer(`${base}__scale`, {
        dataType: DT.FLOAT,
        dims: [axisLen],
        values: scales,
      });
      const zName = this.addInitializer(`${base}__zero`, {
        dataType: DT.INT8,
        dims: [axisLen],
        values: new Int8Array(axisLen),
      });
      return (
        this.addNode('DequantizeLinear', [qName, sName, zName], {
          outputs: [base],
          attrs: { axis: attrInt(channelAxis) },
        })[0] ?? base
      );
    }
    return this.addInitializer(base, { dataType: DT.FLOAT, dims, values });
  }

  /**
   * PReLU on a 4-D NCHW value with one slope per channel, written as `x + (1 − slope)·Relu(−x)` with two
   * depthwise 1×1 convolutions: Conv(w = −1) → Relu → Conv(w = 1 − slope) → Add x. It is PRelu exactly in real
   * arithmetic (x ≥ 0: x; x < 0: x − (1 − slope)·x = slope·x); in float32 the difference is a few ulps of |x|.
   * Why not the PRelu op: ONNX Runtime's CPU PRelu is a generic broadcasting kernel that its NCHWc layout
   * (the fast convolution path at the default optimisation level) does not support, so every PRelu runs
   * slowly and costs two layout reorders; convolutions stay in NCHWc and fuse (Conv + Relu, Conv + Add). On
   * MobileFaceNet (33 PReLU) that halves the embedder's time (docs/models.md "Speed"). Returns the output name.
   */
  preluNchw(x: string, slope: Float32Array, base: string): string {
    const c = slope.length;
    if (!(c >= 1)) throw new ConversionError(`${base}: PReLU needs at least one slope`);
    const depthwise = { group: attrInt(c), kernel_shape: attrInts([1, 1]) };
    const negOne = this.addWeight(`${base}/neg_one`, new Float32Array(c).fill(-1), [c, 1, 1, 1]);
    const oneMinus = this.addWeight(
      `${base}/one_minus_slope`,
      Float32Array.from(slope, (v) => 1 - v),
      [c, 1, 1, 1],
    );
    const negX = this.op('Conv', [x, negOne], depthwise, `${base}/neg`);
    const reluNegX = this.op('Relu', [negX], {}, `${base}/relu_neg`);
    const scaled = this.op('Conv', [reluNegX, oneMinus], depthwise, `${base}/scale`);
    return this.op('Add', [x, scaled], {}, base);
  }

  /**
   * Appends a node. Output names default to `<name>:<i>`, made unique; an output listed in `opts.outputs`
   * that was reserved is used verbatim. Node names default to the op type, made unique. Returns the output
   * names.
   */
  addNode(
    opType: string,
    inputs: readonly string[],
    opts: {
      name?: string;
      outputs?: readonly string[];
      outputCount?: number;
      attrs?: Record<string, AttrValue>;
    } = {},
  ): string[] {
    const name = this.unique(this.usedNodes, opts.name ?? opType, 'node');
    const outputs =
      opts.outputs?.map((o) => (this.reserved.has(o) ? this.claimValueName(o) : this.uniqueName(o))) ??
      (opts.outputCount !== undefined && opts.outputCount > 1
        ? Array.from({ length: opts.outputCount }, (_, i) => this.uniqueName(`${name}:${i}`))
        : [this.uniqueName(`${name}:0`)]);
    this.nodes.push({ opType, name, inputs: [...inputs], outputs, attrs: Object.entries(opts.attrs ?? {}) });
    return outputs;
  }

  /** One-output convenience form of addNode. */
  op(
    opType: string,
    inputs: readonly string[],
    attrs: Record<string, AttrValue> = {},
    name?: string,
  ): string {
    const [out] = this.addNode(opType, inputs, name === undefined ? { attrs } : { attrs, name });
    if (out === undefined) throw new ConversionError(`internal: ${opType} produced no output`);
    return out;
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  /** Serialises the model. */
  encode(meta: ModelMetadata): Uint8Array {
    const t = loadModelType();
    const obj = {
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: OPSET }],
      producerName: meta.producerName,
      producerVersion: meta.producerVersion,
      docString: meta.docString,
      graph: {
        node: this.nodes.map((n) => ({
          input: n.inputs,
          output: n.outputs,
          name: n.name,
          opType: n.opType,
          attribute: n.attrs.map(([k, v]) => attrObject(k, v)),
        })),
        name: this.graphName,
        initializer: this.initializers.map(([name, tensor]) => tensorObject(name, tensor)),
        input: this.inputs.map(valueInfoObject),
        output: this.outputs.map(valueInfoObject),
      },
      metadataProps: meta.props.map(([key, value]) => ({ key, value })),
    };
    const err = t.verify(obj);
    if (err !== null) throw new ConversionError(`internal: ModelProto does not verify: ${err}`);
    return t.encode(t.fromObject(obj)).finish();
  }
}
