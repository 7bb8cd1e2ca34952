/**
 * face-api.js face recognition net (a ResNet-34-like dlib model, 150x150 RGB -> 128-D descriptor) as ONNX.
 *
 * The architecture is transcribed from @vladmandic/face-api's own source (src/faceRecognitionNet/
 * FaceRecognitionNet.ts, convLayer.ts, residualLayer.ts, scaleLayer.ts, ops/normalize.ts) and the weights
 * come from its `face_recognition_model-weights_manifest.json` (uint8, dequantized as q * scale + min):
 *
 *   x = (rgb - [122.782, 117.001, 104.298]) / 255                     (input: NHWC float RGB in 0..255)
 *   convDown 7x7/2 valid (conv + bias, * scale.weights + scale.biases, relu); maxPool 3x3/2 valid
 *   residual x3 @32; residualDown + residual x3 @64; residualDown + residual x2 @128;
 *   residualDown + residual x2 @256; residualDown @256 (conv256_down_out)
 *   mean over H,W; matMul fc [256,128]
 *
 *   residual(x)     = relu(convNoRelu(conv(x)) + x)                       (3x3 same)
 *   residualDown(x) = relu(zeroPadTo(convNoRelu(convDown(x))) + zeroPadChannels(avgPool2x2/2 valid(x)))
 *
 * Every weight's shape is checked against the architecture and every manifest entry must be used, so a
 * different manifest fails with the weight's name instead of producing a wrong graph. The input is the
 * 150x150 crop face-api's toBatchTensor(150) produces (it resizes larger crops; we do not).
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConversionError } from '../errors.ts';
import { DT, OnnxGraphBuilder, attrInt, attrInts, type WeightStorage } from '../onnx/onnx-writer.ts';
import { transposeConst } from '../tfjs-graph/context.ts';
import { weightsManifestSchema } from '../tfjs-graph/model-json.ts';
import { spatialPads, windowOutputSize } from '../tfjs-graph/padding.ts';
import { decodeWeights, shardReader, type DecodedTensor } from '../tfjs-graph/weights.ts';

export const FACE_API_MEAN_RGB = [122.782, 117.001, 104.298] as const;
export const RECOGNITION_INPUT_SIZE = 150;

export interface FaceApiBuildOptions {
  readonly weightStorage?: WeightStorage;
  readonly metadata?: ReadonlyArray<readonly [string, string]>;
  readonly producerVersion?: string;
}

interface Tensor4 {
  name: string;
  c: number;
  h: number;
  w: number;
}

class RecognitionNetBuilder {
  readonly b: OnnxGraphBuilder;
  private readonly weights: Map<string, DecodedTensor>;
  private readonly usedWeights = new Set<string>();

  constructor(weights: Map<string, DecodedTensor>, storage: WeightStorage) {
    this.weights = weights;
    this.b = new OnnxGraphBuilder('face_recognition_net', storage);
  }

  weight(name: string, shape: readonly number[]): DecodedTensor & { data: Float32Array } {
    const w = this.weights.get(name);
    if (w === undefined) throw new ConversionError(`weight "${name}" is missing from the manifest`);
    if (w.shape.length !== shape.length || w.shape.some((d, i) => d !== shape[i])) {
      throw new ConversionError(
        `weight "${name}" has shape [${w.shape.join(',')}], the architecture needs [${shape.join(',')}]`,
      );
    }
    if (!(w.data instanceof Float32Array))
      throw new ConversionError(`weight "${name}" is ${w.dtype}, expected float32`);
    this.usedWeights.add(name);
    return { ...w, data: w.data };
  }

  assertAllUsed(): void {
    const extra = [...this.weights.keys()].filter((k) => !this.usedWeights.has(k));
    if (extra.length > 0)
      throw new ConversionError(`manifest has weights the architecture does not use: ${extra.join(', ')}`);
  }

  /** conv + bias, then the scale layer (x * weights + biases), then optional relu. */
  convLayer(
    x: Tensor4,
    prefix: string,
    cout: number,
    k: number,
    stride: number,
    padding: 'SAME' | 'VALID',
    relu: boolean,
  ): Tensor4 {
    const b = this.b;
    const f = this.weight(`${prefix}/conv/filters`, [k, k, x.c, cout]);
    const oihw = transposeConst({ dtype: 'float32', shape: f.shape, data: f.data }, [3, 2, 0, 1]);
    if (!(oihw.data instanceof Float32Array))
      throw new ConversionError('internal: transpose changed the element type');
    const bias = this.weight(`${prefix}/conv/bias`, [cout]);
    const sw = this.weight(`${prefix}/scale/weights`, [cout]);
    const sb = this.weight(`${prefix}/scale/biases`, [cout]);
    const pads = spatialPads(padding, [x.h, x.w], [k, k], [stride, stride], [1, 1]);
    let y = b.op(
      'Conv',
      [
        x.name,
        b.addWeight(`${prefix}/conv/filters`, oihw.data, oihw.shape),
        b.addFloat(`${prefix}/conv/bias`, bias.data, [cout]),
      ],
      {
        kernel_shape: attrInts([k, k]),
        strides: attrInts([stride, stride]),
        pads: attrInts(pads),
        dilations: attrInts([1, 1]),
        group: attrInt(1),
      },
      `${prefix}/conv`,
    );
    y = b.op(
      'Mul',
      [y, b.addFloat(`${prefix}/scale/weights`, sw.data, [1, cout, 1, 1])],
      {},
      `${prefix}/scale/mul`,
    );
    y = b.op(
      'Add',
      [y, b.addFloat(`${prefix}/scale/biases`, sb.data, [1, cout, 1, 1])],
      {},
      `${prefix}/scale/add`,
    );
    if (relu) y = b.op('Relu', [y], {}, `${prefix}/relu`);
    return {
      name: y,
      c: cout,
      h: windowOutputSize(x.h, k, stride, 1, pads[0], pads[2]),
      w: windowOutputSize(x.w, k, stride, 1, pads[1], pads[3]),
    };
  }

  residual(x: Tensor4, prefix: string): Tensor4 {
    const a = this.convLayer(x, `${prefix}/conv1`, x.c, 3, 1, 'SAME', true);
    const o = this.convLayer(a, `${prefix}/conv2`, x.c, 3, 1, 'SAME', false);
    const sum = this.b.op('Add', [o.name, x.name], {}, `${prefix}/add`);
    return { ...o, name: this.b.op('Relu', [sum], {}, `${prefix}/relu`) };
  }

  residualDown(x: Tensor4, prefix: string, cout: number): Tensor4 {
    const b = this.b;
    const a = this.convLayer(x, `${prefix}/conv1`, cout, 3, 2, 'VALID', true);
    let o = this.convLayer(a, `${prefix}/conv2`, cout, 3, 1, 'SAME', false);
    const ph = windowOutputSize(x.h, 2, 2, 1, 0, 0);
    const pw = windowOutputSize(x.w, 2, 2, 1, 0, 0);
    let pooled = b.op(
      'AveragePool',
      [x.name],
      { kernel_shape: attrInts([2, 2]), strides: attrInts([2, 2]), pads: attrInts([0, 0, 0, 0]) },
      `${prefix}/avgpool`,
    );
    if (o.h !== ph || o.w !== pw) {
      // face-api concatenates one zero row (axis H) and one zero column (axis W) at the end.
      if (o.h + 1 !== ph || o.w + 1 !== pw)
        throw new ConversionError(
          `${prefix}: shortcut ${ph}x${pw} vs branch ${o.h}x${o.w} is not a 1-pixel mismatch`,
        );
      const pads = b.addInt64(`${prefix}/branch_pads`, [0, 0, 0, 0, 0, 0, 1, 1]);
      o = { ...o, name: b.op('Pad', [o.name, pads], {}, `${prefix}/branch_pad`), h: ph, w: pw };
    }
    if (x.c !== cout) {
      if (cout !== 2 * x.c)
        throw new ConversionError(`${prefix}: channel change ${x.c} -> ${cout} is not a doubling`);
      pooled = b.op(
        'Pad',
        [pooled, b.addInt64(`${prefix}/shortcut_pads`, [0, 0, 0, 0, 0, x.c, 0, 0])],
        {},
        `${prefix}/shortcut_pad`,
      );
    }
    const sum = b.op('Add', [pooled, o.name], {}, `${prefix}/add`);
    return { ...o, name: b.op('Relu', [sum], {}, `${prefix}/relu`) };
  }
}

export interface FaceApiBuildResult {
  readonly onnx: Uint8Array;
  readonly inputName: string;
  readonly outputName: string;
}

export const buildRecognitionNet = (
  weights: Map<string, DecodedTensor>,
  opts: FaceApiBuildOptions = {},
): FaceApiBuildResult => {
  const n = new RecognitionNetBuilder(weights, opts.weightStorage ?? 'fp32');
  const b = n.b;
  const S = RECOGNITION_INPUT_SIZE;
  b.reserveValueName('descriptor');
  const input = b.addInput('input', DT.FLOAT, ['batch', S, S, 3]);
  let x = b.op('Transpose', [input], { perm: attrInts([0, 3, 1, 2]) }, 'input/to_nchw');
  x = b.op(
    'Sub',
    [x, b.addFloat('normalize/mean_rgb', [...FACE_API_MEAN_RGB], [1, 3, 1, 1])],
    {},
    'normalize/sub',
  );
  x = b.op('Div', [x, b.addFloat('normalize/255', [255], [])], {}, 'normalize/div');
  let t: Tensor4 = { name: x, c: 3, h: S, w: S };
  t = n.convLayer(t, 'conv32_down', 32, 7, 2, 'VALID', true);
  const mp = b.op(
    'MaxPool',
    [t.name],
    { kernel_shape: attrInts([3, 3]), strides: attrInts([2, 2]), pads: attrInts([0, 0, 0, 0]) },
    'maxpool',
  );
  t = { ...t, name: mp, h: windowOutputSize(t.h, 3, 2, 1, 0, 0), w: windowOutputSize(t.w, 3, 2, 1, 0, 0) };
  for (const p of ['conv32_1', 'conv32_2', 'conv32_3']) t = n.residual(t, p);
  t = n.residualDown(t, 'conv64_down', 64);
  for (const p of ['conv64_1', 'conv64_2', 'conv64_3']) t = n.residual(t, p);
  t = n.residualDown(t, 'conv128_down', 128);
  for (const p of ['conv128_1', 'conv128_2']) t = n.residual(t, p);
  t = n.residualDown(t, 'conv256_down', 256);
  for (const p of ['conv256_1', 'conv256_2']) t = n.residual(t, p);
  t = n.residualDown(t, 'conv256_down_out', 256);
  const pooled = b.op('ReduceMean', [t.name], { axes: attrInts([2, 3]), keepdims: attrInt(0) }, 'global_avg');
  const fc = n.weight('fc', [256, 128]);
  b.addNode('MatMul', [pooled, b.addWeight('fc', fc.data, [256, 128], 1)], {
    name: 'fc',
    outputs: ['descriptor'],
  });
  b.addOutput('descriptor', DT.FLOAT, ['batch', 128]);
  n.assertAllUsed();
  const onnx = b.encode({
    producerName: 'facevault-face-api-builder',
    producerVersion: opts.producerVersion ?? '1',
    docString: 'face-api.js face_recognition_model: NHWC float RGB 0..255, 150x150 -> 128-D descriptor',
    props: opts.metadata ?? [],
  });
  return { onnx, inputName: 'input', outputName: 'descriptor' };
};

export const readFaceApiManifest = (manifestPath: string): Map<string, DecodedTensor> => {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (e) {
    throw new ConversionError(`${manifestPath}: not JSON`, undefined, { cause: e });
  }
  const parsed = weightsManifestSchema.safeParse(raw);
  if (!parsed.success)
    throw new ConversionError(`${manifestPath}: not a weights manifest: ${parsed.error.message}`);
  return decodeWeights(parsed.data, shardReader(dirname(manifestPath)));
};

export const buildRecognitionNetFile = (
  manifestPath: string,
  opts: FaceApiBuildOptions = {},
): FaceApiBuildResult => buildRecognitionNet(readFaceApiManifest(manifestPath), opts);
