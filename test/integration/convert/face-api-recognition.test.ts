/**
 * Equivalence of the face-api recognition-net builder: the ONNX net in onnxruntime-node vs face-api's own
 * FaceRecognitionNet (its code, its weight loader, tfjs CPU backend) on the same 150x150 RGB inputs — a
 * seeded random image and real LFW face crops — asserting max |Δ| <= 1e-4 * max |ref| on the 128-D
 * descriptor. The measured figure is printed.
 */
import { join } from 'node:path';
import * as faceapi from '@vladmandic/face-api/dist/face-api.node-wasm.js';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildRecognitionNetFile,
  RECOGNITION_INPUT_SIZE,
} from '../../../tools/convert/face-api/recognition-net.ts';
import { projectRoot } from '../../support/shared-data.ts';
import { FACE_CROP, lfwSample, loadCrop } from './lfw-crops.ts';
import { compare, randomTensor, runOnnx, tfjsCpu } from './tfjs-reference.ts';

const MODEL_DIR = join(projectRoot, 'node_modules/@vladmandic/face-api/model');
const S = RECOGNITION_INPUT_SIZE;
const TOLERANCE = 1e-4;

describe('face-api recognition net built as ONNX matches face-api', () => {
  let session: ort.InferenceSession;
  let inputName = '';
  let outputName = '';

  beforeAll(async () => {
    const built = buildRecognitionNetFile(join(MODEL_DIR, 'face_recognition_model-weights_manifest.json'));
    inputName = built.inputName;
    outputName = built.outputName;
    session = await ort.InferenceSession.create(built.onnx);
    await tfjsCpu(); // face-api.node-wasm requires this same @tensorflow/tfjs instance, so it runs on CPU too
    await faceapi.nets.faceRecognitionNet.loadFromDisk(MODEL_DIR);
  });

  it(`agrees within ${TOLERANCE} of the descriptor scale on random and LFW inputs`, async () => {
    const inputs: Array<[string, Float32Array]> = [['random', randomTensor(S * S * 3, 5, 0, 255)]];
    for (const img of lfwSample(3, 200))
      inputs.push([img.split('/').pop() ?? img, await loadCrop(img, FACE_CROP, S, (p) => p)]);
    for (const [label, x] of inputs) {
      const got = (await runOnnx(session, inputName, x, [1, S, S, 3]))[outputName];
      const t = faceapi.tf.tensor3d(x, [S, S, 3]);
      const ref = await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(t);
      t.dispose();
      if (got === undefined || !(ref instanceof Float32Array)) throw new Error('missing descriptor');
      const d = compare(ref, got);
      console.log(
        `face-api recognition [${label}]: max|Δ| ${d.maxAbs.toExponential(2)} = ${d.rel.toExponential(2)} × scale ${d.scale.toPrecision(3)}`,
      );
      expect(d.rel, label).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it('handles a batch: each row equals the single-image result', async () => {
    const a = randomTensor(S * S * 3, 8, 0, 255);
    const b = randomTensor(S * S * 3, 9, 0, 255);
    const both = new Float32Array(2 * S * S * 3);
    both.set(a);
    both.set(b, a.length);
    const batch = (await runOnnx(session, inputName, both, [2, S, S, 3]))[outputName];
    const one = (await runOnnx(session, inputName, b, [1, S, S, 3]))[outputName];
    if (batch === undefined || one === undefined) throw new Error('missing descriptor');
    expect(compare(one, batch.subarray(128)).rel).toBeLessThanOrEqual(1e-6);
  });
});
