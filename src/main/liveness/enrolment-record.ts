/**
 * What the liveness concern stores with the face template at enrolment (template-vault.ts record, inside
 * its AEAD): the strictness level chosen then and the camera pinned then. Parsed strictly when read back:
 * a record that does not parse is treated as absent (older template) only when it is missing; a malformed
 * one fails closed (TemplateCorruptError upstream is for the bytes; here a shape error → STATE_CORRUPT).
 */
import { z } from 'zod';
import type { StrictnessLevel } from '../../shared/ipc-contract.ts';
import { FaceVaultError } from '../errors/facevault-error.ts';
import { CAMERA_INFO_LIMITS, type PinnedCamera } from './camera-policy.ts';
import { STRICTNESS_LEVELS } from './strictness.ts';

export interface LivenessEnrolmentRecord {
  readonly v: 1;
  readonly strictness: StrictnessLevel;
  readonly camera: PinnedCamera | null;
}

const schema = z.strictObject({
  v: z.literal(1),
  strictness: z.enum(STRICTNESS_LEVELS as [StrictnessLevel, ...StrictnessLevel[]]),
  camera: z
    .strictObject({
      label: z.string().max(CAMERA_INFO_LIMITS.maxLabel),
      deviceIdHash: z.string().regex(/^[0-9a-f]{64}$/),
    })
    .nullable(),
});

export class EnrolmentRecordError extends FaceVaultError {
  constructor() {
    super('STATE_CORRUPT', 'the liveness record stored with the face template is malformed');
  }
}

export function parseEnrolmentRecord(raw: unknown): LivenessEnrolmentRecord | null {
  if (raw === null || raw === undefined) return null;
  const r = schema.safeParse(raw);
  if (!r.success) throw new EnrolmentRecordError();
  return r.data;
}
