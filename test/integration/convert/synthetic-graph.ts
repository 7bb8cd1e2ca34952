/**
 * Builds small TF.js graph models in memory (GraphDef JSON + weights) so single ops and attribute
 * combinations can be converted and checked against tfjs without a model file.
 */
import * as tf from '@tensorflow/tfjs';
import type { TfModelJson, TfNodeDef } from '../../../tools/convert/tfjs-graph/model-json.ts';
import type { DecodedTensor } from '../../../tools/convert/tfjs-graph/weights.ts';

export interface ConstSpec {
  readonly name: string;
  readonly shape: number[];
  readonly data: Float32Array | Int32Array;
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** AttrValue helpers in the JSON-protobuf form tensorflowjs_converter writes. */
export const A = {
  s: (v: string) => ({ s: b64(v) }),
  i: (v: number) => ({ i: String(v) }),
  f: (v: number) => ({ f: v }),
  b: (v: boolean) => ({ b: v }),
  ints: (v: number[]) => ({ list: { i: v.map(String) } }),
  strs: (v: string[]) => ({ list: { s: v.map(b64) } }),
  type: (v: string) => ({ type: v }),
};

export const placeholder = (name: string, shape: number[]): TfNodeDef => ({
  name,
  op: 'Placeholder',
  attr: { dtype: A.type('DT_FLOAT'), shape: { shape: { dim: shape.map((d) => ({ size: String(d) })) } } },
});

export interface Synthetic {
  readonly model: TfModelJson;
  readonly weights: Map<string, DecodedTensor>;
  readonly tfModel: () => Promise<tf.GraphModel>;
}

export const synthetic = (nodes: TfNodeDef[], consts: ConstSpec[], outputs: string[]): Synthetic => {
  const constNodes: TfNodeDef[] = consts.map((c) => ({
    name: c.name,
    op: 'Const',
    attr: {
      dtype: A.type(c.data instanceof Float32Array ? 'DT_FLOAT' : 'DT_INT32'),
      value: {
        tensor: {
          dtype: c.data instanceof Float32Array ? 'DT_FLOAT' : 'DT_INT32',
          tensorShape: { dim: c.shape.map((d) => ({ size: String(d) })) },
        },
      },
    },
  }));
  const weightsSpec = consts.map((c) => ({
    name: c.name,
    shape: c.shape,
    dtype: c.data instanceof Float32Array ? ('float32' as const) : ('int32' as const),
  }));
  const model: TfModelJson = {
    format: 'graph-model',
    signature: { outputs: Object.fromEntries(outputs.map((o) => [o, { name: o }])) },
    modelTopology: { node: [...constNodes, ...nodes], versions: {} },
    weightsManifest: [{ paths: ['synthetic.bin'], weights: weightsSpec }],
  };
  const weights = new Map<string, DecodedTensor>(
    consts.map((c) => [
      c.name,
      { dtype: c.data instanceof Float32Array ? 'float32' : 'int32', shape: c.shape, data: c.data },
    ]),
  );
  const total = consts.reduce((a, c) => a + c.data.byteLength, 0);
  const buf = new Uint8Array(total);
  let at = 0;
  for (const c of consts) {
    buf.set(new Uint8Array(c.data.buffer, c.data.byteOffset, c.data.byteLength), at);
    at += c.data.byteLength;
  }
  const tfModel = async (): Promise<tf.GraphModel> => {
    await tf.setBackend('cpu');
    return tf.loadGraphModel(
      tf.io.fromMemory({
        modelTopology: model.modelTopology,
        format: 'graph-model',
        signature: model.signature,
        weightSpecs: weightsSpec,
        weightData: buf.buffer,
      }),
    );
  };
  return { model, weights, tfModel };
};
