/**
 * Converts the Human graph models shipped in @vladmandic/human and prints, per model, the max output
 * difference between the ONNX model in onnxruntime-node and the original in tfjs (CPU) on a random input,
 * plus sizes and ORT timings. Usage: node bench/convert-check.ts [model ...]
 */
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { convertGraphModelFile } from '../tools/convert/tfjs-graph/convert.ts';
import {
  compare,
  loadTfjsGraphModel,
  randomTensor,
  runOnnx,
  runTfjs,
} from '../test/integration/convert/tfjs-reference.ts';
import { projectRoot } from '../test/support/shared-data.ts';

const names =
  process.argv.slice(2).length > 0
    ? process.argv.slice(2)
    : ['blazeface', 'faceres', 'antispoof', 'liveness', 'facemesh', 'iris'];
for (const name of names) {
  const path = join(projectRoot, 'node_modules/@vladmandic/human/models', `${name}.json`);
  const t0 = performance.now();
  const r = convertGraphModelFile(path);
  const t1 = performance.now();
  const s = await ort.InferenceSession.create(r.onnx);
  const t2 = performance.now();
  const inp = r.inputs[0];
  if (inp === undefined) throw new Error('no input');
  const shape = inp.shape.map((d) => (typeof d === 'number' ? d : 1));
  const x = randomTensor(
    shape.reduce((a, b) => a * b, 1),
    7,
  );
  await runOnnx(s, inp.name, x, shape);
  const t3 = performance.now();
  const got = await runOnnx(s, inp.name, x, shape);
  const t4 = performance.now();
  const tfm = await loadTfjsGraphModel(path);
  const refs = runTfjs(
    tfm,
    x,
    shape,
    r.outputs.map((o) => o.tfName),
  );
  r.outputs.forEach((o, i) => {
    const ref = refs[i];
    const g = got[o.name];
    if (ref === undefined || g === undefined) throw new Error(`missing output ${o.name}`);
    const d = compare(ref, g);
    console.log(
      `${name}\t${o.name}\trel ${d.rel.toExponential(2)}\tmaxAbs ${d.maxAbs.toExponential(2)}\tscale ${d.scale.toPrecision(3)}`,
    );
  });
  console.log(
    `${name}\t${r.onnx.length} bytes\t${r.nodeCount} nodes\tconvert ${(t1 - t0).toFixed(0)} ms\tsession ${(t2 - t1).toFixed(0)} ms\tfirst run ${(t3 - t2).toFixed(1)} ms\trun ${(t4 - t3).toFixed(1)} ms`,
  );
}
