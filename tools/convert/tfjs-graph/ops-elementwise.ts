/**
 * Elementwise handlers (unary, binary with NumPy/TF broadcasting, Prelu, Softmax) and reductions. Binary ops
 * stay channel-first when every 4-D operand already is (constants are re-laid out to match, see
 * ConvertContext.constForNchw); otherwise they run in TF layout. Softmax/LogSoftmax run on TF's last axis.
 */
import { ConversionError } from '../errors.ts';
import { attrBool, type TfNodeDef } from './model-json.ts';
import { ConvertContext, NHWC_AXIS_IN_NCHW, type ElemType, type Value } from './context.ts';
import { activation } from './ops-conv.ts';
import { attrInt as oInt, attrInts as oInts, type AttrValue } from '../onnx/onnx-writer.ts';

type Handler = (ctx: ConvertContext, node: TfNodeDef) => void;
const where = (node: TfNodeDef) => ({ node: node.name, op: node.op });

/** NumPy broadcast of two static shapes (-1 = unknown). */
export const broadcastShapes = (a: readonly number[], b: readonly number[], node: TfNodeDef): number[] => {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i += 1) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x === 1) out.push(y);
    else if (y === 1) out.push(x);
    else if (x === -1 || y === -1) out.push(x === -1 ? y : x);
    else if (x === y) out.push(x);
    else
      throw new ConversionError(`shapes [${a.join(',')}] and [${b.join(',')}] do not broadcast`, where(node));
  }
  return out;
};

const unary =
  (onnxOp: string, attrs: (n: TfNodeDef) => Record<string, AttrValue> = () => ({})): Handler =>
  (ctx, node) => {
    const x = ctx.input(node, 0);
    const nchw = ConvertContext.prefersNchw(x);
    const y = ctx.b.op(onnxOp, [nchw ? ctx.nchw(x) : ctx.plain(x)], attrs(node), node.name);
    ctx.set(
      node,
      0,
      nchw ? { dtype: x.dtype, shape: x.shape, nchw: y } : { dtype: x.dtype, shape: x.shape, nhwc: y },
    );
  };

/** Emits `op(inputs...)` with broadcasting; chooses NCHW when it avoids transposes. */
const nary = (
  ctx: ConvertContext,
  node: TfNodeDef,
  onnxOp: string,
  vals: Value[],
  outDtype?: ElemType,
): void => {
  let shape: number[] | undefined = [];
  for (const v of vals)
    shape = shape === undefined || v.shape === undefined ? undefined : broadcastShapes(shape, v.shape, node);
  const dyn4 = vals.filter((v) => v.constant === undefined && v.shape?.length === 4);
  const useNchw =
    shape?.length === 4 &&
    dyn4.length > 0 &&
    dyn4.every((v) => v.nchw !== undefined) &&
    dyn4.some(ConvertContext.prefersNchw);
  const names = vals.map((v, i) => {
    if (!useNchw) return ctx.plain(v, `${node.name}/in${i}`);
    if (v.constant !== undefined) {
      const n = ctx.constForNchw(v.constant, `${node.name}/in${i}`);
      if (n === undefined) throw new ConversionError('constant operand of rank > 4', where(node));
      return n;
    }
    if (v.shape?.length !== 4) throw new ConversionError('internal: NCHW operand of rank != 4', where(node));
    return ctx.nchw(v);
  });
  const y = ctx.b.op(onnxOp, names, {}, node.name);
  const dtype = outDtype ?? vals[0]?.dtype ?? 'float32';
  ctx.set(node, 0, useNchw ? { dtype, shape, nchw: y } : { dtype, shape, nhwc: y });
};

const binary =
  (onnxOp: string): Handler =>
  (ctx, node) =>
    nary(ctx, node, onnxOp, [ctx.input(node, 0), ctx.input(node, 1)]);

/** Square(x) = x * x. Rsqrt(x) = 1 / sqrt(x). */
const square: Handler = (ctx, node) => {
  const x = ctx.input(node, 0);
  nary(ctx, node, 'Mul', [x, x]);
};

const rsqrt: Handler = (ctx, node) => {
  const x = ctx.input(node, 0);
  const nchw = ConvertContext.prefersNchw(x);
  const s = ctx.b.op('Sqrt', [nchw ? ctx.nchw(x) : ctx.plain(x)], {}, `${node.name}/sqrt`);
  const y = ctx.b.op('Reciprocal', [s], {}, node.name);
  ctx.set(
    node,
    0,
    nchw ? { dtype: x.dtype, shape: x.shape, nchw: y } : { dtype: x.dtype, shape: x.shape, nhwc: y },
  );
};

const standaloneActivation =
  (act: string): Handler =>
  (ctx, node) => {
    const x = ctx.input(node, 0);
    const nchw = ConvertContext.prefersNchw(x);
    const alpha = act === 'Prelu' ? ctx.constInput(node, 1, 'Prelu alpha') : undefined;
    const y = activation(ctx, node, act, nchw ? ctx.nchw(x) : ctx.plain(x), alpha, nchw);
    ctx.set(
      node,
      0,
      nchw ? { dtype: x.dtype, shape: x.shape, nchw: y } : { dtype: x.dtype, shape: x.shape, nhwc: y },
    );
  };

const softmax =
  (onnxOp: 'Softmax' | 'LogSoftmax'): Handler =>
  (ctx, node) => {
    const x = ctx.input(node, 0);
    const y = ctx.b.op(onnxOp, [ctx.plain(x)], { axis: oInt(-1) }, node.name);
    ctx.set(node, 0, { dtype: x.dtype, shape: x.shape, nhwc: y });
  };

/** Sum/Mean/Max/Min/Prod over constant axes; ReduceSum takes axes as an input since opset 13, the others as an attribute in opset 17. */
const reduce =
  (onnxOp: 'ReduceSum' | 'ReduceMean' | 'ReduceMax' | 'ReduceMin' | 'ReduceProd'): Handler =>
  (ctx, node) => {
    const x = ctx.input(node, 0);
    const rank = x.shape?.length;
    if (rank === undefined) throw new ConversionError('reduction of a value of unknown rank', where(node));
    const axes = [
      ...new Set(ctx.constNumbers(node, 1, 'reduction axes').map((a) => (a < 0 ? a + rank : a))),
    ].sort((a, b) => a - b);
    if (axes.some((a) => a < 0 || a >= rank))
      throw new ConversionError(`axes out of range for rank ${rank}`, where(node));
    const keep = attrBool(node, 'keep_dims', false);
    const outShape = keep
      ? x.shape?.map((d, i) => (axes.includes(i) ? 1 : d))
      : x.shape?.filter((_, i) => !axes.includes(i));
    if (axes.length === 0) {
      ctx.set(node, 0, x);
      return;
    }
    // Channel-first is fine when the surviving axes keep their relative order (e.g. mean over H,W).
    const kept = [0, 1, 2, 3].filter((a) => !axes.includes(a));
    const keptNchw = [...kept].sort((p, q) => (NHWC_AXIS_IN_NCHW[p] ?? 0) - (NHWC_AXIS_IN_NCHW[q] ?? 0));
    const nchw =
      rank === 4 && ConvertContext.prefersNchw(x) && (keep || kept.every((a, i) => keptNchw[i] === a));
    const src = nchw ? ctx.nchw(x) : ctx.plain(x);
    const ax = nchw ? axes.map((a) => NHWC_AXIS_IN_NCHW[a] ?? a).sort((a, b) => a - b) : axes;
    const y =
      onnxOp === 'ReduceSum'
        ? ctx.b.op(
            onnxOp,
            [src, ctx.b.addInt64(`${node.name}/axes`, ax)],
            { keepdims: oInt(keep ? 1 : 0) },
            node.name,
          )
        : ctx.b.op(onnxOp, [src], { axes: oInts(ax), keepdims: oInt(keep ? 1 : 0) }, node.name);
    const fourD = nchw && keep;
    ctx.set(
      node,
      0,
      fourD ? { dtype: x.dtype, shape: outShape, nchw: y } : { dtype: x.dtype, shape: outShape, nhwc: y },
    );
  };

export const elementwiseHandlers: Record<string, Handler> = {
  Relu: standaloneActivation('Relu'),
  Relu6: standaloneActivation('Relu6'),
  Elu: standaloneActivation('Elu'),
  Sigmoid: standaloneActivation('Sigmoid'),
  Tanh: standaloneActivation('Tanh'),
  LeakyRelu: standaloneActivation('LeakyRelu'),
  Prelu: standaloneActivation('Prelu'),
  Abs: unary('Abs'),
  Neg: unary('Neg'),
  Exp: unary('Exp'),
  Log: unary('Log'),
  Sqrt: unary('Sqrt'),
  Floor: unary('Floor'),
  Reciprocal: unary('Reciprocal'),
  Rsqrt: rsqrt,
  Square: square,
  Softmax: softmax('Softmax'),
  LogSoftmax: softmax('LogSoftmax'),
  Add: binary('Add'),
  AddV2: binary('Add'),
  BiasAdd: binary('Add'),
  Sub: binary('Sub'),
  Mul: binary('Mul'),
  RealDiv: binary('Div'),
  Div: binary('Div'),
  Maximum: binary('Max'),
  Minimum: binary('Min'),
  Pow: binary('Pow'),
  AddN: (ctx, node) =>
    nary(
      ctx,
      node,
      'Sum',
      ConvertContext.dataInputs(node).map((r) => ctx.get(r, node)),
    ),
  Sum: reduce('ReduceSum'),
  Mean: reduce('ReduceMean'),
  Max: reduce('ReduceMax'),
  Min: reduce('ReduceMin'),
  Prod: reduce('ReduceProd'),
};
