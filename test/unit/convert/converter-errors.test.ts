/**
 * The converters must fail loudly, naming the node and op (or the weight), instead of writing a wrong model.
 */
import { describe, expect, it } from 'vitest';
import { ConversionError } from '../../../tools/convert/errors.ts';
import { buildRecognitionNet } from '../../../tools/convert/face-api/recognition-net.ts';
import { convertGraphModel, SUPPORTED_OPS } from '../../../tools/convert/tfjs-graph/convert.ts';
import {
  parseModelJson,
  type TfModelJson,
  type TfNodeDef,
} from '../../../tools/convert/tfjs-graph/model-json.ts';
import { decodeWeights, type DecodedTensor } from '../../../tools/convert/tfjs-graph/weights.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const input: TfNodeDef = {
  name: 'x',
  op: 'Placeholder',
  attr: {
    dtype: { type: 'DT_FLOAT' },
    shape: { shape: { dim: [{ size: '1' }, { size: '8' }, { size: '8' }, { size: '3' }] } },
  },
};
const constNode = (name: string): TfNodeDef => ({ name, op: 'Const', attr: { dtype: { type: 'DT_FLOAT' } } });
const model = (nodes: TfNodeDef[], out: string): TfModelJson => ({
  format: 'graph-model',
  signature: { outputs: { out: { name: out } } },
  modelTopology: { node: [input, ...nodes] },
  weightsManifest: [],
});
const w = (shape: number[]): DecodedTensor => ({
  dtype: 'float32',
  shape,
  data: new Float32Array(shape.reduce((a, b) => a * b, 1)),
});
const conv = (name: string, inputs: string[], extra: Record<string, object> = {}): TfNodeDef => ({
  name,
  op: 'Conv2D',
  input: inputs,
  attr: {
    strides: { list: { i: ['1', '1', '1', '1'] } },
    padding: { s: b64('SAME') },
    data_format: { s: b64('NHWC') },
    ...extra,
  },
});

const errorOf = (f: () => unknown): ConversionError => {
  try {
    f();
  } catch (e) {
    if (e instanceof ConversionError) return e;
    throw e;
  }
  throw new Error('expected a ConversionError');
};

describe('converter error paths', () => {
  it('an unknown op fails naming the node and the op', () => {
    const e = errorOf(() =>
      convertGraphModel(
        model([{ name: 'net/weird_layer', op: 'FancyNewOp', input: ['x'] }], 'net/weird_layer'),
        new Map(),
      ),
    );
    expect(e.node).toBe('net/weird_layer');
    expect(e.op).toBe('FancyNewOp');
    expect(e.message).toMatch(/node "net\/weird_layer" \(op FancyNewOp\): unsupported op "FancyNewOp"/);
  });

  it('a filter whose input channels do not match the input fails naming the node', () => {
    const e = errorOf(() =>
      convertGraphModel(
        model([constNode('k'), conv('c1', ['x', 'k'])], 'c1'),
        new Map([['k', w([3, 3, 4, 8])]]),
      ),
    );
    expect(e.node).toBe('c1');
    expect(e.message).toMatch(/4 input channels, input has 3/);
  });

  it('a non-constant filter is refused', () => {
    const e = errorOf(() => convertGraphModel(model([conv('c2', ['x', 'x'])], 'c2'), new Map()));
    expect(e.message).toMatch(/filter \(input 1\) must be a constant/);
  });

  it('a constant whose manifest shape differs from the node declaration is refused', () => {
    const k: TfNodeDef = {
      name: 'k',
      op: 'Const',
      attr: {
        value: {
          tensor: { tensorShape: { dim: [{ size: '3' }, { size: '3' }, { size: '3' }, { size: '8' }] } },
        },
      },
    };
    const e = errorOf(() =>
      convertGraphModel(model([k, conv('c3', ['x', 'k'])], 'c3'), new Map([['k', w([3, 3, 3, 4])]])),
    );
    expect(e.node).toBe('k');
  });

  it('unsupported fused ops (e.g. FusedBatchNorm) and NCHW data_format are refused', () => {
    const fused = conv('c4', ['x', 'k', 'b'], {
      fused_ops: { list: { s: [b64('FusedBatchNorm')] } },
      num_args: { i: '1' },
    });
    const weights = new Map([
      ['k', w([1, 1, 3, 4])],
      ['b', w([4])],
    ]);
    fused.op = '_FusedConv2D';
    expect(
      errorOf(() => convertGraphModel(model([constNode('k'), constNode('b'), fused], 'c4'), weights)).message,
    ).toMatch(/fused_ops \[FusedBatchNorm\]/);
    const nchw = conv('c5', ['x', 'k'], { data_format: { s: b64('NCHW') } });
    expect(errorOf(() => convertGraphModel(model([constNode('k'), nchw], 'c5'), weights)).node).toBe('c5');
  });

  it('MirrorPad SYMMETRIC (no ONNX equivalent) is refused rather than approximated', () => {
    const p: TfNodeDef = {
      name: 'mp',
      op: 'MirrorPad',
      input: ['x', 'pads'],
      attr: { mode: { s: b64('SYMMETRIC') } },
    };
    const pads: DecodedTensor = { dtype: 'int32', shape: [4, 2], data: new Int32Array(8) };
    expect(
      errorOf(() => convertGraphModel(model([{ ...constNode('pads') }, p], 'mp'), new Map([['pads', pads]])))
        .message,
    ).toMatch(/SYMMETRIC/);
  });

  it('layers-format models and malformed JSON are refused', () => {
    expect(() =>
      parseModelJson('{"format":"layers-model","modelTopology":{"node":[]},"weightsManifest":[]}', 'm.json'),
    ).toThrow(/layers/);
    expect(() => parseModelJson('{', 'm.json')).toThrow(ConversionError);
  });

  it('shards shorter or longer than the manifest are refused', () => {
    const manifest = [{ paths: ['a.bin'], weights: [{ name: 'w', shape: [4], dtype: 'float32' as const }] }];
    expect(() => decodeWeights(manifest, () => new Uint8Array(12))).toThrow(/"w" needs bytes 0..16/);
    expect(() => decodeWeights(manifest, () => new Uint8Array(20))).toThrow(/hold 20 bytes/);
  });

  it('the face-api builder names a weight of the wrong shape, and a missing one', () => {
    expect(() => buildRecognitionNet(new Map([['conv32_down/conv/filters', w([7, 7, 3, 16])]]))).toThrow(
      /weight "conv32_down\/conv\/filters" has shape \[7,7,3,16\], the architecture needs \[7,7,3,32\]/,
    );
    expect(() => buildRecognitionNet(new Map())).toThrow(/weight "conv32_down\/conv\/filters" is missing/);
  });

  it('lists the ops it supports', () => {
    for (const op of [
      '_FusedConv2D',
      'FusedDepthwiseConv2dNative',
      'StridedSlice',
      'Prelu',
      'ResizeBilinear',
    ])
      expect(SUPPORTED_OPS).toContain(op);
  });
});
