/**
 * Builds the face-api recognition net as ONNX and compares it with face-api's own code (tfjs CPU) on a
 * random 150x150 input. Usage: node bench/convert-faceapi-check.ts
 */
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import * as faceapi from '@vladmandic/face-api/dist/face-api.node-wasm.js';
import { buildRecognitionNetFile } from '../tools/convert/face-api/recognition-net.ts';
import { compare, randomTensor, runOnnx, tfjsCpu } from '../test/integration/convert/tfjs-reference.ts';
import { projectRoot } from '../test/support/shared-data.ts';

const dir = join(projectRoot, 'node_modules/@vladmandic/face-api/model');
const t0 = performance.now();
const r = buildRecognitionNetFile(join(dir, 'face_recognition_model-weights_manifest.json'));
const t1 = performance.now();
const s = await ort.InferenceSession.create(r.onnx);
const t2 = performance.now();
const x = randomTensor(150 * 150 * 3, 3, 0, 255);
const got = (await runOnnx(s, r.inputName, x, [1, 150, 150, 3]))[r.outputName];
const t3 = performance.now();
await runOnnx(s, r.inputName, x, [1, 150, 150, 3]);
const t4 = performance.now();
await tfjsCpu(); // face-api.node-wasm shares this @tensorflow/tfjs instance
await faceapi.nets.faceRecognitionNet.loadFromDisk(dir);
const ref = await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(
  faceapi.tf.tensor3d(x, [150, 150, 3]),
);
if (got === undefined || !(ref instanceof Float32Array)) throw new Error('no output');
const d = compare(ref, got);
console.log(
  `face-api recognition\trel ${d.rel.toExponential(2)}\tmaxAbs ${d.maxAbs.toExponential(2)}\tscale ${d.scale.toPrecision(3)}`,
);
console.log(
  `${r.onnx.length} bytes\tbuild ${(t1 - t0).toFixed(0)} ms\tsession ${(t2 - t1).toFixed(0)} ms\tfirst ${(t3 - t2).toFixed(1)} ms\trun ${(t4 - t3).toFixed(1)} ms`,
);
