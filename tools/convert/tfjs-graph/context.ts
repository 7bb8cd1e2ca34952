/**
 * Conversion state shared by the op handlers: the ONNX builder, the value behind every TF tensor
 * ("node:index") and the layout bookkeeping.
 *
 * Layout contract: TF.js graphs are NHWC. Every TF tensor keeps its TF (NHWC) meaning; a 4-D float value may
 * additionally (or only) exist as an NCHW copy produced by Conv/Pool handlers. `plain()` returns the TF-layout
 * name (inserting Transpose NCHW->NHWC once, cached), `nchw()` the channel-first one. Elementwise handlers
 * keep NCHW when all their 4-D inputs already have it, so chains conv->add->relu->conv need no transposes.
 * Constants are folded at conversion time and only materialised as initializers when a node consumes them.
 */
import { ConversionError } from '../errors.ts';
import { DT, type OnnxDataType, type OnnxGraphBuilder } from '../onnx/onnx-writer.ts';
import type { TfNodeDef } from './model-json.ts';

export type ElemType = 'float32' | 'int32' | 'int64' | 'bool';

export interface ConstData {
  readonly dtype: ElemType;
  readonly shape: readonly number[];
  readonly data: Float32Array | Int32Array | Uint8Array | BigInt64Array;
}

export interface Value {
  readonly dtype: ElemType;
  /** Static TF (NHWC) shape, -1 for unknown dims; undefined when the rank is unknown. */
  readonly shape: readonly number[] | undefined;
  nhwc?: string;
  nchw?: string;
  readonly constant?: ConstData;
}

export const onnxType = (t: ElemType): OnnxDataType =>
  t === 'float32' ? DT.FLOAT : t === 'int32' ? DT.INT32 : t === 'int64' ? DT.INT64 : DT.BOOL;

export const TO_NCHW = [0, 3, 1, 2] as const;
export const TO_NHWC = [0, 2, 3, 1] as const;
/** Position of NHWC axis a in NCHW order. */
export const NHWC_AXIS_IN_NCHW = [0, 2, 3, 1] as const;

/** Elements of a constant as JS numbers (int64 values beyond 2^53 lose precision; shape operands never are). */
export const constNumbers = (c: ConstData): number[] => {
  const d = c.data;
  const out: number[] = [];
  for (let i = 0; i < d.length; i += 1) out.push(Number(d[i] ?? 0));
  return out;
};

export const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Source index of every output element of a row-major transpose, and the output shape. */
export const transposeIndex = (
  shape: readonly number[],
  perm: readonly number[],
): { index: Int32Array; shape: number[] } => {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p] ?? 1);
  const inStrides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i -= 1) inStrides[i] = (inStrides[i + 1] ?? 1) * (shape[i + 1] ?? 1);
  const n = numel(shape);
  const index = new Int32Array(n);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < n; o += 1) {
    let src = 0;
    for (let d = 0; d < rank; d += 1) src += (idx[d] ?? 0) * (inStrides[perm[d] ?? 0] ?? 0);
    index[o] = src;
    for (let d = rank - 1; d >= 0; d -= 1) {
      idx[d] = (idx[d] ?? 0) + 1;
      if ((idx[d] ?? 0) < (outShape[d] ?? 1)) break;
      idx[d] = 0;
    }
  }
  return { index, shape: outShape };
};

/** Gathers a constant's elements by index (same element type). */
export const gatherConst = (c: ConstData, index: Int32Array, shape: readonly number[]): ConstData => {
  const d = c.data;
  if (d instanceof Float32Array)
    return { dtype: c.dtype, shape, data: Float32Array.from(index, (i) => d[i] ?? 0) };
  if (d instanceof Int32Array)
    return { dtype: c.dtype, shape, data: Int32Array.from(index, (i) => d[i] ?? 0) };
  if (d instanceof BigInt64Array)
    return { dtype: c.dtype, shape, data: BigInt64Array.from(index, (i) => d[i] ?? 0n) };
  return { dtype: c.dtype, shape, data: Uint8Array.from(index, (i) => d[i] ?? 0) };
};

export const transposeConst = (c: ConstData, perm: readonly number[]): ConstData => {
  const t = transposeIndex(c.shape, perm);
  return gatherConst(c, t.index, t.shape);
};

export class ConvertContext {
  readonly b: OnnxGraphBuilder;
  private readonly values = new Map<string, Value>();

  constructor(builder: OnnxGraphBuilder) {
    this.b = builder;
  }

  /** Normalises a TF input reference ("name", "name:0", "name:1") to "name:index". */
  static key(ref: string): string {
    const m = /^(.*):(\d+)$/.exec(ref);
    return m === null ? `${ref}:0` : `${m[1] ?? ''}:${m[2] ?? '0'}`;
  }

  has(ref: string): boolean {
    return this.values.has(ConvertContext.key(ref));
  }

  get(ref: string, node?: TfNodeDef): Value {
    const v = this.values.get(ConvertContext.key(ref));
    if (v === undefined) {
      throw new ConversionError(
        `input "${ref}" has no converted value`,
        node === undefined ? undefined : { node: node.name, op: node.op },
      );
    }
    return v;
  }

  /** Data inputs of a node (control inputs "^x" dropped). */
  static dataInputs(node: TfNodeDef): string[] {
    return (node.input ?? []).filter((i) => !i.startsWith('^'));
  }

  input(node: TfNodeDef, i: number): Value {
    const ref = ConvertContext.dataInputs(node)[i];
    if (ref === undefined)
      throw new ConversionError(`expected at least ${i + 1} inputs`, { node: node.name, op: node.op });
    return this.get(ref, node);
  }

  constInput(node: TfNodeDef, i: number, what: string): ConstData {
    const v = this.input(node, i);
    if (v.constant === undefined)
      throw new ConversionError(`${what} (input ${i}) must be a constant`, { node: node.name, op: node.op });
    return v.constant;
  }

  /** Constant input as plain numbers (int or float). */
  constNumbers(node: TfNodeDef, i: number, what: string): number[] {
    return constNumbers(this.constInput(node, i, what));
  }

  set(node: TfNodeDef, index: number, v: Value): void {
    this.values.set(`${node.name}:${index}`, v);
  }

  /** Name of the value in TF layout, materialising constants and NCHW->NHWC transposes on demand. */
  plain(v: Value, hint = 'const'): string {
    if (v.nhwc !== undefined) return v.nhwc;
    if (v.constant !== undefined) {
      v.nhwc = this.materialise(v.constant, hint);
      return v.nhwc;
    }
    if (v.nchw !== undefined) {
      v.nhwc = this.b.op(
        'Transpose',
        [v.nchw],
        { perm: { kind: 'ints', value: TO_NHWC } },
        `${v.nchw}__to_nhwc`,
      );
      return v.nhwc;
    }
    throw new ConversionError('internal: value has no representation');
  }

  /** Name of a 4-D value in NCHW layout (Transpose NHWC->NCHW once, cached). */
  nchw(v: Value, hint = 'const'): string {
    if (v.nchw !== undefined) return v.nchw;
    if (v.shape?.length !== 4)
      throw new ConversionError(`internal: NCHW view of a rank-${v.shape?.length ?? '?'} value`);
    if (v.constant !== undefined) {
      v.nchw = this.materialise(transposeConst(v.constant, TO_NCHW), `${hint}__nchw`);
      return v.nchw;
    }
    const src = this.plain(v);
    v.nchw = this.b.op('Transpose', [src], { perm: { kind: 'ints', value: TO_NCHW } }, `${src}__to_nchw`);
    return v.nchw;
  }

  /** True when a 4-D value is (only) available channel-first, i.e. NCHW is its cheap layout. */
  static prefersNchw(v: Value): boolean {
    return v.shape?.length === 4 && v.nchw !== undefined && v.nhwc === undefined;
  }

  /**
   * A constant that will be broadcast against a 4-D NCHW tensor: right-align it to rank 4 as TF would
   * (NHWC), then transpose to NCHW. Returns undefined when its rank is above 4.
   */
  constForNchw(c: ConstData, hint: string): string | undefined {
    if (c.shape.length > 4) return undefined;
    const shape4 = [...new Array<number>(4 - c.shape.length).fill(1), ...c.shape];
    return this.materialise(transposeConst({ ...c, shape: shape4 }, TO_NCHW), `${hint}__nchw`);
  }

  materialise(c: ConstData, hint: string): string {
    if (c.data instanceof Float32Array) return this.b.addWeight(hint, c.data, c.shape);
    return this.b.addInitializer(hint, { dataType: onnxType(c.dtype), dims: c.shape, values: c.data });
  }
}
