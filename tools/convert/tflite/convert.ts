/**
 * TensorFlow Lite model (float32, single subgraph) -> ONNX (IR 8, opset 17), written with the same ONNX
 * writer as the TF.js converter.
 *
 * Layout: TFLite activations are NHWC; ONNX convolutions are NCHW. Every 4-D activation is carried in NCHW
 * from the input on (one Transpose at the input, or none when the caller asks for an NCHW input), constants
 * that broadcast against a 4-D activation are re-laid out at conversion time, and an activation is turned
 * back to NHWC order only where element order matters (RESHAPE/FULLY_CONNECTED of a tensor with spatial size
 * > 1, graph outputs). The batch dimension becomes symbolic (`batch`) whatever fixed size the file declares.
 *
 * Semantics follow TFLite's reference kernels (tensorflow/lite/kernels/internal/reference): SAME padding
 * splits the total with the smaller half before (tfSamePads, as TF), fused activations (RELU, RELU6,
 * RELU_N1_TO_1, TANH) are applied after the op, CONV_2D filters are OHWI, DEPTHWISE_CONV_2D filters are
 * [1, H, W, C·multiplier], FULLY_CONNECTED weights are [out, in] on the input flattened in NHWC order.
 *
 * Float16 weights (TFLite's fp16 post-training quantisation: FLOAT16 constants behind DEQUANTIZE) are widened
 * to float32 at conversion time (exact), so the DEQUANTIZE disappears and the consumer sees a constant; the
 * builder's weight storage then decides how they are stored (fp16 keeps them bit-identical).
 *
 * Peephole: the PReLU that TOCO lowers to `relu(x) + a·(x − |x|)` (MobileFaceNet) becomes one ONNX PRelu
 * with slope 2a; the form is matched exactly (constant a, every intermediate used once) and proven
 * equivalent by the test against the float64 reference interpreter (test/integration/convert/tflite-*).
 *
 * Anything else — quantized tensors, an op without a handler, a non-constant weight, a shape the handler does
 * not expect — raises a ConversionError naming the operator index, op and output tensor.
 */
import { readFileSync } from 'node:fs';
import { ConversionError } from '../errors.ts';
import {
  attrFloat,
  attrInt,
  attrInts,
  DT,
  OnnxGraphBuilder,
  type Dim,
  type WeightStorage,
} from '../onnx/onnx-writer.ts';
import { spatialPads } from '../tfjs-graph/padding.ts';
import {
  BuiltinOp,
  constFloats,
  constInts,
  opName,
  parseTflite,
  TensorType,
  tensorTypeName,
  type Activation,
  type TfliteModel,
  type TfliteOperator,
  type TfliteTensor,
} from './tflite-model.ts';

export interface TfliteConvertOptions {
  readonly weightStorage?: WeightStorage;
  readonly graphName?: string;
  readonly metadata?: ReadonlyArray<readonly [string, string]>;
  /** Layout of 4-D graph inputs in the ONNX file: 'nhwc' (as the TFLite file, default) or 'nchw'. */
  readonly inputLayout?: 'nhwc' | 'nchw';
  /** Rename graph inputs/outputs (TFLite tensor name → ONNX name). */
  readonly rename?: Readonly<Record<string, string>>;
}

export interface TfliteConvertResult {
  readonly onnx: Uint8Array;
  readonly inputs: ReadonlyArray<{ name: string; shape: readonly Dim[] }>;
  readonly outputs: ReadonlyArray<{ name: string; shape: readonly Dim[] }>;
  readonly nodeCount: number;
  /** TFLite operator counts by op name (what the file used). */
  readonly ops: Readonly<Record<string, number>>;
}

/** An activation: ONNX value name, its TFLite (NHWC) shape, and whether the ONNX value holds it as NCHW. */
interface Value {
  readonly name: string;
  readonly shape: readonly number[];
  readonly nchw: boolean;
}

const product = (a: readonly number[]): number => a.reduce((x, y) => x * y, 1);

/**
 * Folds every DEQUANTIZE of a FLOAT16 constant: its output tensor becomes a FLOAT32 constant holding the
 * widened values. Returns the model with those tensors replaced and the indices of the folded operators.
 * A DEQUANTIZE of anything else (int8/uint8 affine quantisation, a non-constant input) is left for the op
 * handler, which refuses it.
 */
function foldConstantDequantize(model: TfliteModel): { model: TfliteModel; folded: Set<number> } {
  const tensors = [...model.tensors];
  const folded = new Set<number>();
  for (const op of model.operators) {
    if (op.opcode !== BuiltinOp.DEQUANTIZE || op.inputs.length !== 1 || op.outputs.length !== 1) continue;
    const src = tensors[op.inputs[0] ?? -1];
    const dst = tensors[op.outputs[0] ?? -1];
    if (src?.data === undefined || dst === undefined) continue;
    if (src.type !== TensorType.FLOAT16 || src.quantization !== undefined) continue;
    if (dst.type !== TensorType.FLOAT32 || product(src.shape) !== product(dst.shape)) continue;
    const values = constFloats(src);
    tensors[dst.index] = {
      ...dst,
      data: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
    };
    folded.add(op.index);
  }
  return { model: { ...model, tensors }, folded };
}

export function convertTflite(source: TfliteModel, opts: TfliteConvertOptions = {}): TfliteConvertResult {
  const { model, folded } = foldConstantDequantize(source);
  const b = new OnnxGraphBuilder(opts.graphName ?? 'model', opts.weightStorage ?? 'fp32');
  const values = new Map<number, Value>();
  const consumers = new Map<number, number[]>();
  const producer = new Map<number, TfliteOperator>();
  for (const op of model.operators) {
    if (folded.has(op.index)) continue;
    for (const i of op.inputs) if (i >= 0) consumers.set(i, [...(consumers.get(i) ?? []), op.index]);
    for (const o of op.outputs) producer.set(o, op);
  }
  for (const o of model.outputs) consumers.set(o, [...(consumers.get(o) ?? []), -1]);
  const tensor = (i: number): TfliteTensor => {
    const t = model.tensors[i];
    if (t === undefined) throw new ConversionError(`tensor ${i} does not exist`);
    return t;
  };
  for (const t of model.tensors) {
    if (t.quantization !== undefined && t.type !== TensorType.FLOAT32)
      throw new ConversionError(
        `tensor "${t.name}" is quantized (${tensorTypeName(t.type)}): only float models are supported`,
      );
  }
  const rename = (n: string): string => opts.rename?.[n] ?? n;
  const outNames = model.outputs.map((o) => rename(tensor(o).name));
  for (const n of outNames) b.reserveValueName(n);

  // ---- inputs ----
  const inputs: Array<{ name: string; shape: readonly Dim[] }> = [];
  for (const i of model.inputs) {
    const t = tensor(i);
    if (t.type !== TensorType.FLOAT32)
      throw new ConversionError(`input "${t.name}" is ${tensorTypeName(t.type)} (float32 expected)`);
    const name = rename(t.name);
    const dims: Dim[] = t.shape.map((d, k) => (k === 0 ? 'batch' : d));
    if (t.shape.length === 4 && opts.inputLayout === 'nchw') {
      const [n, h, w, c] = dims;
      const nchwDims = [n ?? 'batch', c ?? 0, h ?? 0, w ?? 0];
      b.addInput(name, DT.FLOAT, nchwDims);
      inputs.push({ name, shape: nchwDims });
      values.set(i, { name, shape: t.shape, nchw: true });
    } else {
      b.addInput(name, DT.FLOAT, dims);
      inputs.push({ name, shape: dims });
      if (t.shape.length === 4)
        values.set(i, {
          name: b.op('Transpose', [name], { perm: attrInts([0, 3, 1, 2]) }, `${name}/to_nchw`),
          shape: t.shape,
          nchw: true,
        });
      else values.set(i, { name, shape: t.shape, nchw: false });
    }
  }

  const get = (i: number, where: string): Value => {
    const v = values.get(i);
    if (v === undefined) {
      const t = tensor(i);
      throw new ConversionError(
        `${where}: input "${t.name}" is ${t.data !== undefined ? 'a constant where an activation is expected' : 'not produced by any earlier operator'}`,
      );
    }
    return v;
  };
  const isConst = (i: number): boolean => i >= 0 && tensor(i).data !== undefined;

  /** ONNX value of `v` in plain NHWC element order. */
  const nhwcOf = (v: Value, base: string): string => {
    if (!v.nchw) return v.name;
    const [, h, w] = v.shape;
    if (h === 1 && w === 1) return v.name; // identical element order
    return b.op('Transpose', [v.name], { perm: attrInts([0, 2, 3, 1]) }, `${base}/to_nhwc`);
  };

  const applyActivation = (x: string, a: Activation | undefined, base: string): string => {
    switch (a ?? 'NONE') {
      case 'NONE':
        return x;
      case 'RELU':
        return b.op('Relu', [x], {}, `${base}/relu`);
      case 'RELU6':
        return b.op(
          'Clip',
          [x, b.addFloat(`${base}/clip_min`, [0], []), b.addFloat(`${base}/clip_max`, [6], [])],
          {},
          `${base}/relu6`,
        );
      case 'RELU_N1_TO_1':
        return b.op(
          'Clip',
          [x, b.addFloat(`${base}/clip_min`, [-1], []), b.addFloat(`${base}/clip_max`, [1], [])],
          {},
          `${base}/relu1`,
        );
      case 'TANH':
        return b.op('Tanh', [x], {}, `${base}/tanh`);
    }
  };

  /**
   * A constant operand of a binary op against activation `other`, laid out so ONNX broadcasting gives what
   * TFLite's NHWC broadcasting gives.
   */
  const binaryConst = (t: TfliteTensor, other: Value, base: string): string => {
    const data = constFloats(t);
    if (!other.nchw) return b.addFloat(base, data, [...t.shape]);
    const s = [...t.shape];
    while (s.length < 4) s.unshift(1);
    const [n, h, w, c] = s as [number, number, number, number];
    if (n !== 1)
      throw new ConversionError(`constant "${t.name}" [${t.shape.join(',')}] has a batch dimension`);
    // NHWC [1,h,w,c] → NCHW [1,c,h,w] (a copy in the new order).
    const out = new Float32Array(data.length);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let k = 0; k < c; k++) out[(k * h + y) * w + x] = data[(y * w + x) * c + k]!;
    return b.addFloat(base, out, [1, c, h, w]);
  };

  const outShape = (op: TfliteOperator, k = 0): number[] => [...tensor(op.outputs[k] ?? -1).shape];
  const baseOf = (op: TfliteOperator): string => tensor(op.outputs[0] ?? -1).name || `op${op.index}`;

  // ---- PReLU peephole: ADD(RELU(x), MUL(a, SUB(x, ABS(x)))) → PRelu(x, 2a) ----
  const skip = new Set<number>();
  const prelu = new Map<number, { x: number; slope: TfliteTensor }>();
  const singleUse = (t: number): boolean => (consumers.get(t)?.length ?? 0) === 1;
  for (const add of model.operators) {
    if (
      add.opcode !== BuiltinOp.ADD ||
      add.inputs.length !== 2 ||
      (add.options.activation ?? 'NONE') !== 'NONE'
    )
      continue;
    const ops = add.inputs.map((i) => producer.get(i));
    const relu = ops.find((o) => o?.opcode === BuiltinOp.RELU);
    const mul = ops.find((o) => o?.opcode === BuiltinOp.MUL && (o.options.activation ?? 'NONE') === 'NONE');
    if (relu === undefined || mul === undefined || relu === mul) continue;
    const x = relu.inputs[0] ?? -1;
    const aIdx = mul.inputs.find((i) => isConst(i));
    const subOut = mul.inputs.find((i) => !isConst(i));
    if (aIdx === undefined || subOut === undefined) continue;
    const sub = producer.get(subOut);
    if (sub?.opcode !== BuiltinOp.SUB || sub.inputs[0] !== x || (sub.options.activation ?? 'NONE') !== 'NONE')
      continue;
    const abs = producer.get(sub.inputs[1] ?? -1);
    if (abs?.opcode !== 101 || abs.inputs[0] !== x) continue;
    const a = tensor(aIdx);
    const xShape = tensor(x).shape;
    if (!(a.shape.length === 1 && a.shape[0] === xShape[xShape.length - 1])) continue;
    if (
      ![relu.outputs[0], mul.outputs[0], sub.outputs[0], abs.outputs[0]].every(
        (t) => t !== undefined && singleUse(t),
      )
    )
      continue;
    for (const o of [relu, abs, sub, mul]) skip.add(o.index);
    prelu.set(add.index, { x, slope: a });
  }

  const opCounts: Record<string, number> = {};
  for (const op of model.operators) {
    const name = opName(op.opcode);
    opCounts[name] = (opCounts[name] ?? 0) + 1;
    if (skip.has(op.index) || folded.has(op.index)) continue;
    const base = baseOf(op);
    const where = `operator ${op.index} (${name}) → "${base}"`;
    try {
      convertOp(op, base, where);
    } catch (e) {
      if (e instanceof ConversionError && e.message.startsWith('operator ')) throw e;
      throw new ConversionError(`${where}: ${e instanceof Error ? e.message : String(e)}`, undefined, {
        cause: e,
      });
    }
  }

  function setOut(op: TfliteOperator, name: string, nchw: boolean, k = 0): void {
    const o = op.outputs[k];
    if (o === undefined) throw new ConversionError('operator has no output');
    values.set(o, { name, shape: tensor(o).shape, nchw });
  }

  function convertOp(op: TfliteOperator, base: string, where: string): void {
    const o = op.options;
    const p = prelu.get(op.index);
    if (p !== undefined) {
      const x = get(p.x, where);
      const slope = Float32Array.from(constFloats(p.slope), (v) => 2 * v);
      const c = slope.length;
      if (x.nchw && x.shape.length === 4) {
        setOut(op, b.preluNchw(x.name, slope, `${base}/prelu`), true);
        return;
      }
      const s = b.addWeight(`${base}/slope`, slope, x.nchw ? [c, 1, 1] : [c]);
      setOut(op, b.op('PRelu', [x.name, s], {}, `${base}/prelu`), x.nchw);
      return;
    }
    switch (op.opcode) {
      case BuiltinOp.CONV_2D:
      case BuiltinOp.DEPTHWISE_CONV_2D: {
        const x = get(op.inputs[0] ?? -1, where);
        if (!x.nchw) throw new ConversionError('convolution input is not 4-D');
        const wT = tensor(op.inputs[1] ?? -1);
        if (wT.data === undefined) throw new ConversionError('non-constant filter');
        const w = constFloats(wT);
        const [, inH, inW, inC] = x.shape as [number, number, number, number];
        const depthwise = op.opcode === BuiltinOp.DEPTHWISE_CONV_2D;
        let onnxW: Float32Array, dims: number[], group: number;
        if (depthwise) {
          const [one, kh, kw, oc] = wT.shape as [number, number, number, number];
          const mult = o.depthMultiplier ?? 1;
          if (one !== 1 || oc !== inC * mult)
            throw new ConversionError(
              `depthwise filter [${wT.shape.join(',')}] does not fit ${inC} channels × multiplier ${mult}`,
            );
          // [1, kh, kw, oc] → [oc, 1, kh, kw]
          onnxW = new Float32Array(w.length);
          for (let y = 0; y < kh; y++)
            for (let xx = 0; xx < kw; xx++)
              for (let k = 0; k < oc; k++) onnxW[(k * kh + y) * kw + xx] = w[(y * kw + xx) * oc + k]!;
          dims = [oc, 1, kh, kw];
          group = inC;
        } else {
          const [oc, kh, kw, ic] = wT.shape as [number, number, number, number];
          if (ic !== inC)
            throw new ConversionError(
              `filter [${wT.shape.join(',')}] expects ${ic} input channels, got ${inC}`,
            );
          // OHWI → OIHW
          onnxW = new Float32Array(w.length);
          for (let k = 0; k < oc; k++)
            for (let y = 0; y < kh; y++)
              for (let xx = 0; xx < kw; xx++)
                for (let c = 0; c < ic; c++)
                  onnxW[((k * ic + c) * kh + y) * kw + xx] = w[((k * kh + y) * kw + xx) * ic + c]!;
          dims = [oc, ic, kh, kw];
          group = 1;
        }
        const [oc, , kh, kw] = dims as [number, number, number, number];
        const strides: [number, number] = [o.strideH ?? 1, o.strideW ?? 1];
        const dil: [number, number] = [o.dilationH ?? 1, o.dilationW ?? 1];
        const pads = spatialPads(o.padding ?? 'SAME', [inH, inW], [kh, kw], strides, dil);
        const ins = [x.name, b.addWeight(`${base}/W`, onnxW, dims)];
        const biasIdx = op.inputs[2] ?? -1;
        if (biasIdx >= 0) {
          const bias = constFloats(tensor(biasIdx));
          if (bias.length !== oc)
            throw new ConversionError(`bias has ${bias.length} values for ${oc} channels`);
          ins.push(b.addFloat(`${base}/B`, bias, [oc]));
        }
        const y = b.op(
          'Conv',
          ins,
          {
            kernel_shape: attrInts([kh, kw]),
            strides: attrInts(strides),
            dilations: attrInts(dil),
            pads: attrInts(pads),
            group: attrInt(group),
          },
          base,
        );
        const expect = outShape(op);
        checkSpatial(expect, inH, inW, kh, kw, strides, dil, pads, oc);
        setOut(op, applyActivation(y, o.activation, base), true);
        return;
      }
      case BuiltinOp.MAX_POOL_2D:
      case BuiltinOp.AVERAGE_POOL_2D: {
        const x = get(op.inputs[0] ?? -1, where);
        if (!x.nchw) throw new ConversionError('pool input is not 4-D');
        const [, inH, inW] = x.shape as [number, number, number, number];
        const k: [number, number] = [o.filterH ?? 1, o.filterW ?? 1];
        const strides: [number, number] = [o.strideH ?? 1, o.strideW ?? 1];
        const pads = spatialPads(o.padding ?? 'SAME', [inH, inW], k, strides, [1, 1]);
        const isMax = op.opcode === BuiltinOp.MAX_POOL_2D;
        // TFLite averages over the valid (unpadded) window only: count_include_pad = 0.
        const y = b.op(
          isMax ? 'MaxPool' : 'AveragePool',
          [x.name],
          {
            kernel_shape: attrInts(k),
            strides: attrInts(strides),
            pads: attrInts(pads),
            ...(isMax ? {} : { count_include_pad: attrInt(0) }),
          },
          base,
        );
        setOut(op, applyActivation(y, o.activation, base), true);
        return;
      }
      case BuiltinOp.ADD:
      case BuiltinOp.SUB:
      case BuiltinOp.MUL:
      case BuiltinOp.DIV:
      case BuiltinOp.MAXIMUM:
      case BuiltinOp.MINIMUM: {
        const onnxOp =
          {
            [BuiltinOp.ADD]: 'Add',
            [BuiltinOp.SUB]: 'Sub',
            [BuiltinOp.MUL]: 'Mul',
            [BuiltinOp.DIV]: 'Div',
            [BuiltinOp.MAXIMUM]: 'Max',
            [BuiltinOp.MINIMUM]: 'Min',
          }[op.opcode] ?? '';
        const [ia, ib] = op.inputs as [number, number];
        const ca = isConst(ia),
          cb = isConst(ib);
        if (ca && cb) throw new ConversionError('both operands are constant');
        const va = ca ? undefined : get(ia, where);
        const vb = cb ? undefined : get(ib, where);
        let nchw = (va?.nchw ?? false) || (vb?.nchw ?? false);
        let na: string, nb: string;
        if (va !== undefined && vb !== undefined && va.nchw !== vb.nchw) {
          // Mixed layouts: compute in NHWC order.
          na = nhwcOf(va, `${base}/a`);
          nb = nhwcOf(vb, `${base}/b`);
          nchw = false;
        } else {
          const ref = (va ?? vb) as Value;
          na = va !== undefined ? va.name : binaryConst(tensor(ia), ref, `${base}/a`);
          nb = vb !== undefined ? vb.name : binaryConst(tensor(ib), ref, `${base}/b`);
        }
        const y = b.op(onnxOp, [na, nb], {}, base);
        setOut(op, applyActivation(y, o.activation, base), nchw && outShape(op).length === 4);
        return;
      }
      case BuiltinOp.RELU:
      case BuiltinOp.RELU6:
      case BuiltinOp.TANH:
      case BuiltinOp.LOGISTIC:
      case 101 /* ABS */:
      case 59 /* NEG */:
      case 47 /* EXP */:
      case BuiltinOp.SQRT:
      case BuiltinOp.RSQRT:
      case BuiltinOp.SQUARE: {
        const x = get(op.inputs[0] ?? -1, where);
        let y: string;
        if (op.opcode === BuiltinOp.RELU6) y = applyActivation(x.name, 'RELU6', base);
        else if (op.opcode === BuiltinOp.RSQRT)
          y = b.op('Reciprocal', [b.op('Sqrt', [x.name], {}, `${base}/sqrt`)], {}, base);
        else if (op.opcode === BuiltinOp.SQUARE) y = b.op('Mul', [x.name, x.name], {}, base);
        else {
          const m: Record<number, string> = {
            [BuiltinOp.RELU]: 'Relu',
            [BuiltinOp.TANH]: 'Tanh',
            [BuiltinOp.LOGISTIC]: 'Sigmoid',
            101: 'Abs',
            59: 'Neg',
            47: 'Exp',
            [BuiltinOp.SQRT]: 'Sqrt',
          };
          y = b.op(m[op.opcode] ?? '', [x.name], {}, base);
        }
        setOut(op, y, x.nchw);
        return;
      }
      case BuiltinOp.RESHAPE:
      case BuiltinOp.SQUEEZE: {
        const x = get(op.inputs[0] ?? -1, where);
        const target = outShape(op);
        if (target.length === 0 || target[0] !== x.shape[0])
          throw new ConversionError(
            `reshape [${x.shape.join(',')}] → [${target.join(',')}] changes the batch dimension`,
          );
        if (product(target) !== product(x.shape))
          throw new ConversionError(
            `reshape [${x.shape.join(',')}] → [${target.join(',')}] changes the element count`,
          );
        const src = nhwcOf(x, base);
        const shape = b.addInt64(`${base}/shape`, [0, ...target.slice(1)]);
        const y = b.op('Reshape', [src, shape], {}, base);
        if (target.length === 4)
          setOut(op, b.op('Transpose', [y], { perm: attrInts([0, 3, 1, 2]) }, `${base}/to_nchw`), true);
        else setOut(op, y, false);
        return;
      }
      case BuiltinOp.FULLY_CONNECTED: {
        const x = get(op.inputs[0] ?? -1, where);
        const wT = tensor(op.inputs[1] ?? -1);
        if (wT.data === undefined || wT.shape.length !== 2)
          throw new ConversionError('weights must be a constant [out, in] matrix');
        if ((o.weightsFormat ?? 0) !== 0)
          throw new ConversionError('shuffled weight formats are not supported');
        const [outN, inN] = wT.shape as [number, number];
        const batch = x.shape[0] ?? 1;
        if (product(x.shape) !== batch * inN)
          throw new ConversionError(`input [${x.shape.join(',')}] does not flatten to [${batch}, ${inN}]`);
        const flat = b.op(
          'Reshape',
          [nhwcOf(x, base), b.addInt64(`${base}/flat`, [0, inN])],
          {},
          `${base}/flatten`,
        );
        const ins = [flat, b.addWeight(`${base}/W`, constFloats(wT), [outN, inN])];
        const biasIdx = op.inputs[2] ?? -1;
        if (biasIdx >= 0) ins.push(b.addFloat(`${base}/B`, constFloats(tensor(biasIdx)), [outN]));
        else ins.push(b.addFloat(`${base}/B`, new Float32Array(outN), [outN]));
        const y = b.op('Gemm', ins, { transB: attrInt(1) }, base);
        if (outShape(op).length !== 2)
          throw new ConversionError('only 2-D FULLY_CONNECTED outputs are supported (keep_num_dims)');
        setOut(op, applyActivation(y, o.activation, base), false);
        return;
      }
      case BuiltinOp.SOFTMAX: {
        const x = get(op.inputs[0] ?? -1, where);
        if (x.nchw) throw new ConversionError('softmax over a 4-D activation is not supported');
        const beta = o.beta ?? 1;
        const inp =
          beta === 1
            ? x.name
            : b.op('Mul', [x.name, b.addFloat(`${base}/beta`, [beta], [])], {}, `${base}/beta`);
        setOut(op, b.op('Softmax', [inp], { axis: attrInt(-1) }, base), false);
        return;
      }
      case BuiltinOp.MEAN:
      case BuiltinOp.SUM:
      case 82 /* REDUCE_MAX */: {
        const x = get(op.inputs[0] ?? -1, where);
        const rank = x.shape.length;
        const axes = constInts(tensor(op.inputs[1] ?? -1)).map((a) => (a < 0 ? a + rank : a));
        const nchwAxis = (a: number): number => (x.nchw ? ([0, 2, 3, 1][a] ?? a) : a);
        const keep = o.keepDims === true;
        const onnxOp =
          op.opcode === BuiltinOp.MEAN
            ? 'ReduceMean'
            : op.opcode === BuiltinOp.SUM
              ? 'ReduceSum'
              : 'ReduceMax';
        const ax = axes.map(nchwAxis);
        // opset 17: ReduceSum takes axes as an input; ReduceMean/ReduceMax as an attribute.
        const y =
          onnxOp === 'ReduceSum'
            ? b.op(
                onnxOp,
                [x.name, b.addInt64(`${base}/axes`, ax)],
                { keepdims: attrInt(keep ? 1 : 0) },
                base,
              )
            : b.op(onnxOp, [x.name], { axes: attrInts(ax), keepdims: attrInt(keep ? 1 : 0) }, base);
        if (x.nchw && keep) setOut(op, y, true);
        else if (x.nchw && !keep && axes.includes(1) && axes.includes(2) && !axes.includes(3))
          setOut(op, y, false); // [N,C] either way
        else if (!x.nchw) setOut(op, y, false);
        else
          throw new ConversionError(
            `reduction over axes [${axes.join(',')}] of a 4-D activation without keep_dims is not supported`,
          );
        return;
      }
      case BuiltinOp.L2_NORMALIZATION: {
        const x = get(op.inputs[0] ?? -1, where);
        if (x.nchw) throw new ConversionError('L2 normalisation of a 4-D activation is not supported');
        // TFLite: x / sqrt(max(sum(x²), 1e-6)) over the last axis.
        const ss = b.op(
          'ReduceSum',
          [b.op('Mul', [x.name, x.name], {}, `${base}/sq`), b.addInt64(`${base}/axes`, [-1])],
          { keepdims: attrInt(1) },
          `${base}/ss`,
        );
        const den = b.op(
          'Sqrt',
          [b.op('Max', [ss, b.addFloat(`${base}/eps`, [1e-6], [])], {}, `${base}/clamp`)],
          {},
          `${base}/norm`,
        );
        setOut(op, b.op('Div', [x.name, den], {}, base), false);
        return;
      }
      case BuiltinOp.LEAKY_RELU: {
        // TFLite reference: x ≥ 0 ? x : alpha · x (as ONNX LeakyRelu).
        const x = get(op.inputs[0] ?? -1, where);
        setOut(op, b.op('LeakyRelu', [x.name], { alpha: attrFloat(o.alpha ?? 0.2) }, base), x.nchw);
        return;
      }
      case BuiltinOp.GREATER_EQUAL:
      case BuiltinOp.LESS: {
        // Element-wise comparison with broadcasting; the BOOL result feeds a CAST (or a graph output).
        const [ia, ib] = op.inputs as [number, number];
        const ca = isConst(ia),
          cb = isConst(ib);
        if (ca && cb) throw new ConversionError('both operands are constant');
        const va = ca ? undefined : get(ia, where);
        const vb = cb ? undefined : get(ib, where);
        let na: string, nb: string, nchw: boolean;
        if (va !== undefined && vb !== undefined && va.nchw !== vb.nchw) {
          na = nhwcOf(va, `${base}/a`);
          nb = nhwcOf(vb, `${base}/b`);
          nchw = false;
        } else {
          const ref = (va ?? vb) as Value;
          na = va !== undefined ? va.name : binaryConst(tensor(ia), ref, `${base}/a`);
          nb = vb !== undefined ? vb.name : binaryConst(tensor(ib), ref, `${base}/b`);
          nchw = ref.nchw && outShape(op).length === 4;
        }
        const onnxOp = op.opcode === BuiltinOp.GREATER_EQUAL ? 'GreaterOrEqual' : 'Less';
        setOut(op, b.op(onnxOp, [na, nb], {}, base), nchw);
        return;
      }
      case BuiltinOp.CAST: {
        const x = get(op.inputs[0] ?? -1, where);
        const from = tensor(op.inputs[0] ?? -1).type;
        const to = tensor(op.outputs[0] ?? -1).type;
        const onnxType: Record<number, number> = {
          [TensorType.FLOAT32]: DT.FLOAT,
          [TensorType.BOOL]: DT.BOOL,
          [TensorType.INT32]: DT.INT32,
        };
        if (onnxType[from] === undefined || onnxType[to] === undefined)
          throw new ConversionError(
            `cast ${tensorTypeName(from)} → ${tensorTypeName(to)} is not supported (FLOAT32, BOOL, INT32)`,
          );
        setOut(op, b.op('Cast', [x.name], { to: attrInt(onnxType[to]) }, base), x.nchw);
        return;
      }
      case BuiltinOp.CONCATENATION: {
        if (op.inputs.some((i) => isConst(i)))
          throw new ConversionError('concatenation of constants is not supported');
        const xs = op.inputs.map((i) => get(i, where));
        const rank = xs[0]?.shape.length ?? 0;
        if (xs.some((v) => v.shape.length !== rank))
          throw new ConversionError('concatenation of tensors of different ranks');
        const axis = (o.axis ?? 0) < 0 ? (o.axis ?? 0) + rank : (o.axis ?? 0);
        if (axis === 0) throw new ConversionError('concatenation along the batch axis is not supported');
        const allNchw = rank === 4 && xs.every((v) => v.nchw);
        const names = allNchw ? xs.map((v) => v.name) : xs.map((v, k) => nhwcOf(v, `${base}/in${k}`));
        const onnxAxis = allNchw ? ([0, 2, 3, 1][axis] ?? axis) : axis;
        const y = b.op('Concat', names, { axis: attrInt(onnxAxis) }, base);
        const out = applyActivation(y, o.activation, base);
        if (rank === 4 && !allNchw)
          setOut(op, b.op('Transpose', [out], { perm: attrInts([0, 3, 1, 2]) }, `${base}/to_nchw`), true);
        else setOut(op, out, allNchw);
        return;
      }
      case BuiltinOp.STRIDED_SLICE: {
        // Constant begin/end/strides; begin_mask / end_mask bits take the whole extent on that axis (TF's
        // semantics: start 0 or end = size for a positive stride, the reverse for a negative one). Ellipsis,
        // new-axis and shrink masks and slicing the batch axis are refused.
        const x = get(op.inputs[0] ?? -1, where);
        if ((o.ellipsisMask ?? 0) !== 0 || (o.newAxisMask ?? 0) !== 0 || (o.shrinkAxisMask ?? 0) !== 0)
          throw new ConversionError('ellipsis / new-axis / shrink-axis masks are not supported');
        const [bi, ei, si] = [op.inputs[1] ?? -1, op.inputs[2] ?? -1, op.inputs[3] ?? -1];
        if (![bi, ei, si].every((i) => isConst(i)))
          throw new ConversionError('begin, end and strides must be constants');
        const begin = constInts(tensor(bi)),
          end = constInts(tensor(ei)),
          strides = constInts(tensor(si));
        const rank = x.shape.length;
        if (begin.length !== rank || end.length !== rank || strides.length !== rank)
          throw new ConversionError(`begin/end/strides do not have rank ${rank}`);
        const BIG = Number.MAX_SAFE_INTEGER;
        const starts: number[] = [],
          ends: number[] = [],
          axes: number[] = [],
          steps: number[] = [];
        for (let a = 0; a < rank; a++) {
          const st = strides[a]!;
          if (st === 0) throw new ConversionError('a stride of 0');
          const s0 = (o.beginMask ?? 0) & (1 << a) ? (st > 0 ? 0 : BIG) : begin[a]!;
          const e0 = (o.endMask ?? 0) & (1 << a) ? (st > 0 ? BIG : -BIG) : end[a]!;
          if (a === 0) {
            if (!(st === 1 && s0 === 0 && e0 === BIG))
              throw new ConversionError('slicing the batch axis is not supported');
            continue;
          }
          starts.push(s0);
          ends.push(e0);
          axes.push(x.nchw ? ([0, 2, 3, 1][a] ?? a) : a);
          steps.push(st);
        }
        const y =
          axes.length === 0
            ? b.op('Identity', [x.name], {}, base)
            : b.op(
                'Slice',
                [
                  x.name,
                  b.addInt64(`${base}/starts`, starts),
                  b.addInt64(`${base}/ends`, ends),
                  b.addInt64(`${base}/axes`, axes),
                  b.addInt64(`${base}/steps`, steps),
                ],
                {},
                base,
              );
        setOut(op, y, x.nchw);
        return;
      }
      default:
        throw new ConversionError(`unsupported op ${opName(op.opcode)}`);
    }
  }

  // ---- outputs ----
  const outputs: Array<{ name: string; shape: readonly Dim[] }> = [];
  model.outputs.forEach((i, k) => {
    const v = values.get(i);
    const t = tensor(i);
    if (v === undefined) throw new ConversionError(`output "${t.name}" is not produced by any operator`);
    const name = outNames[k] ?? t.name;
    b.addNode('Identity', [nhwcOf(v, `output/${name}`)], { name: `output/${name}`, outputs: [name] });
    const dims: Dim[] = t.shape.map((d, j) => (j === 0 ? 'batch' : d));
    b.addOutput(name, DT.FLOAT, dims);
    outputs.push({ name, shape: dims });
  });
  const onnx = b.encode({
    producerName: 'facevault-tflite-converter',
    producerVersion: '1',
    docString: model.description,
    props: opts.metadata ?? [],
  });
  return { onnx, inputs, outputs, nodeCount: b.nodeCount, ops: opCounts };
}

function checkSpatial(
  expect: readonly number[],
  inH: number,
  inW: number,
  kh: number,
  kw: number,
  strides: readonly [number, number],
  dil: readonly [number, number],
  pads: readonly number[],
  oc: number,
): void {
  const oh = Math.floor((inH + (pads[0] ?? 0) + (pads[2] ?? 0) - ((kh - 1) * dil[0] + 1)) / strides[0]) + 1;
  const ow = Math.floor((inW + (pads[1] ?? 0) + (pads[3] ?? 0) - ((kw - 1) * dil[1] + 1)) / strides[1]) + 1;
  if (expect[1] !== oh || expect[2] !== ow || expect[3] !== oc) {
    throw new ConversionError(
      `output would be [${oh},${ow},${oc}] but the file declares [${expect.slice(1).join(',')}]`,
    );
  }
}

/** Reads a .tflite file and converts it. */
export const convertTfliteFile = (path: string, opts: TfliteConvertOptions = {}): TfliteConvertResult =>
  convertTflite(parseTflite(new Uint8Array(readFileSync(path))), opts);
