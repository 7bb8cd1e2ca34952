/**
 * Equivalence of the TF.js graph-model converter on the Human face models we may ship: each converted model
 * runs in onnxruntime-node and the original in @tensorflow/tfjs (CPU backend) on the same inputs — seeded
 * random tensors in the model's input range and real LFW face crops — and every output must agree to
 * max |ref - onnx| <= 1e-4 * max |ref|. The measured figure is printed per model and output.
 *
 * One stated exception to "scale = max |ref|": a probability output (Sigmoid/Softmax head) whose largest
 * value is far below its [0, 1] range — facemesh's face flag on a noise image is ~9e-5 — is judged against
 * its range (scale 1), because a saturated sigmoid turns float32 noise in its logit (~1e-5 relative) into a
 * larger relative error of a near-zero probability. The strict ratio is still printed.
 */
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { convertGraphModelFile } from '../../../tools/convert/tfjs-graph/convert.ts';
import { projectRoot } from '../../support/shared-data.ts';
import { FACE_CROP, FULL_IMAGE, lfwSample, loadCrop, type Crop } from './lfw-crops.ts';
import { compare, loadTfjsGraphModel, randomTensor, runOnnx, runTfjs } from './tfjs-reference.ts';

interface Case {
  readonly model: string;
  readonly size: number;
  readonly crop: Crop;
  /** Human's input convention for the model (pixel 0..255 -> input). */
  readonly norm: (p: number) => number;
  readonly range: readonly [number, number];
}

const CASES: readonly Case[] = [
  { model: 'blazeface', size: 256, crop: FULL_IMAGE, norm: (p) => p / 127.5 - 1, range: [-1, 1] },
  { model: 'faceres', size: 224, crop: FACE_CROP, norm: (p) => p, range: [0, 255] },
  { model: 'facemesh', size: 192, crop: FACE_CROP, norm: (p) => p / 255, range: [0, 1] },
  { model: 'iris', size: 64, crop: { left: 80, top: 90, size: 48 }, norm: (p) => p / 255, range: [0, 1] },
  { model: 'antispoof', size: 128, crop: FACE_CROP, norm: (p) => p / 255, range: [0, 1] },
  { model: 'liveness', size: 32, crop: FACE_CROP, norm: (p) => p / 255, range: [0, 1] },
];

const TOLERANCE = 1e-4;
/** Outputs that are probabilities (sigmoid/softmax heads): their natural scale is their range, 1. */
const PROBABILITY_OUTPUTS = new Set([
  'facemesh/output_faceflag',
  'faceres/gender_pred/Sigmoid:0',
  'faceres/age_pred/Softmax:0',
  'antispoof/activation_4',
  'liveness/activation_6',
]);
const images = lfwSample(2, 100);

describe('TF.js graph models converted to ONNX match tfjs', () => {
  for (const c of CASES) {
    it(`${c.model}: random + LFW inputs agree within ${TOLERANCE} of the output scale`, async () => {
      const path = join(projectRoot, 'node_modules/@vladmandic/human/models', `${c.model}.json`);
      const converted = convertGraphModelFile(path);
      const session = await ort.InferenceSession.create(converted.onnx);
      const tfModel = await loadTfjsGraphModel(path);
      const input = converted.inputs[0];
      expect(input?.shape.slice(1)).toEqual([c.size, c.size, 3]);
      const shape = [1, c.size, c.size, 3];
      const inputs: Array<[string, Float32Array]> = [
        ['random', randomTensor(c.size * c.size * 3, 11, c.range[0], c.range[1])],
      ];
      for (const img of images)
        inputs.push([img.split('/').pop() ?? img, await loadCrop(img, c.crop, c.size, c.norm)]);
      try {
        for (const [label, x] of inputs) {
          const got = await runOnnx(session, input?.name ?? '', x, shape);
          const refs = runTfjs(
            tfModel,
            x,
            shape,
            converted.outputs.map((o) => o.tfName),
          );
          converted.outputs.forEach((o, i) => {
            const ref = refs[i];
            const out = got[o.name];
            if (ref === undefined || out === undefined) throw new Error(`missing output ${o.name}`);
            const d = compare(ref, out);
            console.log(
              `${c.model} ${o.name} [${label}]: max|Δ| ${d.maxAbs.toExponential(2)} = ${d.rel.toExponential(2)} × scale ${d.scale.toPrecision(3)}`,
            );
            const scale = PROBABILITY_OUTPUTS.has(`${c.model}/${o.name}`) ? Math.max(d.scale, 1) : d.scale;
            expect(d.maxAbs, `${c.model} ${o.name} on ${label}`).toBeLessThanOrEqual(TOLERANCE * scale);
          });
        }
      } finally {
        tfModel.dispose();
        await session.release();
      }
    });
  }
});
