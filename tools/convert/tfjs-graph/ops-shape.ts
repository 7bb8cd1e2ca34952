/**
 * Shape and data-movement handlers: Reshape, Squeeze, ExpandDims, ConcatV2, Pack, StridedSlice (all five
 * masks, TF's dense-spec rules from tensorflow/core/util/strided_slice_op.cc), Shape, Cast, Identity, Pad /
 * PadV2 / MirrorPad, Transpose, ResizeBilinear / ResizeNearestNeighbor. All shape-defining operands
 * (paddings, axes, begin/end/strides, sizes, perms) must be constants; a dynamic one is an error naming the
 * node rather than a guess.
 */
import { ConversionError } from '../errors.ts';
import { DT, attrInt as oInt, attrInts as oInts, attrString as oString } from '../onnx/onnx-writer.ts';
import { attrBool, attrInt, attrInts, attrString, attrType, type TfNodeDef } from './model-json.ts';
import {
  ConvertContext,
  NHWC_AXIS_IN_NCHW,
  constNumbers,
  numel,
  onnxType,
  type ConstData,
  type ElemType,
  type Value,
} from './context.ts';

type Handler = (ctx: ConvertContext, node: TfNodeDef) => void;
const where = (node: TfNodeDef) => ({ node: node.name, op: node.op });
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

const tfDtype = (node: TfNodeDef, t: string): ElemType => {
  switch (t) {
    case 'DT_FLOAT':
      return 'float32';
    case 'DT_INT32':
      return 'int32';
    case 'DT_INT64':
      return 'int64';
    case 'DT_BOOL':
      return 'bool';
    default:
      throw new ConversionError(`unsupported dtype ${t}`, where(node));
  }
};

const identity: Handler = (ctx, node) => ctx.set(node, 0, ctx.input(node, 0));

const setPlain = (
  ctx: ConvertContext,
  node: TfNodeDef,
  dtype: ElemType,
  shape: readonly number[] | undefined,
  name: string,
): void => ctx.set(node, 0, { dtype, shape, nhwc: name });

const castConst = (c: ConstData, to: ElemType): ConstData => {
  const nums = constNumbers(c);
  if (to === 'float32') return { dtype: to, shape: c.shape, data: Float32Array.from(nums) };
  if (to === 'int32') return { dtype: to, shape: c.shape, data: Int32Array.from(nums, Math.trunc) };
  if (to === 'int64')
    return { dtype: to, shape: c.shape, data: BigInt64Array.from(nums, (x) => BigInt(Math.trunc(x))) };
  return { dtype: to, shape: c.shape, data: Uint8Array.from(nums, (x) => (x !== 0 ? 1 : 0)) };
};

const cast: Handler = (ctx, node) => {
  const x = ctx.input(node, 0);
  const to = tfDtype(node, attrType(node, 'DstT'));
  if (x.constant !== undefined) {
    ctx.set(node, 0, { dtype: to, shape: x.shape, constant: castConst(x.constant, to) });
    return;
  }
  setPlain(ctx, node, to, x.shape, ctx.b.op('Cast', [ctx.plain(x)], { to: oInt(onnxType(to)) }, node.name));
};

/** An int64 shape-like operand: constant folded to an initializer, dynamic int32 cast to int64. */
const int64Operand = (ctx: ConvertContext, v: Value, hint: string): string => {
  if (v.constant !== undefined)
    return ctx.b.addInt64(hint, constNumbers(v.constant), [numel(v.constant.shape)]);
  const src = ctx.plain(v);
  return v.dtype === 'int64' ? src : ctx.b.op('Cast', [src], { to: oInt(DT.INT64) }, hint);
};

const reshape: Handler = (ctx, node) => {
  const x = ctx.input(node, 0);
  const s = ctx.input(node, 1);
  let outShape: number[] | undefined;
  if (s.constant !== undefined) {
    const dims = constNumbers(s.constant);
    // TF: 0 means a zero-sized dim; ONNX (allowzero=0) would copy the input dim. Refuse rather than differ.
    if (dims.includes(0))
      throw new ConversionError('Reshape to a zero-sized dimension is not supported', where(node));
    outShape = dims;
    const known = x.shape !== undefined && x.shape.every((d) => d >= 0);
    if (known && dims.filter((d) => d === -1).length === 1) {
      const rest = numel(dims.filter((d) => d !== -1));
      outShape = dims.map((d) => (d === -1 ? numel(x.shape ?? []) / rest : d));
    }
  } else if (s.shape?.length === 1 && (s.shape[0] ?? -1) >= 0) {
    outShape = new Array<number>(s.shape[0] ?? 0).fill(-1);
  }
  if (x.constant !== undefined && outShape?.every((d) => d >= 0) === true) {
    ctx.set(node, 0, { dtype: x.dtype, shape: outShape, constant: { ...x.constant, shape: outShape } });
    return;
  }
  setPlain(
    ctx,
    node,
    x.dtype,
    outShape,
    ctx.b.op('Reshape', [ctx.plain(x), int64Operand(ctx, s, `${node.name}/shape`)], {}, node.name),
  );
};

const squeeze: Handler = (ctx, node) => {
  const x = ctx.input(node, 0);
  const rank = x.shape?.length;
  if (rank === undefined || x.shape === undefined)
    throw new ConversionError('Squeeze of a value of unknown rank', where(node));
  let axes = attrInts(node, 'squeeze_dims', attrInts(node, 'axis', [])).map((a) => (a < 0 ? a + rank : a));
  if (axes.length === 0) {
    if (x.shape.some((d) => d < 0))
      throw new ConversionError('Squeeze without axes needs a fully known input shape', where(node));
    axes = x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
  }
  for (const a of axes) {
    const d = x.shape[a];
    if (d === undefined || (d !== 1 && d !== -1))
      throw new ConversionError(`cannot squeeze axis ${a} of size ${d ?? '?'}`, where(node));
  }
  const outShape = x.shape.filter((_, i) => !axes.includes(i));
  if (x.constant !== undefined) {
    ctx.set(node, 0, { dtype: x.dtype, shape: outShape, constant: { ...x.constant, shape: outShape } });
    return;
  }
  setPlain(
    ctx,
    node,
    x.dtype,
    outShape,
    ctx.b.op('Squeeze', [ctx.plain(x), ctx.b.addInt64(`${node.name}/axes`, axes)], {}, node.name),
  );
};

const unsqueezeTo = (
  ctx: ConvertContext,
  node: TfNodeDef,
  x: Value,
  axis: number,
  name: string,
): { name: string; shape: number[] | undefined } => {
  const shape = x.shape === undefined ? undefined : [...x.shape.slice(0, axis), 1, ...x.shape.slice(axis)];
  return {
    name: ctx.b.op('Unsqueeze', [ctx.plain(x), ctx.b.addInt64(`${name}/axes`, [axis])], {}, name),
    shape,
  };
};

const expandDims: Handler = (ctx, node) => {
  const x = ctx.input(node, 0);
  const rank = x.shape?.length;
  if (rank === undefined) throw new ConversionError('ExpandDims of a value of unknown rank', where(node));
  const [a] = ctx.constNumbers(node, 1, 'axis');
  if (a === undefined || a < -rank - 1 || a > rank)
    throw new ConversionError(`axis ${a ?? '?'} out of range`, where(node));
  const axis = a < 0 ? a + rank + 1 : a;
  if (x.constant !== undefined && x.shape !== undefined) {
    const shape = [...x.shape.slice(0, axis), 1, ...x.shape.slice(axis)];
    ctx.set(node, 0, { dtype: x.dtype, shape, constant: { ...x.constant, shape } });
    return;
  }
  const r = unsqueezeTo(ctx, node, x, axis, node.name);
  setPlain(ctx, node, x.dtype, r.shape, r.name);
};

const concatShapes = (vals: Value[], axis: number): number[] | undefined => {
  const first = vals[0]?.shape;
  if (first === undefined || vals.some((v) => v.shape === undefined)) return undefined;
  const out = [...first];
  out[axis] = vals.reduce(
    (acc, v) => (acc < 0 || (v.shape?.[axis] ?? -1) < 0 ? -1 : acc + (v.shape?.[axis] ?? 0)),
    0,
  );
  return out;
};

const concat: Handler = (ctx, node) => {
  const refs = ConvertContext.dataInputs(node);
  const n = attrInt(node, 'N', refs.length - 1);
  if (refs.length !== n + 1) throw new ConversionError(`expected ${n} inputs and an axis`, where(node));
  const vals = refs.slice(0, n).map((r) => ctx.get(r, node));
  const [a] = ctx.constNumbers(node, n, 'axis');
  const rank = vals[0]?.shape?.length;
  if (a === undefined || rank === undefined) throw new ConversionError('concat of unknown rank', where(node));
  const axis = a < 0 ? a + rank : a;
  const shape = concatShapes(vals, axis);
  const dyn = vals.filter((v) => v.constant === undefined);
  const nchw =
    rank === 4 &&
    dyn.length > 0 &&
    dyn.every((v) => v.nchw !== undefined) &&
    dyn.some(ConvertContext.prefersNchw);
  const names = vals.map((v, i) => {
    if (!nchw) return ctx.plain(v, `${node.name}/in${i}`);
    if (v.constant !== undefined) return ctx.constForNchw(v.constant, `${node.name}/in${i}`) ?? ctx.plain(v);
    return ctx.nchw(v);
  });
  const y = ctx.b.op(
    'Concat',
    names,
    { axis: oInt(nchw ? (NHWC_AXIS_IN_NCHW[axis] ?? axis) : axis) },
    node.name,
  );
  const dtype = vals[0]?.dtype ?? 'float32';
  ctx.set(node, 0, nchw ? { dtype, shape, nchw: y } : { dtype, shape, nhwc: y });
};

const pack: Handler = (ctx, node) => {
  const vals = ConvertContext.dataInputs(node).map((r) => ctx.get(r, node));
  const rank = vals[0]?.shape?.length;
  if (rank === undefined) throw new ConversionError('Pack of unknown rank', where(node));
  const a = attrInt(node, 'axis', 0);
  const axis = a < 0 ? a + rank + 1 : a;
  const parts = vals.map((v, i) => unsqueezeTo(ctx, node, v, axis, `${node.name}/unsqueeze${i}`));
  const shape = concatShapes(
    parts.map((p, i) => ({ dtype: vals[i]?.dtype ?? 'float32', shape: p.shape })),
    axis,
  );
  const y = ctx.b.op(
    'Concat',
    parts.map((p) => p.name),
    { axis: oInt(axis) },
    node.name,
  );
  setPlain(ctx, node, vals[0]?.dtype ?? 'float32', shape, y);
};

const shapeOp: Handler = (ctx, node) => {
  const x = ctx.input(node, 0);
  const to = tfDtype(node, attrType(node, 'out_type', 'DT_INT32'));
  if (x.shape !== undefined && x.shape.every((d) => d >= 0)) {
    const c: ConstData = { dtype: 'int32', shape: [x.shape.length], data: Int32Array.from(x.shape) };
    ctx.set(node, 0, { dtype: to, shape: [x.shape.length], constant: castConst(c, to) });
    return;
  }
  const s = ctx.b.op('Shape', [ctx.plain(x)], {}, node.name);
  const y = to === 'int64' ? s : ctx.b.op('Cast', [s], { to: oInt(onnxType(to)) }, `${node.name}/cast`);
  setPlain(ctx, node, to, x.shape === undefined ? undefined : [x.shape.length], y);
};

/** Length of a Python/ONNX-style slice of a dim of size d (clamped like ONNX Slice). */
export const sliceLength = (d: number, start: bigint, end: bigint, step: number): number => {
  const D = BigInt(d);
  const clamp = (v: bigint, lo: bigint, hi: bigint): bigint => (v < lo ? lo : v > hi ? hi : v);
  let s = start < 0n ? start + D : start;
  let e = end < 0n ? end + D : end;
  if (step > 0) {
    s = clamp(s, 0n, D);
    e = clamp(e, 0n, D);
    return e > s ? Number((e - s + BigInt(step) - 1n) / BigInt(step)) : 0;
  }
  s = clamp(s, -1n, D - 1n);
  e = clamp(e, -1n, D - 1n);
  return s > e ? Number((s - e + BigInt(-step) - 1n) / BigInt(-step)) : 0;
};

const stridedSlice: Handler = (ctx, node) => {
  const x = ctx.input(node, 0);
  const shape = x.shape;
  if (shape === undefined) throw new ConversionError('StridedSlice of unknown rank', where(node));
  const rank = shape.length;
  const begin = ctx.constNumbers(node, 1, 'begin');
  const end = ctx.constNumbers(node, 2, 'end');
  const strides = ctx.constNumbers(node, 3, 'strides');
  const n = begin.length;
  if (end.length !== n || strides.length !== n)
    throw new ConversionError('begin/end/strides lengths differ', where(node));
  const bit = (key: string, i: number): boolean => ((attrInt(node, key, 0) >> i) & 1) === 1;
  const ellipsisCount = Array.from({ length: n }, (_, i) => bit('ellipsis_mask', i)).filter(Boolean).length;
  if (ellipsisCount > 1) throw new ConversionError('more than one ellipsis', where(node));
  const consuming = Array.from(
    { length: n },
    (_, i) => !bit('ellipsis_mask', i) && !bit('new_axis_mask', i),
  ).filter(Boolean).length;
  if (consuming > rank)
    throw new ConversionError(`slice spec of ${consuming} dims for a rank-${rank} input`, where(node));

  const starts: bigint[] = [];
  const ends: bigint[] = [];
  const axes: number[] = [];
  const steps: number[] = [];
  const shrink: number[] = [];
  const outSpec: Array<'keep' | 'new'> = [];
  const outShape: number[] = [];
  let dim = 0;
  const keepFull = (): void => {
    outSpec.push('keep');
    outShape.push(shape[dim] ?? -1);
    dim += 1;
  };
  for (let i = 0; i < n; i += 1) {
    if (bit('ellipsis_mask', i)) {
      for (let k = 0; k < rank - consuming; k += 1) keepFull();
      continue;
    }
    if (bit('new_axis_mask', i)) {
      outSpec.push('new');
      outShape.push(1);
      continue;
    }
    const s = strides[i] ?? 1;
    if (s === 0) throw new ConversionError('stride 0', where(node));
    const d = shape[dim] ?? -1;
    let st: bigint;
    let en: bigint;
    let step = s;
    if (bit('shrink_axis_mask', i)) {
      st = BigInt(begin[i] ?? 0);
      en = st === -1n ? INT64_MAX : st + 1n;
      step = 1;
      shrink.push(dim);
      if (d >= 0) {
        const idx = st < 0n ? st + BigInt(d) : st;
        if (idx < 0n || idx >= BigInt(d))
          throw new ConversionError(`shrink index ${st} out of range for dim ${d}`, where(node));
      }
    } else {
      st = bit('begin_mask', i) ? (s > 0 ? 0n : INT64_MAX) : BigInt(begin[i] ?? 0);
      en = bit('end_mask', i) ? (s > 0 ? INT64_MAX : INT64_MIN) : BigInt(end[i] ?? 0);
      outSpec.push('keep');
      outShape.push(d < 0 ? -1 : sliceLength(d, st, en, s));
    }
    const full = step === 1 && st === 0n && en === INT64_MAX;
    if (!full) {
      starts.push(st);
      ends.push(en);
      axes.push(dim);
      steps.push(step);
    }
    dim += 1;
  }
  while (dim < rank) keepFull();

  if (x.constant !== undefined)
    throw new ConversionError('StridedSlice of a constant is not supported (fold it upstream)', where(node));
  const b = ctx.b;
  let y = ctx.plain(x);
  if (axes.length > 0) {
    y = b.op(
      'Slice',
      [
        y,
        b.addInt64(`${node.name}/starts`, starts),
        b.addInt64(`${node.name}/ends`, ends),
        b.addInt64(`${node.name}/axes`, axes),
        b.addInt64(`${node.name}/steps`, steps),
      ],
      {},
      `${node.name}/slice`,
    );
  }
  if (shrink.length > 0)
    y = b.op('Squeeze', [y, b.addInt64(`${node.name}/shrink_axes`, shrink)], {}, `${node.name}/shrink`);
  const newAxes = outSpec.flatMap((k, i) => (k === 'new' ? [i] : []));
  if (newAxes.length > 0)
    y = b.op('Unsqueeze', [y, b.addInt64(`${node.name}/new_axes`, newAxes)], {}, `${node.name}/new_axis`);
  if (y === x.nhwc) y = b.op('Identity', [y], {}, node.name);
  setPlain(ctx, node, x.dtype, outShape, y);
};

const pad =
  (kind: 'Pad' | 'PadV2' | 'MirrorPad'): Handler =>
  (ctx, node) => {
    const x = ctx.input(node, 0);
    const rank = x.shape?.length;
    if (rank === undefined || x.shape === undefined)
      throw new ConversionError('Pad of unknown rank', where(node));
    const p = ctx.constNumbers(node, 1, 'paddings');
    if (p.length !== 2 * rank)
      throw new ConversionError(`paddings has ${p.length} values for rank ${rank}`, where(node));
    let mode = 'constant';
    if (kind === 'MirrorPad') {
      const m = attrString(node, 'mode');
      if (m !== 'REFLECT')
        throw new ConversionError(
          `MirrorPad mode ${m} is not supported (only REFLECT maps to ONNX)`,
          where(node),
        );
      mode = 'reflect';
    }
    const nchw = rank === 4 && ConvertContext.prefersNchw(x);
    const order = nchw ? [0, 3, 1, 2] : Array.from({ length: rank }, (_, i) => i);
    const before = order.map((a) => p[2 * a] ?? 0);
    const after = order.map((a) => p[2 * a + 1] ?? 0);
    const inputs = [
      nchw ? ctx.nchw(x) : ctx.plain(x),
      ctx.b.addInt64(`${node.name}/pads`, [...before, ...after]),
    ];
    if (kind === 'PadV2') {
      const [cv] = ctx.constNumbers(node, 2, 'constant_values');
      inputs.push(ctx.b.addFloat(`${node.name}/value`, [cv ?? 0], []));
    }
    const y = ctx.b.op('Pad', inputs, { mode: oString(mode) }, node.name);
    const shape = x.shape.map((d, i) => (d < 0 ? -1 : d + (p[2 * i] ?? 0) + (p[2 * i + 1] ?? 0)));
    ctx.set(node, 0, nchw ? { dtype: x.dtype, shape, nchw: y } : { dtype: x.dtype, shape, nhwc: y });
  };

const transpose: Handler = (ctx, node) => {
  const x = ctx.input(node, 0);
  const perm = ctx.constNumbers(node, 1, 'perm');
  const shape = x.shape === undefined ? undefined : perm.map((p) => x.shape?.[p] ?? -1);
  setPlain(
    ctx,
    node,
    x.dtype,
    shape,
    ctx.b.op('Transpose', [ctx.plain(x)], { perm: oInts(perm) }, node.name),
  );
};

const resize =
  (mode: 'linear' | 'nearest'): Handler =>
  (ctx, node) => {
    const x = ctx.input(node, 0);
    if (x.shape?.length !== 4) throw new ConversionError('resize input must be rank 4', where(node));
    const [oh, ow] = ctx.constNumbers(node, 1, 'size');
    const ih = x.shape[1] ?? -1;
    const iw = x.shape[2] ?? -1;
    if (oh === undefined || ow === undefined || ih < 0 || iw < 0)
      throw new ConversionError('resize needs static input and output sizes', where(node));
    const align = attrBool(node, 'align_corners', false);
    const half = attrBool(node, 'half_pixel_centers', false);
    if (align && half)
      throw new ConversionError('align_corners and half_pixel_centers together', where(node));
    const ctm = align
      ? 'align_corners'
      : half
        ? mode === 'linear'
          ? 'half_pixel'
          : 'tf_half_pixel_for_nn'
        : 'asymmetric';
    const attrs = {
      mode: oString(mode),
      coordinate_transformation_mode: oString(ctm),
      ...(mode === 'nearest' ? { nearest_mode: oString(align ? 'round_prefer_ceil' : 'floor') } : {}),
    };
    // Output sizes, not scales: float scales like 9/5 can floor to one pixel short (ONNX out = floor(in * scale)).
    // sizes = concat(shape(x)[0:2], [oh, ow]) keeps the batch dynamic.
    const b = ctx.b;
    const src = ctx.nchw(x);
    const nc = b.op(
      'Slice',
      [
        b.op('Shape', [src], {}, `${node.name}/shape`),
        b.addInt64(`${node.name}/s0`, [0]),
        b.addInt64(`${node.name}/s2`, [2]),
      ],
      {},
      `${node.name}/nc`,
    );
    const sizes = b.op(
      'Concat',
      [nc, b.addInt64(`${node.name}/hw`, [oh, ow])],
      { axis: oInt(0) },
      `${node.name}/sizes`,
    );
    const y = b.op('Resize', [src, '', '', sizes], attrs, node.name);
    ctx.set(node, 0, { dtype: x.dtype, shape: [x.shape[0] ?? -1, oh, ow, x.shape[3] ?? -1], nchw: y });
  };

export const shapeHandlers: Record<string, Handler> = {
  Identity: identity,
  StopGradient: identity,
  Snapshot: identity,
  PreventGradient: identity,
  Cast: cast,
  Reshape: reshape,
  Squeeze: squeeze,
  ExpandDims: expandDims,
  ConcatV2: concat,
  Pack: pack,
  Shape: shapeOp,
  StridedSlice: stridedSlice,
  Pad: pad('Pad'),
  PadV2: pad('PadV2'),
  MirrorPad: pad('MirrorPad'),
  Transpose: transpose,
  ResizeBilinear: resize('linear'),
  ResizeNearestNeighbor: resize('nearest'),
};
