/**
 * A deliberately naive float64 interpreter of the TFLite operators the product's models use, written from
 * TFLite's reference-kernel semantics (tensorflow/lite/kernels/internal/reference/*.h), straight on NHWC
 * tensors with no layout tricks, no fusion and no shared code with the converter except the file reader.
 * It is the oracle the converted ONNX is compared against (@tensorflow/tfjs-tflite cannot run here: it needs
 * a browser WebAssembly build fetched at run time).
 *
 * SAME padding: total = max((out−1)·stride + (k−1)·dilation + 1 − in, 0), the smaller half before.
 */
import {
  BuiltinOp,
  constFloats,
  constInts,
  opName,
  TensorType,
  type Activation,
  type TfliteModel,
} from '../../../tools/convert/tflite/tflite-model.ts';

export interface RefTensor {
  readonly shape: number[];
  readonly data: Float64Array;
}

const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** IEEE 754 binary16 bits → value, via the sign/exponent/mantissa fields with Math.pow (subnormals included). */
const decodeHalf = (bits: number): number => {
  const e = (bits >>> 10) & 31,
    m = bits & 1023,
    s = bits >>> 15 ? -1 : 1;
  if (e === 31) return m ? NaN : s * Infinity;
  return e === 0 ? s * Math.pow(2, -14) * (m / 1024) : s * Math.pow(2, e - 15) * (1 + m / 1024);
};

const a0BatchChanged = (pick: readonly number[], batch: number): boolean =>
  pick.length !== batch || pick.some((v, i) => v !== i);

const activate = (v: number, a: Activation | undefined): number => {
  switch (a ?? 'NONE') {
    case 'NONE':
      return v;
    case 'RELU':
      return Math.max(0, v);
    case 'RELU6':
      return Math.min(6, Math.max(0, v));
    case 'RELU_N1_TO_1':
      return Math.min(1, Math.max(-1, v));
    case 'TANH':
      return Math.tanh(v);
  }
};

const samePadBefore = (inSize: number, k: number, stride: number, dil: number, outSize: number): number =>
  Math.floor(Math.max((outSize - 1) * stride + (k - 1) * dil + 1 - inSize, 0) / 2);

/** NumPy-style broadcast of two NHWC tensors. */
function broadcast(a: RefTensor, b: RefTensor, f: (x: number, y: number) => number): RefTensor {
  const rank = Math.max(a.shape.length, b.shape.length);
  const sa = [...Array<number>(rank - a.shape.length).fill(1), ...a.shape];
  const sb = [...Array<number>(rank - b.shape.length).fill(1), ...b.shape];
  const shape = sa.map((d, i) => Math.max(d, sb[i]!));
  const out = new Float64Array(prod(shape));
  const idx = new Array<number>(rank).fill(0);
  for (let n = 0; n < out.length; n++) {
    let r = n;
    for (let i = rank - 1; i >= 0; i--) {
      idx[i] = r % shape[i]!;
      r = Math.floor(r / shape[i]!);
    }
    let ia = 0,
      ib = 0;
    for (let i = 0; i < rank; i++) {
      ia = ia * sa[i]! + (sa[i] === 1 ? 0 : idx[i]!);
      ib = ib * sb[i]! + (sb[i] === 1 ? 0 : idx[i]!);
    }
    out[n] = f(a.data[ia]!, b.data[ib]!);
  }
  return { shape, data: out };
}

/** Runs the model on NHWC inputs (batch may differ from the file's declared batch). */
export function runReference(model: TfliteModel, inputs: readonly RefTensor[]): RefTensor[] {
  const vals = new Map<number, RefTensor>();
  model.inputs.forEach((i, k) => vals.set(i, inputs[k]!));
  const get = (i: number): RefTensor => {
    const v = vals.get(i);
    if (v !== undefined) return v;
    const t = model.tensors[i]!;
    if (t.data === undefined) throw new Error(`tensor ${t.name} has no value`);
    const c = { shape: [...t.shape], data: Float64Array.from(constFloats(t)) };
    vals.set(i, c);
    return c;
  };
  for (const op of model.operators) {
    const o = op.options;
    const out = model.tensors[op.outputs[0]!]!;
    if (op.opcode === BuiltinOp.DEQUANTIZE) {
      // FLOAT16 constant → float64, decoded here from the raw little-endian bits (not the reader's decoder).
      const src = model.tensors[op.inputs[0]!]!;
      if (src.type !== TensorType.FLOAT16 || src.data === undefined)
        throw new Error(`reference interpreter: DEQUANTIZE of ${src.name} is not a float16 constant`);
      const bits = new DataView(src.data.buffer, src.data.byteOffset, src.data.byteLength);
      const data = new Float64Array(src.data.byteLength / 2);
      for (let i = 0; i < data.length; i++) data[i] = decodeHalf(bits.getUint16(2 * i, true));
      vals.set(op.outputs[0]!, { shape: [...out.shape], data });
      continue;
    }
    if (op.opcode === BuiltinOp.CONCATENATION) {
      // Along `axis` of equally-ranked tensors: outer blocks × each input's (its axis extent × inner) run.
      const xs = op.inputs.map(get);
      const rank = xs[0]!.shape.length;
      const axis = (o.axis ?? 0) < 0 ? (o.axis ?? 0) + rank : (o.axis ?? 0);
      const outer = prod(xs[0]!.shape.slice(0, axis));
      const shape = [...xs[0]!.shape];
      shape[axis] = xs.reduce((a, t) => a + t.shape[axis]!, 0);
      const data = new Float64Array(prod(shape));
      let k = 0;
      for (let n = 0; n < outer; n++)
        for (const t of xs) {
          const run = prod(t.shape.slice(axis));
          for (let i = 0; i < run; i++) data[k++] = activate(t.data[n * run + i]!, o.activation);
        }
      vals.set(op.outputs[0]!, { shape, data });
      continue;
    }
    const x = get(op.inputs[0]!);
    const batch = x.shape[0]!;
    const outShape = [batch, ...out.shape.slice(1)];
    let y: RefTensor;
    switch (op.opcode) {
      case BuiltinOp.CONV_2D:
      case BuiltinOp.DEPTHWISE_CONV_2D: {
        const w = get(op.inputs[1]!);
        const bias = op.inputs[2] !== undefined && op.inputs[2] >= 0 ? get(op.inputs[2]).data : undefined;
        const [, H, W, C] = x.shape as [number, number, number, number];
        const [, OH, OW, OC] = outShape as [number, number, number, number];
        const dw = op.opcode === BuiltinOp.DEPTHWISE_CONV_2D;
        const kh = w.shape[1]!,
          kw = w.shape[2]!;
        const sh = o.strideH ?? 1,
          sw = o.strideW ?? 1,
          dh = o.dilationH ?? 1,
          dwl = o.dilationW ?? 1;
        const pt = o.padding === 'VALID' ? 0 : samePadBefore(H, kh, sh, dh, OH);
        const pl = o.padding === 'VALID' ? 0 : samePadBefore(W, kw, sw, dwl, OW);
        const mult = dw ? OC / C : 1;
        const data = new Float64Array(prod(outShape));
        for (let n = 0; n < batch; n++)
          for (let oy = 0; oy < OH; oy++)
            for (let ox = 0; ox < OW; ox++)
              for (let oc = 0; oc < OC; oc++) {
                let s = bias?.[oc] ?? 0;
                for (let ky = 0; ky < kh; ky++) {
                  const iy = oy * sh - pt + ky * dh;
                  if (iy < 0 || iy >= H) continue;
                  for (let kx = 0; kx < kw; kx++) {
                    const ix = ox * sw - pl + kx * dwl;
                    if (ix < 0 || ix >= W) continue;
                    if (dw) {
                      const ic = Math.floor(oc / mult);
                      s += x.data[((n * H + iy) * W + ix) * C + ic]! * w.data[(ky * kw + kx) * OC + oc]!;
                    } else {
                      for (let ic = 0; ic < C; ic++)
                        s +=
                          x.data[((n * H + iy) * W + ix) * C + ic]! *
                          w.data[((oc * kh + ky) * kw + kx) * C + ic]!;
                    }
                  }
                }
                data[((n * OH + oy) * OW + ox) * OC + oc] = activate(s, o.activation);
              }
        y = { shape: outShape, data };
        break;
      }
      case BuiltinOp.MAX_POOL_2D:
      case BuiltinOp.AVERAGE_POOL_2D: {
        const [, H, W, C] = x.shape as [number, number, number, number];
        const [, OH, OW] = outShape as [number, number, number];
        const kh = o.filterH ?? 1,
          kw = o.filterW ?? 1,
          sh = o.strideH ?? 1,
          sw = o.strideW ?? 1;
        const pt = o.padding === 'VALID' ? 0 : samePadBefore(H, kh, sh, 1, OH);
        const pl = o.padding === 'VALID' ? 0 : samePadBefore(W, kw, sw, 1, OW);
        const data = new Float64Array(prod(outShape));
        const max = op.opcode === BuiltinOp.MAX_POOL_2D;
        for (let n = 0; n < batch; n++)
          for (let oy = 0; oy < OH; oy++)
            for (let ox = 0; ox < OW; ox++)
              for (let c = 0; c < C; c++) {
                let s = max ? -Infinity : 0,
                  cnt = 0;
                for (let ky = 0; ky < kh; ky++)
                  for (let kx = 0; kx < kw; kx++) {
                    const iy = oy * sh - pt + ky,
                      ix = ox * sw - pl + kx;
                    if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                    const v = x.data[((n * H + iy) * W + ix) * C + c]!;
                    s = max ? Math.max(s, v) : s + v;
                    cnt++;
                  }
                data[((n * OH + oy) * OW + ox) * C + c] = activate(max ? s : s / cnt, o.activation);
              }
        y = { shape: outShape, data };
        break;
      }
      case BuiltinOp.ADD:
      case BuiltinOp.SUB:
      case BuiltinOp.MUL:
      case BuiltinOp.DIV:
      case BuiltinOp.MAXIMUM:
      case BuiltinOp.MINIMUM: {
        const b = get(op.inputs[1]!);
        const f = {
          [BuiltinOp.ADD]: (p: number, q: number) => p + q,
          [BuiltinOp.SUB]: (p: number, q: number) => p - q,
          [BuiltinOp.MUL]: (p: number, q: number) => p * q,
          [BuiltinOp.DIV]: (p: number, q: number) => p / q,
          [BuiltinOp.MAXIMUM]: (p: number, q: number) => Math.max(p, q),
          [BuiltinOp.MINIMUM]: (p: number, q: number) => Math.min(p, q),
        }[op.opcode];
        y = broadcast(x, b, (p, q) => activate(f(p, q), o.activation));
        break;
      }
      case BuiltinOp.RELU:
      case BuiltinOp.RELU6:
      case BuiltinOp.TANH:
      case BuiltinOp.LOGISTIC:
      case 101:
      case 59:
      case 47: {
        const f: Record<number, (v: number) => number> = {
          [BuiltinOp.RELU]: (v) => Math.max(0, v),
          [BuiltinOp.RELU6]: (v) => Math.min(6, Math.max(0, v)),
          [BuiltinOp.TANH]: Math.tanh,
          [BuiltinOp.LOGISTIC]: (v) => 1 / (1 + Math.exp(-v)),
          101: Math.abs,
          59: (v) => -v,
          47: Math.exp,
        };
        y = { shape: [...x.shape], data: x.data.map(f[op.opcode]!) };
        break;
      }
      case BuiltinOp.RESHAPE:
      case BuiltinOp.SQUEEZE:
        y = { shape: outShape, data: x.data };
        break;
      case BuiltinOp.FULLY_CONNECTED: {
        const w = get(op.inputs[1]!);
        const bias = op.inputs[2] !== undefined && op.inputs[2] >= 0 ? get(op.inputs[2]).data : undefined;
        const [O, I] = w.shape as [number, number];
        const data = new Float64Array(batch * O);
        for (let n = 0; n < batch; n++)
          for (let k = 0; k < O; k++) {
            let s = bias?.[k] ?? 0;
            for (let i = 0; i < I; i++) s += x.data[n * I + i]! * w.data[k * I + i]!;
            data[n * O + k] = activate(s, o.activation);
          }
        y = { shape: [batch, O], data };
        break;
      }
      case BuiltinOp.SOFTMAX: {
        const last = x.shape[x.shape.length - 1]!;
        const data = new Float64Array(x.data.length);
        for (let r = 0; r < x.data.length / last; r++) {
          let m = -Infinity;
          for (let i = 0; i < last; i++) m = Math.max(m, x.data[r * last + i]!);
          let s = 0;
          for (let i = 0; i < last; i++)
            s += data[r * last + i] = Math.exp((o.beta ?? 1) * (x.data[r * last + i]! - m));
          for (let i = 0; i < last; i++) data[r * last + i]! /= s;
        }
        y = { shape: [...x.shape], data };
        break;
      }
      case BuiltinOp.MEAN:
      case BuiltinOp.SUM:
      case 82: {
        const rank = x.shape.length;
        const axes = new Set(constInts(model.tensors[op.inputs[1]!]!).map((a) => (a < 0 ? a + rank : a)));
        const keptShape = x.shape.map((d, i) => (axes.has(i) ? 1 : d));
        const data = new Float64Array(prod(keptShape)).fill(op.opcode === 82 ? -Infinity : 0);
        const count = x.shape.reduce((a, d, i) => (axes.has(i) ? a * d : a), 1);
        for (let n = 0; n < x.data.length; n++) {
          let r = n,
            oi = 0,
            mulAcc = 1;
          for (let i = rank - 1; i >= 0; i--) {
            const c = r % x.shape[i]!;
            r = Math.floor(r / x.shape[i]!);
            if (!axes.has(i)) oi += c * mulAcc;
            mulAcc *= keptShape[i]!;
          }
          data[oi] = op.opcode === 82 ? Math.max(data[oi]!, x.data[n]!) : data[oi]! + x.data[n]!;
        }
        if (op.opcode === BuiltinOp.MEAN) for (let i = 0; i < data.length; i++) data[i]! /= count;
        y = { shape: o.keepDims === true ? keptShape : x.shape.filter((_, i) => !axes.has(i)), data };
        break;
      }
      case BuiltinOp.LEAKY_RELU: {
        const alpha = o.alpha ?? 0.2;
        y = { shape: [...x.shape], data: x.data.map((v) => (v >= 0 ? v : alpha * v)) };
        break;
      }
      case BuiltinOp.GREATER_EQUAL:
      case BuiltinOp.LESS: {
        const b = get(op.inputs[1]!);
        const ge = op.opcode === BuiltinOp.GREATER_EQUAL;
        y = broadcast(x, b, (p, q) => ((ge ? p >= q : p < q) ? 1 : 0));
        break;
      }
      case BuiltinOp.CAST:
        // BOOL is held as 0 / 1 here, so BOOL ↔ FLOAT32 keeps the numbers; INT32 truncates towards zero.
        y = {
          shape: [...x.shape],
          data: out.type === TensorType.INT32 ? x.data.map((v) => Math.trunc(v)) : x.data,
        };
        break;
      case BuiltinOp.STRIDED_SLICE: {
        const begin = constInts(model.tensors[op.inputs[1]!]!);
        const end = constInts(model.tensors[op.inputs[2]!]!);
        const strides = constInts(model.tensors[op.inputs[3]!]!);
        const rank = x.shape.length;
        // Per axis, the indices TF's StridedSlice visits (masks: whole extent; negative indices from the end).
        const picks = x.shape.map((dim, a) => {
          const st = strides[a]!;
          const norm = (v: number) => (v < 0 ? v + dim : v);
          let s0 = (o.beginMask ?? 0) & (1 << a) ? (st > 0 ? 0 : dim - 1) : norm(begin[a]!);
          let e0 = (o.endMask ?? 0) & (1 << a) ? (st > 0 ? dim : -1) : norm(end[a]!);
          s0 = st > 0 ? Math.min(Math.max(s0, 0), dim) : Math.min(Math.max(s0, -1), dim - 1);
          e0 = st > 0 ? Math.min(Math.max(e0, 0), dim) : Math.min(Math.max(e0, -1), dim - 1);
          const idx: number[] = [];
          for (let i = s0; st > 0 ? i < e0 : i > e0; i += st) idx.push(i);
          return idx;
        });
        if (a0BatchChanged(picks[0]!, batch)) throw new Error('reference interpreter: batch axis sliced');
        const shape = picks.map((p) => p.length);
        const data = new Float64Array(prod(shape));
        const pos = new Array<number>(rank).fill(0);
        for (let n = 0; n < data.length; n++) {
          let r = n;
          for (let a = rank - 1; a >= 0; a--) {
            pos[a] = r % shape[a]!;
            r = Math.floor(r / shape[a]!);
          }
          let src = 0;
          for (let a = 0; a < rank; a++) src = src * x.shape[a]! + picks[a]![pos[a]!]!;
          data[n] = x.data[src]!;
        }
        y = { shape, data };
        break;
      }
      default:
        throw new Error(`reference interpreter: no kernel for ${opName(op.opcode)}`);
    }
    vals.set(op.outputs[0]!, y);
  }
  return model.outputs.map((i) => get(i));
}
