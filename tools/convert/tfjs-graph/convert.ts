/**
 * TF.js graph model (model.json + shards) -> ONNX (IR 8, opset 17).
 *
 * Walks the GraphDef from the outputs (signature outputs by name, or every sink node when the model has no
 * signature), in a deterministic depth-first order, and converts each reachable node with the handler
 * registered for its op. Inputs stay NHWC (the TF.js contract) with a symbolic batch dimension; outputs get
 * the signature's names. An op without a handler, a non-constant weight, an unexpected weight shape or any
 * attribute the handler does not understand raises a ConversionError naming the node and op.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConversionError } from '../errors.ts';
import { OnnxGraphBuilder, type Dim, type WeightStorage } from '../onnx/onnx-writer.ts';
import { ConvertContext, onnxType, type ConstData, type ElemType } from './context.ts';
import { attrType, parseModelJson, shapeOf, type TfModelJson, type TfNodeDef } from './model-json.ts';
import { convHandlers } from './ops-conv.ts';
import { elementwiseHandlers } from './ops-elementwise.ts';
import { shapeHandlers } from './ops-shape.ts';
import { decodeWeights, shardReader, type DecodedTensor } from './weights.ts';

export type OpHandler = (ctx: ConvertContext, node: TfNodeDef) => void;

export const HANDLERS: Readonly<Record<string, OpHandler>> = {
  ...convHandlers,
  ...elementwiseHandlers,
  ...shapeHandlers,
};

export const SUPPORTED_OPS: readonly string[] = ['Const', 'Placeholder', ...Object.keys(HANDLERS)].sort();

export interface ConvertOptions {
  readonly weightStorage?: WeightStorage;
  /** Graph name written into the model (default: "model"). */
  readonly graphName?: string;
  /** Extra metadata_props (provenance); written in the given order. */
  readonly metadata?: ReadonlyArray<readonly [string, string]>;
  readonly producerVersion?: string;
}

export interface ConvertResult {
  readonly onnx: Uint8Array;
  readonly inputs: ReadonlyArray<{ name: string; shape: readonly Dim[] }>;
  readonly outputs: ReadonlyArray<{ name: string; tfName: string; shape: readonly Dim[] }>;
  readonly nodeCount: number;
}

const elemOf = (node: TfNodeDef, t: string): ElemType => {
  if (t === 'DT_FLOAT') return 'float32';
  if (t === 'DT_INT32') return 'int32';
  if (t === 'DT_BOOL') return 'bool';
  throw new ConversionError(`unsupported dtype ${t}`, { node: node.name, op: node.op });
};

const toConst = (node: TfNodeDef, w: DecodedTensor | undefined): ConstData => {
  if (w === undefined)
    throw new ConversionError('constant has no entry in the weights manifest', {
      node: node.name,
      op: node.op,
    });
  const declared = shapeOf(node.attr?.value?.tensor?.tensorShape);
  if (
    declared !== undefined &&
    (declared.length !== w.shape.length || declared.some((d, i) => d !== w.shape[i]))
  ) {
    throw new ConversionError(
      `weight shape [${w.shape.join(',')}] differs from the node's [${declared.join(',')}]`,
      { node: node.name, op: node.op },
    );
  }
  return { dtype: w.dtype, shape: w.shape, data: w.data };
};

/** Output tensor refs and ONNX names: the signature's, else every node nobody consumes (graph order). */
const graphOutputs = (m: TfModelJson): Array<{ name: string; ref: string }> => {
  const sig = m.signature?.outputs;
  if (sig !== undefined && Object.keys(sig).length > 0)
    return Object.entries(sig).map(([key, info]) => ({ name: key, ref: info.name }));
  const consumed = new Set<string>();
  for (const n of m.modelTopology.node)
    for (const i of n.input ?? []) consumed.add(i.replace(/^\^/, '').replace(/:\d+$/, ''));
  return m.modelTopology.node
    .filter((n) => !consumed.has(n.name) && n.op !== 'Const' && n.op !== 'Placeholder')
    .map((n) => ({ name: n.name, ref: n.name }));
};

export const convertGraphModel = (
  m: TfModelJson,
  weights: Map<string, DecodedTensor>,
  opts: ConvertOptions = {},
): ConvertResult => {
  const b = new OnnxGraphBuilder(opts.graphName ?? 'model', opts.weightStorage ?? 'fp32');
  const ctx = new ConvertContext(b);
  const byName = new Map<string, TfNodeDef>();
  for (const n of m.modelTopology.node) {
    if (byName.has(n.name)) throw new ConversionError('duplicate node name', { node: n.name, op: n.op });
    byName.set(n.name, n);
  }
  const outputs = graphOutputs(m);
  for (const o of outputs) b.reserveValueName(o.name);
  const inputs: Array<{ name: string; shape: readonly Dim[] }> = [];

  // Iterative post-order DFS: a node is converted after all its data and control inputs.
  const done = new Set<string>();
  const visit = (root: string): void => {
    const stack: Array<{ name: string; expanded: boolean }> = [{ name: root, expanded: false }];
    const onStack = new Set<string>();
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top === undefined) break;
      if (done.has(top.name)) {
        stack.pop();
        continue;
      }
      const node = byName.get(top.name);
      if (node === undefined) throw new ConversionError(`graph references missing node "${top.name}"`);
      if (!top.expanded) {
        top.expanded = true;
        onStack.add(top.name);
        const deps = (node.input ?? []).map((i) => i.replace(/^\^/, '').replace(/:\d+$/, ''));
        for (const d of [...deps].reverse()) {
          if (onStack.has(d) && !done.has(d))
            throw new ConversionError('graph has a cycle', { node: node.name, op: node.op });
          if (!done.has(d)) stack.push({ name: d, expanded: false });
        }
        continue;
      }
      stack.pop();
      onStack.delete(top.name);
      convertNode(node);
      done.add(node.name);
    }
  };

  const convertNode = (node: TfNodeDef): void => {
    if (node.op === 'Const') {
      const c = toConst(node, weights.get(node.name));
      ctx.set(node, 0, { dtype: c.dtype, shape: c.shape, constant: c });
      return;
    }
    if (node.op === 'Placeholder') {
      const shape = shapeOf(node.attr?.shape?.shape);
      if (shape === undefined)
        throw new ConversionError('input of unknown rank', { node: node.name, op: node.op });
      const dtype = elemOf(node, attrType(node, 'dtype'));
      const dims: Dim[] = shape.map((d, i) => (d >= 0 ? d : i === 0 ? 'batch' : `${node.name}_dim${i}`));
      b.addInput(node.name, onnxType(dtype), dims);
      inputs.push({ name: node.name, shape: dims });
      ctx.set(node, 0, { dtype, shape, nhwc: node.name });
      return;
    }
    const handler = HANDLERS[node.op];
    if (handler === undefined)
      throw new ConversionError(`unsupported op "${node.op}"`, { node: node.name, op: node.op });
    try {
      handler(ctx, node);
    } catch (e) {
      if (e instanceof ConversionError && e.node !== undefined) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      throw new ConversionError(msg, { node: node.name, op: node.op }, { cause: e });
    }
  };

  for (const o of outputs) visit(o.ref.replace(/:\d+$/, ''));

  const outInfo: Array<{ name: string; tfName: string; shape: readonly Dim[] }> = [];
  for (const o of outputs) {
    const v = ctx.get(o.ref);
    const src = ctx.plain(v, o.name);
    b.addNode('Identity', [src], { name: `output/${o.name}`, outputs: [o.name] });
    const dims: Dim[] = (v.shape ?? []).map((d, i) => (d >= 0 ? d : i === 0 ? 'batch' : `${o.name}_dim${i}`));
    b.addOutput(o.name, onnxType(v.dtype), dims);
    outInfo.push({ name: o.name, tfName: o.ref, shape: dims });
  }
  const onnx = b.encode({
    producerName: 'facevault-tfjs-graph-converter',
    producerVersion: opts.producerVersion ?? '1',
    docString: '',
    props: opts.metadata ?? [],
  });
  return { onnx, inputs, outputs: outInfo, nodeCount: b.nodeCount };
};

/** Reads model.json and its shards from disk and converts them. */
export const convertGraphModelFile = (modelJsonPath: string, opts: ConvertOptions = {}): ConvertResult => {
  const m = parseModelJson(readFileSync(modelJsonPath, 'utf8'), modelJsonPath);
  const weights = decodeWeights(m.weightsManifest, shardReader(dirname(modelJsonPath)));
  return convertGraphModel(m, weights, opts);
};
