/**
 * Lossless ONNX reading for the fp16 rewriter (src/main/model/onnx/fp16-weights.ts):
 * - every reference model in ../shared/models/reference decodes and re-encodes byte for byte with our
 *   schema (onnx-subset.proto);
 * - unknown fields (top level and nested), non-canonical encodings and external data are refused with a
 *   typed, named error instead of being dropped;
 * - the rewrite rules on a synthetic graph: which initializer is converted and which rule keeps each other
 *   one float32; graph inputs that shadow converted initializers are removed; output is deterministic.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import {
  convertWeightsToFp16,
  decodeOnnxModel,
  encodeOnnxModel,
  OnnxRewriteError,
  type Fp16ErrorCode,
} from '../../../src/main/model/onnx/fp16-weights.ts';
import { DT, OnnxGraphBuilder, decodeModel } from '../../../tools/convert/onnx/onnx-writer.ts';
import { referenceModelsDir } from '../../support/shared-data.ts';

const referenceModels = (): string[] =>
  readdirSync(referenceModelsDir())
    .map((d) => join(referenceModelsDir(), d))
    .filter((d) => statSync(d).isDirectory())
    .flatMap((d) =>
      readdirSync(d)
        .filter((f) => f.endsWith('.onnx'))
        .map((f) => join(d, f)),
    )
    .sort();

const root = protobuf.loadSync(join(import.meta.dirname, '../../../tools/convert/onnx/onnx-subset.proto'));
const ModelProto = root.lookupType('onnx.ModelProto');

const rejects = (bytes: Uint8Array, code: Fp16ErrorCode, message: RegExp): void => {
  let err: unknown;
  try {
    decodeOnnxModel(bytes);
    convertWeightsToFp16(bytes);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(OnnxRewriteError);
  if (err instanceof OnnxRewriteError) {
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
  }
};

describe('ONNX decode -> encode round trip', () => {
  const models = referenceModels();

  it('finds the reference models', () => {
    expect(models.length).toBeGreaterThanOrEqual(5);
  });

  it.each(models.map((m) => [m.slice(referenceModelsDir().length + 1), m]))(
    '%s is byte-identical',
    (_name, path) => {
      const bytes = new Uint8Array(readFileSync(path));
      const again = encodeOnnxModel(decodeOnnxModel(bytes));
      expect(again.length).toBe(bytes.length);
      expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
    },
  );

  it('refuses an unknown top-level field instead of dropping it', () => {
    const bytes = new Uint8Array(readFileSync(models[0]!));
    const extra = protobuf.Writer.create()
      .uint32((99 << 3) | 0)
      .uint32(1)
      .finish();
    rejects(
      Buffer.concat([bytes, extra]),
      'ONNX_UNKNOWN_FIELD',
      /^ModelProto: field number 99 \(varint\) is not in the ONNX schema/,
    );
  });

  it('refuses an unknown field deep inside the graph, naming its path', () => {
    const node = protobuf.Writer.create();
    node.uint32((4 << 3) | 2).string('Relu'); // op_type
    node.uint32((42 << 3) | 2).string('vendor extension'); // unknown field 42
    const graph = protobuf.Writer.create()
      .uint32((1 << 3) | 2)
      .bytes(node.finish()); // node[0]
    const model = protobuf.Writer.create()
      .uint32((1 << 3) | 0)
      .uint32(8)
      .uint32((7 << 3) | 2)
      .bytes(graph.finish());
    rejects(
      model.finish(),
      'ONNX_UNKNOWN_FIELD',
      /^ModelProto\.graph\.node\[0\]: field number 42 \(length-delimited\)/,
    );
  });

  it('refuses a wire type the schema cannot hold', () => {
    const model = protobuf.Writer.create()
      .uint32((1 << 3) | 2)
      .string('eight'); // ir_version as bytes
    rejects(model.finish(), 'ONNX_MALFORMED', /ModelProto\.irVersion: unexpected wire type length-delimited/);
  });

  it('refuses a valid but non-canonical encoding (repeated singular field) that would not come back identical', () => {
    const model = protobuf.Writer.create()
      .uint32(1 << 3)
      .uint32(7)
      .uint32(1 << 3)
      .uint32(8);
    rejects(model.finish(), 'ONNX_NOT_CANONICAL', /differs from the file at byte 1 \(4 B in, 2 B out\)/);
  });
});

/** A small fp32 graph exercising each rule; returns its bytes. */
const syntheticModel = (): Uint8Array => {
  const b = new OnnxGraphBuilder('rules');
  b.addInput('x', DT.FLOAT, [1, 4, 8, 16]);
  const w = b.addFloat(
    'conv_w',
    Float32Array.from({ length: 8 * 4 * 9 }, (_, i) => Math.sin(i) * 0.3),
    [8, 4, 3, 3],
  );
  const c = b.op('Conv', ['x', w], { pads: { kind: 'ints', value: [1, 1, 1, 1] } });
  const scales = b.addFloat('scales', [1, 1, 2, 2]);
  const roi = b.addFloat('roi', []);
  const up = b.op('Resize', [c, roi, scales], { mode: { kind: 'string', value: 'nearest' } });
  const huge = b.addFloat(
    'huge',
    Float32Array.from({ length: 256 }, (_, i) => (i === 7 ? 1e5 : 1)),
    [1, 8, 1, 32],
  );
  const shape = b.addFloat('shape_like', [1, 2, 3, 4], [4]);
  const small = b.addFloat(
    'small',
    Float32Array.from({ length: 32 }, (_, i) => i / 7),
    [1, 8, 1, 4],
  );
  const tiny = b.addFloat(
    'tiny',
    Float32Array.from({ length: 256 }, () => 1e-9),
    [1, 8, 1, 32],
  );
  b.addFloat(
    'unused',
    Float32Array.from({ length: 256 }, () => 0.5),
  );
  const m1 = b.op('Mul', [up, huge]);
  const m2 = b.op('Add', [m1, tiny]);
  const m3 = b.op('Mul', [m2, b.op('Tile', [small, b.addInt64('reps', [1, 1, 16, 8])])]);
  b.reserveValueName('y');
  b.addNode('Mul', [m3, b.op('Reshape', [shape, b.addInt64('s4', [1, 1, 1, 4])])], { outputs: ['y'] });
  b.addOutput('y', DT.FLOAT, [1, 8, 16, 32]);
  return b.encode({ producerName: 'test', producerVersion: '1', docString: '', props: [] });
};

describe('fp16 rewrite rules', () => {
  it('converts the conv weight and says which rule kept each other initializer', () => {
    const { model, report } = convertWeightsToFp16(syntheticModel());
    expect(report.converted.map((t) => t.name)).toEqual(['conv_w']);
    expect(report.converted[0]!.maxRelError).toBeLessThanOrEqual(2 ** -11);
    const rules = Object.fromEntries(report.skipped.map((s) => [s.name, s.rule]));
    expect(rules).toEqual({
      scales: 'static-input',
      roi: 'static-input',
      huge: 'out-of-range',
      shape_like: 'shape-like',
      small: 'too-small',
      tiny: 'precision',
      unused: 'unused',
      reps: 'not-float32',
      s4: 'not-float32',
    });
    expect(report.skipped.find((s) => s.name === 'scales')!.detail).toMatch(/Resize input 2 \(scales\)/);
    expect(report.outputBytes).toBe(model.length);

    const m = decodeModel(model) as {
      graph: {
        node: Array<{ opType: string; input: string[]; output: string[] }>;
        initializer: Array<{ name: string; dataType: number }>;
      };
    }; // decodeModel returns the plain-object ModelProto
    expect(m.graph.node[0]).toMatchObject({ opType: 'Cast', input: ['conv_w_fp16'], output: ['conv_w'] });
    expect(m.graph.initializer.find((t) => t.name === 'conv_w_fp16')?.dataType).toBe(DT.FLOAT16);
    expect(m.graph.initializer.find((t) => t.name === 'scales')?.dataType).toBe(DT.FLOAT);
  });

  it('is deterministic', () => {
    const a = convertWeightsToFp16(syntheticModel()).model;
    expect(Buffer.from(a).equals(Buffer.from(convertWeightsToFp16(syntheticModel()).model))).toBe(true);
  });

  it('removes graph inputs that only carried converted initializers (keep_initializers_as_inputs exports)', () => {
    const path = referenceModels().find((p) => p.endsWith('MiniFASNetV2.onnx'))!;
    const { model, report } = convertWeightsToFp16(new Uint8Array(readFileSync(path)));
    expect(report.removedGraphInputs.length).toBe(report.converted.length);
    const inputs = (decodeModel(model) as { graph: { input: Array<{ name: string }> } }).graph.input.map(
      (i) => i.name,
    ); // plain-object ModelProto
    expect(inputs).toContain('input.1');
    for (const n of report.removedGraphInputs) expect(inputs).not.toContain(n);
  });

  it('refuses external data, naming the tensor and its file', () => {
    const bytes = ModelProto.encode(
      ModelProto.fromObject({
        irVersion: 8,
        opsetImport: [{ domain: '', version: 17 }],
        graph: {
          node: [{ input: ['x', 'w'], output: ['y'], opType: 'MatMul' }],
          initializer: [
            {
              name: 'w',
              dims: [4, 4],
              dataType: DT.FLOAT,
              dataLocation: 1,
              externalData: [{ key: 'location', value: 'weights.bin' }],
            },
          ],
        },
      }),
    ).finish();
    rejects(
      bytes,
      'ONNX_EXTERNAL_DATA',
      /tensor "w" \(ModelProto\.graph\.initializer\[0\]\) keeps its data in an external file \(weights\.bin\)/,
    );
  });

  it('refuses models without a default-domain opset >= 6', () => {
    const bytes = ModelProto.encode(
      ModelProto.fromObject({
        irVersion: 3,
        opsetImport: [{ domain: '', version: 5 }],
        graph: { name: 'g' },
      }),
    ).finish();
    rejects(bytes, 'ONNX_UNSUPPORTED', /opset 5/);
  });
});
