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

const FAMILY_RE = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/**
 * Base schema: the fields every model needs, in the vocabulary of src/main/face/family.ts (the face
 * pipeline re-parses the same JSON with its strict per-family schema). Loose on purpose: family-specific
 * fields (decoding parameters, thresholds, crop scale...) pass through untouched.
 */
export const inputSchema = z.looseObject({
  /** ONNX input tensor name; optional (first input when absent). */
  name: z.string().min(1).max(128).optional(),
  width: z.number().int().min(1).max(8192),
  height: z.number().int().min(1).max(8192),
});

export const descriptorSchema = z
  .looseObject({
    /** When present it must equal the header's family field (checked by the header parser). */
    family: z.string().regex(FAMILY_RE).optional(),
    input: inputSchema,
    layout: z.enum(['nchw', 'nhwc']),
    channelOrder: z.enum(['rgb', 'bgr', 'gray']),
    /** Per-channel: x' = (pixel - mean[c]) / std[c], pixels 0..255 in channelOrder. */
    mean: z.array(finite).min(1).max(4),
    std: z.array(finite.positive()).min(1).max(4),
    /** Output decoding: a decoder name, or the family's decoding parameters object. */
    decoding: z.union([z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/), z.looseObject({})]).optional(),
  })
  .superRefine((d, ctx) => {
    if (d.mean.length !== d.std.length)
      ctx.addIssue({ code: 'custom', message: 'mean and std lengths differ' });
    if ((d.channelOrder === 'gray') !== (d.mean.length === 1)) {
      ctx.addIssue({ code: 'custom', message: 'gray iff one channel' });
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
