/**
 * Embedders of the npm-derived default set, both NHWC (TF.js heritage) and fed through the same one-pass
 * similarity warp as the ArcFace embedder (align.ts), then interleaved into the NHWC input:
 *
 * - `dlib-chip-150`: dlib's face recognition ResNet (face-api.js `face_recognition_model`). The 5 landmarks
 *   are fitted to dlib's face-chip mean face (dlib-chip.ts) at the descriptor's padding (dlib: 150 px, 0.25).
 *   The ONNX graph normalises itself ((x − [122.782, 117.001, 104.298]) / 255, docs/models.md), so the
 *   descriptor feeds raw RGB 0..255 (mean 0, std 1).
 * - `faceres`: Human's HSE-FaceRes 1024-D descriptor (input 224, RGB 0..255, output named in the descriptor).
 *   Human crops the BlazeFace box ×1.4 square; we fit the landmarks to `template` instead (unit-square
 *   coordinates of the 5 points in that crop, measured on LFW: see tools/npm-descriptors.ts).
 *
 * Output: L2-normalised; with flip TTA (descriptor `flipTta` or the pipeline option) the mirrored crop runs
 * in the same batch and the two unit vectors are summed before normalising. Not re-entrant.
 */
import { estimateSimilarity, warpToTensor } from './align.ts';
import { dlibChipTemplate } from './dlib-chip.ts';
import { combineViews, type EmbedderOptions, type FaceEmbedder } from './embed.ts';
import { ModelFamilyError } from './errors.ts';
import type { DlibChipDescriptor, FaceresDescriptor, ModelHandle } from './family.ts';
import type { Frame } from './frame.ts';
import { floatOutput, floatTensor, runSingle } from './ort-io.ts';

function chipEmbedder(
  handle: ModelHandle,
  d: DlibChipDescriptor | FaceresDescriptor,
  template: Float32Array,
  outputName: string | undefined,
  options: EmbedderOptions,
): FaceEmbedder {
  const { session } = handle;
  if (d.input.width !== d.input.height || d.input.dynamic)
    throw new ModelFamilyError(`${d.family} embedders need a fixed square input`);
  const size = d.input.width;
  const batch = options.flipTta === true || d.flipTta === true ? 2 : 1;
  const plane = size * size;
  const planar = new Float32Array(batch * 3 * plane);
  const input = new Float32Array(batch * 3 * plane);
  const tensor = floatTensor(input, [batch, size, size, 3]);
  const dim = d.embeddingDim;
  const outName = outputName ?? session.outputNames[0];
  if (outName === undefined || !session.outputNames.includes(outName))
    throw new ModelFamilyError(`${d.family} embedder has no output ${String(outName)}`);

  return {
    dim,
    async embed(frame: Frame, landmarks: ArrayLike<number>): Promise<Float32Array> {
      if (landmarks.length !== 10)
        throw new RangeError(`expected 5 landmarks (10 numbers), got ${landmarks.length}`);
      const toCrop = estimateSimilarity(landmarks, template);
      warpToTensor(
        frame,
        toCrop,
        d,
        batch === 2
          ? { out: planar, offset: 0, size, flipOffset: 3 * plane }
          : { out: planar, offset: 0, size },
      );
      // Planar (NCHW) → interleaved (NHWC), per batch item.
      for (let b = 0; b < batch; b++) {
        const base = 3 * plane * b;
        for (let p = 0, o = base; p < plane; p++, o += 3) {
          input[o] = planar[base + p]!;
          input[o + 1] = planar[base + plane + p]!;
          input[o + 2] = planar[base + 2 * plane + p]!;
        }
      }
      const results = await runSingle(session, tensor, d.input.name);
      const raw = floatOutput(results, outName, batch * dim);
      return combineViews(raw, dim, batch);
    },
  };
}

export function createDlibChipEmbedder(handle: ModelHandle, options: EmbedderOptions = {}): FaceEmbedder {
  const d = handle.descriptor;
  if (d.family !== 'dlib-chip-150')
    throw new ModelFamilyError(`expected a dlib-chip-150 model, got ${d.family}`);
  return chipEmbedder(handle, d, dlibChipTemplate(d.input.width, d.padding), d.output, options);
}

export function createFaceresEmbedder(handle: ModelHandle, options: EmbedderOptions = {}): FaceEmbedder {
  const d = handle.descriptor;
  if (d.family !== 'faceres') throw new ModelFamilyError(`expected a faceres model, got ${d.family}`);
  const template = Float32Array.from(d.template, (v) => v * d.input.width);
  return chipEmbedder(handle, d, template, d.output, options);
}
