/**
 * Preprocessing descriptor carried (signed) in the bundle header: tells the face pipeline how to feed the
 * model and how to decode its output, so a model swap never needs code changes to get the tensors right.
 *
 * Guarantees: a descriptor that passes `parseDescriptor` is UTF-8 JSON of at most DESCRIPTOR_MAX_BYTES,
 * nesting depth ≤ 8, and its known fields have the types/ranges below. Unknown fields are kept (the
 * schema is loose on purpose: a face-pipeline engineer adds fields without a format bump), but they are
 * still covered by the size bound and the vendor signature.
 */
import { z } from 'zod';
import { BundleMalformedError } from './errors.ts';

export const DESCRIPTOR_MAX_BYTES = 4096;
const MAX_DEPTH = 8;

const finite = z.number().finite();

export const inputSchema = z.looseObject({
  /** ONNX input tensor name; optional (first input when absent). */
  name: z.string().min(1).max(128).optional(),
  width: z.number().int().min(1).max(8192),
  height: z.number().int().min(1).max(8192),
  channels: z.number().int().min(1).max(4),
  layout: z.enum(['NCHW', 'NHWC']),
  channelOrder: z.enum(['RGB', 'BGR', 'GRAY']),
  dtype: z.enum(['float32', 'uint8']).default('float32'),
  /** Per-channel: x' = (x - mean[c]) / std[c], applied to raw 0..255 pixels. */
  mean: z.array(finite).min(1).max(4),
  std: z.array(finite.refine((v) => v !== 0, 'std must be non-zero')).min(1).max(4),
});

export const outputSchema = z.looseObject({
  /** Name of the decoder the face pipeline applies ("yunet", "softmax-live-class1", "embedding-l2"...). */
  decoding: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/),
  names: z.array(z.string().min(1).max(128)).max(64).optional(),
});

export const descriptorSchema = z
  .looseObject({
    input: inputSchema,
    output: outputSchema,
  })
  .superRefine((d, ctx) => {
    if (d.input.mean.length !== d.input.channels || d.input.std.length !== d.input.channels) {
      ctx.addIssue({ code: 'custom', message: 'mean/std length must equal channels' });
    }
    if ((d.input.channelOrder === 'GRAY') !== (d.input.channels === 1)) {
      ctx.addIssue({ code: 'custom', message: 'GRAY iff channels = 1' });
    }
  });

export type PreprocessingDescriptor = z.output<typeof descriptorSchema>;
export type PreprocessingDescriptorInput = z.input<typeof descriptorSchema>;

function depth(v: unknown, d: number): number {
  if (d > MAX_DEPTH) return d;
  if (Array.isArray(v)) return v.reduce((m: number, x: unknown) => Math.max(m, depth(x, d + 1)), d);
  if (v !== null && typeof v === 'object') {
    return Object.values(v).reduce((m: number, x: unknown) => Math.max(m, depth(x, d + 1)), d);
  }
  return d;
}

/** Validates a descriptor object; throws BundleMalformedError. */
export function validateDescriptor(value: unknown): PreprocessingDescriptor {
  if (depth(value, 0) > MAX_DEPTH) throw new BundleMalformedError('descriptor nests too deeply');
  const r = descriptorSchema.safeParse(value);
  if (!r.success) {
    const first = r.error.issues[0];
    const where = first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'invalid';
    throw new BundleMalformedError(`descriptor invalid (${where})`);
  }
  return r.data;
}

/** Canonical bytes written into the header: JSON.stringify of the validated object. */
export function encodeDescriptor(value: unknown): Uint8Array {
  const d = validateDescriptor(value);
  const bytes = new TextEncoder().encode(JSON.stringify(d));
  if (bytes.length > DESCRIPTOR_MAX_BYTES) {
    throw new BundleMalformedError(`descriptor is ${bytes.length} bytes, limit ${DESCRIPTOR_MAX_BYTES}`);
  }
  return bytes;
}

/** Parses header bytes (already length-bounded by the caller) into a validated descriptor. */
export function parseDescriptor(bytes: Uint8Array): PreprocessingDescriptor {
  if (bytes.length > DESCRIPTOR_MAX_BYTES) throw new BundleMalformedError('descriptor too large');
  let text: string;
  let json: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    json = JSON.parse(text);
  } catch (e) {
    throw new BundleMalformedError('descriptor is not UTF-8 JSON', { cause: e });
  }
  return validateDescriptor(json);
}

/** Descriptors of the reference models (values from their README files in the shared model folder). */
export const DESCRIPTOR_PRESETS: Readonly<Record<string, PreprocessingDescriptorInput>> = {
  yunet: {
    input: { name: 'input', width: 640, height: 640, channels: 3, layout: 'NCHW', channelOrder: 'BGR', mean: [0, 0, 0], std: [1, 1, 1] },
    output: { decoding: 'yunet' },
  },
  minifasnet: {
    input: { name: 'input.1', width: 80, height: 80, channels: 3, layout: 'NCHW', channelOrder: 'BGR', mean: [0, 0, 0], std: [1, 1, 1] },
    output: { decoding: 'softmax-live-class1' },
  },
  arcface: {
    input: {
      name: 'input.1', width: 112, height: 112, channels: 3, layout: 'NCHW', channelOrder: 'RGB',
      mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5],
    },
    output: { decoding: 'embedding-l2' },
  },
};
