import { describe, expect, it } from 'vitest';
import { floatToHalf, halfToFloat } from '../../../src/main/model/onnx/float16.ts';
import {
  DT,
  decodeModel,
  IR_VERSION,
  OnnxGraphBuilder,
  OPSET,
  attrInts,
} from '../../../tools/convert/onnx/onnx-writer.ts';

const build = (storage: 'fp32' | 'fp16' | 'int8' = 'fp32'): Uint8Array => {
  const b = new OnnxGraphBuilder('g', storage);
  b.reserveValueName('y');
  b.addInput('x', DT.FLOAT, ['batch', 4]);
  const w = b.addWeight(
    'w',
    Float32Array.from({ length: 4096 }, (_, i) => Math.sin(i)),
    [4, 1024],
    0,
  );
  const t = b.op('Transpose', ['x'], { perm: attrInts([1, 0]) });
  b.addNode('MatMul', [t, w], { outputs: ['y'] });
  b.addOutput('y', DT.FLOAT, [4, 1024]);
  return b.encode({ producerName: 'test', producerVersion: '1', docString: '', props: [['k', 'v']] });
};

describe('ONNX writer', () => {
  it('is deterministic: the same calls give byte-identical files', () => {
    expect(Buffer.from(build()).equals(Buffer.from(build()))).toBe(true);
    expect(Buffer.from(build('int8')).equals(Buffer.from(build('int8')))).toBe(true);
  });

  it('writes IR 8, opset 17, names, metadata, and reserved output names verbatim', () => {
    const m = decodeModel(build());
    expect(m.irVersion).toBe(IR_VERSION);
    expect(m.opsetImport).toEqual([{ domain: '', version: OPSET }]);
    expect(JSON.stringify(m)).toContain('"output":["y"]');
    expect(m.metadataProps).toEqual([{ key: 'k', value: 'v' }]);
  });

  it('fp16 and int8 storage shrink the weights', () => {
    const fp32 = build().length;
    expect(build('fp16').length).toBeLessThan(fp32 * 0.55);
    expect(build('int8').length).toBeLessThan(fp32 * 0.3);
  });

  it('float16 round trip is exact for halves and rounds to nearest even', () => {
    for (const v of [0, 1, -2, 0.5, 65504, 6.103515625e-5, 5.960464477539063e-8])
      expect(halfToFloat(floatToHalf(v))).toBe(v);
    expect(floatToHalf(1 + 2 ** -11)).toBe(floatToHalf(1)); // tie -> even
    expect(floatToHalf(1e6)).toBe(0x7c00);
    expect(Number.isNaN(halfToFloat(floatToHalf(NaN)))).toBe(true);
  });
});
