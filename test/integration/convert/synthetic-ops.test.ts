/**
 * Op-level equivalence: one-or-few-node TF graphs built in memory, converted, run in onnxruntime-node and
 * compared with tfjs (CPU). Covers the attribute combinations the Human models do not exercise — TF SAME
 * padding with stride 2 on odd and even sizes, dilations, depthwise multipliers, fused Relu6/LeakyRelu,
 * StridedSlice masks, resize modes, mirror padding, reductions, Pack/Shape/Cast — so they are not shipped
 * untested.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { convertGraphModel } from '../../../tools/convert/tfjs-graph/convert.ts';
import type { TfNodeDef } from '../../../tools/convert/tfjs-graph/model-json.ts';
import { A, placeholder, synthetic, type ConstSpec } from './synthetic-graph.ts';
import { compare, randomTensor, runOnnx, runTfjs } from './tfjs-reference.ts';

const f32 = (shape: number[], seed: number): ConstSpec & { shape: number[] } => ({
  name: `w${seed}`,
  shape,
  data: randomTensor(
    shape.reduce((a, b) => a * b, 1),
    seed,
    -1,
    1,
  ),
});
const i32 = (name: string, v: number[], shape: number[] = [v.length]): ConstSpec => ({
  name,
  shape,
  data: Int32Array.from(v),
});

const check = async (
  label: string,
  inShape: number[],
  nodes: TfNodeDef[],
  consts: ConstSpec[],
  outputs: string[],
): Promise<void> => {
  const s = synthetic([placeholder('x', inShape), ...nodes], consts, outputs);
  const conv = convertGraphModel(s.model, s.weights);
  const session = await ort.InferenceSession.create(conv.onnx);
  const shape = inShape.map((d) => (d < 0 ? 2 : d));
  const x = randomTensor(
    shape.reduce((a, b) => a * b, 1),
    99,
    -1,
    1,
  );
  const got = await runOnnx(session, 'x', x, shape);
  const refs = runTfjs(await s.tfModel(), x, shape, outputs);
  outputs.forEach((o, i) => {
    const ref = refs[i];
    const out = got[o];
    if (ref === undefined || out === undefined) throw new Error(`missing ${o}`);
    const d = compare(ref, out);
    expect(d.rel, `${label} ${o}: max|Δ| ${d.maxAbs} scale ${d.scale}`).toBeLessThanOrEqual(1e-5);
  });
  await session.release();
};

const convNode = (
  name: string,
  input: string,
  w: string,
  op: string,
  strides: number[],
  padding: string,
  extra: Record<string, object> = {},
  inputs: string[] = [],
): TfNodeDef => ({
  name,
  op,
  input: [input, w, ...inputs],
  attr: {
    strides: A.ints(strides),
    padding: A.s(padding),
    data_format: A.s('NHWC'),
    dilations: A.ints([1, 1, 1, 1]),
    ...extra,
  },
});

describe('single-op conversions match tfjs', () => {
  for (const size of [7, 8]) {
    it(`Conv2D SAME stride 2 on ${size}x${size} (asymmetric TF padding)`, async () => {
      const w = f32([3, 3, 3, 4], 1);
      await check(
        `conv${size}`,
        [1, size, size, 3],
        [convNode('y', 'x', w.name, 'Conv2D', [1, 2, 2, 1], 'SAME')],
        [w],
        ['y'],
      );
    });
  }

  it('Conv2D with dilation 2, SAME', async () => {
    const w = f32([3, 3, 2, 3], 2);
    await check(
      'dil',
      [1, 9, 9, 2],
      [convNode('y', 'x', w.name, 'Conv2D', [1, 1, 1, 1], 'SAME', { dilations: A.ints([1, 2, 2, 1]) })],
      [w],
      ['y'],
    );
  });

  it('DepthwiseConv2dNative with channel multiplier 2, SAME stride 2, dynamic batch', async () => {
    const w = f32([3, 3, 3, 2], 3);
    await check(
      'dw',
      [-1, 8, 8, 3],
      [convNode('y', 'x', w.name, 'DepthwiseConv2dNative', [1, 2, 2, 1], 'SAME')],
      [w],
      ['y'],
    );
  });

  for (const act of ['Relu6', 'Elu', 'Sigmoid']) {
    it(`_FusedConv2D BiasAdd + ${act}`, async () => {
      const w = f32([1, 1, 3, 4], 4);
      const bias = { ...f32([4], 5), name: 'bias' };
      const node = convNode(
        'y',
        'x',
        w.name,
        '_FusedConv2D',
        [1, 1, 1, 1],
        'VALID',
        { fused_ops: A.strs(['BiasAdd', act]), num_args: A.i(1) },
        ['bias'],
      );
      await check(act, [1, 5, 5, 3], [node], [w, bias], ['y']);
    });
  }

  // PReLU per channel becomes x + (1 − slope)·Relu(−x) (OnnxGraphBuilder.preluNchw): slopes below 0, in (0, 1)
  // and above 1 (MobileFaceNet's run from −9.4 to 8.9), on inputs of both signs.
  it('_FusedConv2D BiasAdd + Prelu with per-channel slopes of every sign and size (the lowered form)', async () => {
    const w = f32([3, 3, 3, 6], 6);
    const bias = { ...f32([6], 7), name: 'bias' };
    const alpha = { name: 'alpha', shape: [6], data: Float32Array.from([-9.4, -0.5, 0, 0.25, 1, 8.9]) };
    const node = convNode(
      'y',
      'x',
      w.name,
      '_FusedConv2D',
      [1, 1, 1, 1],
      'SAME',
      { fused_ops: A.strs(['BiasAdd', 'Prelu']), num_args: A.i(2) },
      ['bias', 'alpha'],
    );
    const s = synthetic([placeholder('x', [1, 7, 7, 3]), node], [w, bias, alpha], ['y']);
    const text = Buffer.from(convertGraphModel(s.model, s.weights).onnx).toString('latin1');
    expect(text.includes('PRelu')).toBe(false);
    await check('Prelu', [1, 7, 7, 3], [node], [w, bias, alpha], ['y']);
  });

  it('MaxPool and AvgPool SAME stride 2 on an odd size (AvgPool excludes padding)', async () => {
    const pool = (name: string, op: string): TfNodeDef => ({
      name,
      op,
      input: ['x'],
      attr: {
        ksize: A.ints([1, 3, 3, 1]),
        strides: A.ints([1, 2, 2, 1]),
        padding: A.s('SAME'),
        data_format: A.s('NHWC'),
      },
    });
    await check('pool', [1, 7, 7, 2], [pool('mp', 'MaxPool'), pool('ap', 'AvgPool')], [], ['mp', 'ap']);
  });

  it('StridedSlice with begin/end/shrink/new-axis/ellipsis masks and negative strides', async () => {
    const ss = (
      name: string,
      b: number[],
      e: number[],
      s: number[],
      masks: Record<string, number>,
    ): TfNodeDef => ({
      name,
      op: 'StridedSlice',
      input: ['x', `${name}/b`, `${name}/e`, `${name}/s`],
      attr: Object.fromEntries(Object.entries(masks).map(([k, v]) => [k, A.i(v)])),
    });
    const specs: Array<[string, number[], number[], number[], Record<string, number>]> = [
      ['a', [0, 1, 0, 0], [1, 4, 5, 2], [1, 1, 2, 1], { begin_mask: 1, end_mask: 8 }],
      ['b', [0, 2], [0, 3], [1, 1], { ellipsis_mask: 1 }],
      ['c', [0, -1], [0, 0], [1, 1], { ellipsis_mask: 1, shrink_axis_mask: 2 }],
      ['d', [0, 0, 4], [0, 0, 0], [1, 1, -2], { begin_mask: 1, end_mask: 7, new_axis_mask: 2 }],
      ['e', [0, 1, 0], [0, 2, 0], [1, 1, 1], { ellipsis_mask: 1, shrink_axis_mask: 2, new_axis_mask: 4 }],
    ];
    const consts = specs.flatMap(([n, b, e, s]) => [i32(`${n}/b`, b), i32(`${n}/e`, e), i32(`${n}/s`, s)]);
    await check(
      'ss',
      [1, 6, 5, 3],
      specs.map(([n, b, e, s, m]) => ss(n, b, e, s, m)),
      consts,
      specs.map(([n]) => n),
    );
  });

  for (const [label, align, half] of [
    ['asymmetric', false, false],
    ['align_corners', true, false],
    ['half_pixel', false, true],
  ] as const) {
    it(`ResizeBilinear ${label}`, async () => {
      const node: TfNodeDef = {
        name: 'y',
        op: 'ResizeBilinear',
        input: ['x', 'size'],
        attr: { align_corners: A.b(align), half_pixel_centers: A.b(half) },
      };
      await check(label, [1, 5, 6, 2], [node], [i32('size', [9, 4])], ['y']);
    });
  }

  it('Pad, PadV2, MirrorPad REFLECT; Mean keep_dims; Sum; Max', async () => {
    const pads = i32('pads', [0, 0, 1, 2, 2, 1, 0, 0], [4, 2]);
    const nodes: TfNodeDef[] = [
      { name: 'p', op: 'Pad', input: ['x', 'pads'] },
      { name: 'p2', op: 'PadV2', input: ['x', 'pads', 'cv'] },
      { name: 'mp', op: 'MirrorPad', input: ['x', 'pads'], attr: { mode: A.s('REFLECT') } },
      { name: 'm', op: 'Mean', input: ['x', 'ax12'], attr: { keep_dims: A.b(true) } },
      { name: 's', op: 'Sum', input: ['x', 'ax3'], attr: { keep_dims: A.b(false) } },
      { name: 'mx', op: 'Max', input: ['x', 'ax12'], attr: { keep_dims: A.b(false) } },
    ];
    await check(
      'pad',
      [1, 4, 5, 3],
      nodes,
      [pads, { name: 'cv', shape: [], data: Float32Array.of(0.5) }, i32('ax12', [1, 2]), i32('ax3', [-1])],
      ['p', 'p2', 'mp', 'm', 's', 'mx'],
    );
  });

  it('conv -> Add/Mul with broadcast constants -> Rsqrt/Square -> ConcatV2 -> Softmax, Reshape via Shape/Pack', async () => {
    const w = f32([1, 1, 3, 4], 6);
    const nodes: TfNodeDef[] = [
      convNode('c', 'x', w.name, 'Conv2D', [1, 1, 1, 1], 'VALID'),
      { name: 'sq', op: 'Square', input: ['c'] },
      { name: 'add', op: 'AddV2', input: ['sq', 'k4'] },
      { name: 'rs', op: 'Rsqrt', input: ['add'] },
      { name: 'mul', op: 'Mul', input: ['rs', 'c'] },
      { name: 'cat', op: 'ConcatV2', input: ['mul', 'c', 'axis3'], attr: { N: A.i(2) } },
      { name: 'shape', op: 'Shape', input: ['cat'], attr: { out_type: A.type('DT_INT32') } },
      {
        name: 'n',
        op: 'StridedSlice',
        input: ['shape', 'z', 'one', 'one'],
        attr: { shrink_axis_mask: A.i(1) },
      },
      { name: 'pk', op: 'Pack', input: ['n', 'm1'], attr: { axis: A.i(0) } },
      { name: 'flat', op: 'Reshape', input: ['cat', 'pk'] },
      { name: 'sm', op: 'Softmax', input: ['flat'] },
      { name: 'ed', op: 'ExpandDims', input: ['sm', 'axis1'] },
      { name: 'sqz', op: 'Squeeze', input: ['ed'], attr: { squeeze_dims: A.ints([1]) } },
    ];
    const consts = [
      w,
      { name: 'k4', shape: [4], data: Float32Array.of(1, 2, 3, 4) },
      i32('axis3', [3], []),
      i32('z', [0]),
      i32('one', [1]),
      i32('m1', [-1], []),
      i32('axis1', [1], []),
    ];
    await check('chain', [-1, 3, 3, 3], nodes, consts, ['cat', 'sqz']);
  });

  it('MatMul with transpose_b and _FusedMatMul BiasAdd + Relu', async () => {
    const wt = f32([5, 12], 7);
    const w = f32([12, 5], 8);
    const bias = { ...f32([5], 9), name: 'bias' };
    const nodes: TfNodeDef[] = [
      { name: 'flat', op: 'Reshape', input: ['x', 'shp'] },
      {
        name: 'mt',
        op: 'MatMul',
        input: ['flat', wt.name],
        attr: { transpose_a: A.b(false), transpose_b: A.b(true) },
      },
      {
        name: 'fm',
        op: '_FusedMatMul',
        input: ['flat', w.name, 'bias'],
        attr: {
          fused_ops: A.strs(['BiasAdd', 'Relu']),
          num_args: A.i(1),
          transpose_a: A.b(false),
          transpose_b: A.b(false),
        },
      },
    ];
    await check('mm', [-1, 2, 2, 3], nodes, [wt, w, bias, i32('shp', [-1, 12])], ['mt', 'fm']);
  });
});
