/**
 * Descriptors of the reference models in ../shared/models/reference, transcribed from each README.txt: the
 * presets of `facevault pack --preset` (vendor side; the app reads descriptors only from signed bundles).
 * Tests and benches that load the reference models import them from here.
 * `verifyThreshold` for w600k_mbf_int8 comes from the accuracy benchmark (FAR 1e-5 over all LFW impostors).
 */
import {
  arcfaceDescriptorSchema,
  minifasnetDescriptorSchema,
  scrfdDescriptorSchema,
  yunetDescriptorSchema,
} from '../../main/face/family.ts';

const YUNET_REFERENCE = {
  family: 'yunet',
  input: { width: 640, height: 640, dynamic: false },
  layout: 'nchw',
  channelOrder: 'bgr',
  mean: [0, 0, 0],
  std: [1, 1, 1],
  decoding: { strides: [8, 16, 32], scoreThreshold: 0.6, nmsIou: 0.3 },
} as const;

export const REFERENCE_DESCRIPTORS = {
  yunet: yunetDescriptorSchema.parse(YUNET_REFERENCE),
  // Same weights with dynamic H/W (README: bit-identical outputs at 640×640).
  yunetDynamic: yunetDescriptorSchema.parse({
    ...YUNET_REFERENCE,
    input: { ...YUNET_REFERENCE.input, dynamic: true },
  }),
  scrfd: scrfdDescriptorSchema.parse({
    family: 'scrfd',
    input: { width: 640, height: 640, dynamic: true },
    layout: 'nchw',
    channelOrder: 'rgb',
    mean: [127.5, 127.5, 127.5],
    std: [128, 128, 128],
    decoding: { strides: [8, 16, 32], scoreThreshold: 0.5, nmsIou: 0.4, anchorsPerCell: 2 },
  }),
  w600kMbf: arcfaceDescriptorSchema.parse({
    family: 'arcface-112',
    input: { width: 112, height: 112, dynamic: false },
    layout: 'nchw',
    channelOrder: 'rgb',
    mean: [127.5, 127.5, 127.5],
    std: [127.5, 127.5, 127.5],
    embeddingDim: 512,
    // Decisions are probe-vs-template (mean of 5): bench:accuracy's enrolment scenario on LFW puts template
    // FAR 1e-5 at cosine 0.370 (FRR 0.37 %); single-image pairs reach FAR 1e-5 at 0.343. See docs/face-pipeline.md.
    verifyThreshold: 0.37,
  }),
  minifasnetV2: minifasnetDescriptorSchema.parse({
    family: 'minifasnet',
    input: { width: 80, height: 80, dynamic: false },
    layout: 'nchw',
    channelOrder: 'bgr',
    mean: [0, 0, 0],
    std: [1, 1, 1],
    cropScale: 2.7,
    liveClass: 1,
    classes: 3,
  }),
  minifasnetV1SE: minifasnetDescriptorSchema.parse({
    family: 'minifasnet',
    input: { width: 80, height: 80, dynamic: false },
    layout: 'nchw',
    channelOrder: 'bgr',
    mean: [0, 0, 0],
    std: [1, 1, 1],
    cropScale: 4.0,
    liveClass: 1,
    classes: 3,
  }),
} as const;
