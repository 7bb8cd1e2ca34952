/**
 * Convolution, pooling and matrix-multiply handlers, including TF's grappler-fused forms (_FusedConv2D,
 * FusedDepthwiseConv2dNative, _FusedMatMul: BiasAdd then an optional activation). Weights must be constants;
 * they are re-laid out at conversion time (HWIO -> OIHW, depthwise HWCM -> (C*M)1HW) so the ONNX graph runs
 * channel-first convolutions. Padding follows padding.ts (explicit pads, TF SAME split).
 */
import { ConversionError } from '../errors.ts';
import { attrFloat, attrInt, attrInts, attrString, attrStrings, type TfNodeDef } from './model-json.ts';
import { numel, transposeConst, type ConstData, type ConvertContext, type Value } from './context.ts';
import { spatialPads, windowOutputSize, type TfPadding } from './padding.ts';
import { attrFloat as oFloat, attrInt as oInt, attrInts as oInts } from '../onnx/onnx-writer.ts';

const where = (node: TfNodeDef) => ({ node: node.name, op: node.op });

const paddingOf = (node: TfNodeDef): TfPadding => {
  const p = attrString(node, 'padding');
  if (p !== 'SAME' && p !== 'VALID' && p !== 'EXPLICIT')
    throw new ConversionError(`unsupported padding "${p}"`, where(node));
  return p;
};

/** [h, w] from a 4-entry NHWC attribute list, checking the batch and channel entries are 1. */
const hw = (node: TfNodeDef, key: string, dflt: number[]): [number, number] => {
  const v = attrInts(node, key, dflt);
  if (v.length === 2) return [v[0] ?? 1, v[1] ?? 1];
  if (v.length !== 4 || v[0] !== 1 || v[3] !== 1)
    throw new ConversionError(`${key} [${v.join(',')}] must be [1,h,w,1]`, where(node));
  return [v[1] ?? 1, v[2] ?? 1];
};

const checkNhwc = (node: TfNodeDef): void => {
  const f = attrString(node, 'data_format', 'NHWC');
  if (f !== 'NHWC')
    throw new ConversionError(`data_format ${f} is not supported (TF.js graphs are NHWC)`, where(node));
};

const floatData = (c: ConstData, node: TfNodeDef): Float32Array => {
  if (!(c.data instanceof Float32Array))
    throw new ConversionError(`expected a float32 constant, got ${c.dtype}`, where(node));
  return c.data;
};

const floatConst = (
  ctx: ConvertContext,
  node: TfNodeDef,
  i: number,
  what: string,
): ConstData & { data: Float32Array } => {
  const c = ctx.constInput(node, i, what);
  const d = c.data;
  if (!(d instanceof Float32Array))
    throw new ConversionError(`${what} must be float32, got ${c.dtype}`, where(node));
  return { ...c, data: d };
};

/** Applies an activation named by TF (fused or standalone) to `x`; `layoutNchw` says how `x` is laid out. */
export const activation = (
  ctx: ConvertContext,
  node: TfNodeDef,
  act: string,
  x: string,
  alpha: ConstData | undefined,
  layoutNchw: boolean,
): string => {
  const b = ctx.b;
  const base = `${node.name}/${act}`;
  switch (act) {
    case 'Relu':
      return b.op('Relu', [x], {}, base);
    case 'Relu6':
      return b.op(
        'Clip',
        [x, b.addFloat(`${base}/min`, [0], []), b.addFloat(`${base}/max`, [6], [])],
        {},
        base,
      );
    case 'Elu':
      return b.op('Elu', [x], { alpha: oFloat(1) }, base);
    case 'Sigmoid':
      return b.op('Sigmoid', [x], {}, base);
    case 'Tanh':
      return b.op('Tanh', [x], {}, base);
    case 'LeakyRelu':
      return b.op('LeakyRelu', [x], { alpha: oFloat(attrFloat(node, 'leakyrelu_alpha', 0.2)) }, base);
    case 'Prelu': {
      if (alpha === undefined) throw new ConversionError('Prelu needs a constant alpha', where(node));
      // One slope per channel (TF's alpha broadcasts along the last, channel axis): the NCHWc-friendly form.
      const last = alpha.shape[alpha.shape.length - 1] ?? 0;
      if (layoutNchw && alpha.data instanceof Float32Array && last > 1 && numel(alpha.shape) === last)
        return ctx.b.preluNchw(x, alpha.data, base);
      const slope = layoutNchw
        ? ctx.constForNchw(alpha, `${base}/alpha`)
        : ctx.materialise(alpha, `${base}/alpha`);
      if (slope === undefined)
        throw new ConversionError(`Prelu alpha of rank ${alpha.shape.length}`, where(node));
      return b.op('PRelu', [x, slope], {}, base);
    }
    default:
      throw new ConversionError(`unsupported fused activation "${act}"`, where(node));
  }
};

/** Splits fused_ops into [BiasAdd?, activation?]; anything else (FusedBatchNorm, ...) is an error. */
const fusedOps = (node: TfNodeDef): { bias: boolean; act: string | undefined } => {
  const ops = attrStrings(node, 'fused_ops');
  const numArgs = attrInt(node, 'num_args', 0);
  if (ops.length === 0) return { bias: false, act: undefined };
  if (ops[0] !== 'BiasAdd' || ops.length > 2)
    throw new ConversionError(`unsupported fused_ops [${ops.join(',')}]`, where(node));
  const act = ops[1];
  const expectArgs = act === 'Prelu' ? 2 : 1;
  if (numArgs !== expectArgs)
    throw new ConversionError(`fused_ops [${ops.join(',')}] with num_args ${numArgs}`, where(node));
  return { bias: true, act };
};

const convLike = (ctx: ConvertContext, node: TfNodeDef, depthwise: boolean, fused: boolean): void => {
  checkNhwc(node);
  const x = ctx.input(node, 0);
  if (x.shape?.length !== 4)
    throw new ConversionError(`input must be rank 4, got shape [${x.shape?.join(',') ?? '?'}]`, where(node));
  const w = floatConst(ctx, node, 1, 'filter');
  if (w.shape.length !== 4)
    throw new ConversionError(`filter must be rank 4, got [${w.shape.join(',')}]`, where(node));
  const [kh, kw, cin, m] = w.shape as [number, number, number, number]; // length checked above
  const xc = x.shape[3] ?? -1;
  if (xc !== -1 && xc !== cin)
    throw new ConversionError(`filter expects ${cin} input channels, input has ${xc}`, where(node));
  const strides = hw(node, 'strides', [1, 1, 1, 1]);
  const dil = hw(node, 'dilations', [1, 1, 1, 1]);
  const padding = paddingOf(node);
  const inHW: [number, number] = [x.shape[1] ?? -1, x.shape[2] ?? -1];
  const pads = spatialPads(padding, inHW, [kh, kw], strides, dil, attrInts(node, 'explicit_paddings', []));
  const cout = depthwise ? cin * m : m;
  // HWIO -> OIHW; depthwise HWCM -> [C, M, H, W] then viewed as [C*M, 1, H, W] (output channel c*M + m, as TF).
  const wOihw = depthwise ? transposeConst(w, [2, 3, 0, 1]) : transposeConst(w, [3, 2, 0, 1]);
  const wShape = depthwise ? [cout, 1, kh, kw] : [cout, cin, kh, kw];
  const b = ctx.b;
  const inputs = [ctx.nchw(x), b.addWeight(`${node.name}/filter`, floatData(wOihw, node), wShape)];
  const f = fused ? fusedOps(node) : { bias: false, act: undefined };
  if (f.bias) {
    const bias = floatConst(ctx, node, 2, 'bias');
    if (numel(bias.shape) !== cout)
      throw new ConversionError(`bias has ${numel(bias.shape)} values for ${cout} channels`, where(node));
    inputs.push(b.addFloat(`${node.name}/bias`, bias.data, [cout]));
  }
  let y = b.op(
    'Conv',
    inputs,
    {
      kernel_shape: oInts([kh, kw]),
      strides: oInts(strides),
      dilations: oInts(dil),
      pads: oInts(pads),
      group: oInt(depthwise ? cin : 1),
    },
    node.name,
  );
  if (f.act !== undefined) {
    const alpha = f.act === 'Prelu' ? ctx.constInput(node, 3, 'Prelu alpha') : undefined;
    y = activation(ctx, node, f.act, y, alpha, true);
  }
  const outH = inHW[0] < 0 ? -1 : windowOutputSize(inHW[0], kh, strides[0], dil[0], pads[0], pads[2]);
  const outW = inHW[1] < 0 ? -1 : windowOutputSize(inHW[1], kw, strides[1], dil[1], pads[1], pads[3]);
  ctx.set(node, 0, { dtype: 'float32', shape: [x.shape[0] ?? -1, outH, outW, cout], nchw: y });
};

const pool = (ctx: ConvertContext, node: TfNodeDef, kind: 'MaxPool' | 'AveragePool'): void => {
  checkNhwc(node);
  const x = ctx.input(node, 0);
  if (x.shape?.length !== 4) throw new ConversionError('input must be rank 4', where(node));
  const k = hw(node, 'ksize', [1, 1, 1, 1]);
  const s = hw(node, 'strides', [1, 1, 1, 1]);
  const inHW: [number, number] = [x.shape[1] ?? -1, x.shape[2] ?? -1];
  const pads = spatialPads(paddingOf(node), inHW, k, s, [1, 1], attrInts(node, 'explicit_paddings', []));
  const attrs = { kernel_shape: oInts(k), strides: oInts(s), pads: oInts(pads) };
  // TF averages only over real (unpadded) cells: count_include_pad = 0.
  const y = ctx.b.op(
    kind,
    [ctx.nchw(x)],
    kind === 'AveragePool' ? { ...attrs, count_include_pad: oInt(0) } : attrs,
    node.name,
  );
  const outH = inHW[0] < 0 ? -1 : windowOutputSize(inHW[0], k[0], s[0], 1, pads[0], pads[2]);
  const outW = inHW[1] < 0 ? -1 : windowOutputSize(inHW[1], k[1], s[1], 1, pads[1], pads[3]);
  ctx.set(node, 0, { dtype: 'float32', shape: [x.shape[0] ?? -1, outH, outW, x.shape[3] ?? -1], nchw: y });
};

const matMul = (ctx: ConvertContext, node: TfNodeDef, fused: boolean): void => {
  const a = ctx.input(node, 0);
  const bv: Value = ctx.input(node, 1);
  const ta = node.attr?.transpose_a?.b === true || node.attr?.adj_x?.b === true;
  const tb = node.attr?.transpose_b?.b === true || node.attr?.adj_y?.b === true;
  if (a.shape?.length !== 2 || bv.shape?.length !== 2) {
    throw new ConversionError(
      `only rank-2 MatMul is supported, got [${a.shape?.join(',') ?? '?'}] x [${bv.shape?.join(',') ?? '?'}]`,
      where(node),
    );
  }
  const b = ctx.b;
  let aName = ctx.plain(a);
  if (ta) aName = b.op('Transpose', [aName], { perm: oInts([1, 0]) }, `${node.name}/transpose_a`);
  let bName: string;
  let bShape: readonly number[];
  if (bv.constant !== undefined && bv.constant.data instanceof Float32Array) {
    const c = tb ? transposeConst(bv.constant, [1, 0]) : bv.constant;
    bShape = c.shape;
    bName = b.addWeight(`${node.name}/weights`, floatData(c, node), c.shape, 1);
  } else {
    bName = ctx.plain(bv);
    if (tb) bName = b.op('Transpose', [bName], { perm: oInts([1, 0]) }, `${node.name}/transpose_b`);
    bShape = tb ? [bv.shape[1] ?? -1, bv.shape[0] ?? -1] : bv.shape;
  }
  const k = ta ? a.shape[0] : a.shape[1];
  if (k !== undefined && k >= 0 && (bShape[0] ?? -1) >= 0 && k !== bShape[0]) {
    throw new ConversionError(`inner dimensions differ: ${k} vs ${bShape[0] ?? '?'}`, where(node));
  }
  const n = bShape[1] ?? -1;
  let y = b.op('MatMul', [aName, bName], {}, node.name);
  const f = fused ? fusedOps(node) : { bias: false, act: undefined };
  if (f.bias) {
    const bias = floatConst(ctx, node, 2, 'bias');
    if (numel(bias.shape) !== n)
      throw new ConversionError(`bias has ${numel(bias.shape)} values for ${n} outputs`, where(node));
    y = b.op('Add', [y, b.addFloat(`${node.name}/bias`, bias.data, [n])], {}, `${node.name}/BiasAdd`);
  }
  if (f.act !== undefined) {
    const alpha = f.act === 'Prelu' ? ctx.constInput(node, 3, 'Prelu alpha') : undefined;
    y = activation(ctx, node, f.act, y, alpha, false);
  }
  ctx.set(node, 0, { dtype: 'float32', shape: [ta ? (a.shape[1] ?? -1) : (a.shape[0] ?? -1), n], nhwc: y });
};

export const convHandlers: Record<string, (ctx: ConvertContext, node: TfNodeDef) => void> = {
  Conv2D: (c, n) => convLike(c, n, false, false),
  _FusedConv2D: (c, n) => convLike(c, n, false, true),
  DepthwiseConv2dNative: (c, n) => convLike(c, n, true, false),
  FusedDepthwiseConv2dNative: (c, n) => convLike(c, n, true, true),
  MaxPool: (c, n) => pool(c, n, 'MaxPool'),
  AvgPool: (c, n) => pool(c, n, 'AveragePool'),
  MatMul: (c, n) => matMul(c, n, false),
  _FusedMatMul: (c, n) => matMul(c, n, true),
};
