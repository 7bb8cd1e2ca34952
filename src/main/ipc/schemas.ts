/**
 * zod schemas for every IPC request tuple in src/shared/ipc-contract.ts. Strict objects (unknown keys are
 * refused), bounded numbers, and binary parts accepted only as ArrayBuffer or a Uint8Array view (Electron's
 * structured clone may deliver either), normalised to an exact-length ArrayBuffer.
 */
import { z } from 'zod';
import {
  FRAME_FORMAT,
  FRAME_MAX_BYTES,
  FRAME_MAX_HEIGHT,
  FRAME_MAX_WIDTH,
  FRAME_MIN_SIDE,
} from '../../shared/frame-limits.ts';
import type { IpcChannel, IpcRequest } from '../../shared/ipc-contract.ts';
import { PASSPHRASE_MAX_LENGTH } from '../../shared/passphrase-policy.ts';

const binary = (maxBytes: number) =>
  z
    .custom<ArrayBuffer | Uint8Array>(
      (v) => v instanceof ArrayBuffer || v instanceof Uint8Array,
      'expected an ArrayBuffer',
    )
    .refine((v) => v.byteLength <= maxBytes, `at most ${maxBytes} bytes`)
    .transform((v): ArrayBuffer => {
      if (v instanceof ArrayBuffer) return v;
      // A view over a shared/pooled buffer: copy exactly its bytes so nothing else is reachable.
      const copy = new Uint8Array(v.byteLength);
      copy.set(v);
      return copy.buffer;
    });

export const frameMetaSchema = z.strictObject({
  width: z.number().int().min(FRAME_MIN_SIDE).max(FRAME_MAX_WIDTH),
  height: z.number().int().min(FRAME_MIN_SIDE).max(FRAME_MAX_HEIGHT),
  format: z.literal(FRAME_FORMAT),
  timestampMs: z.number().finite().min(0),
  camera: z.strictObject({ deviceId: z.string().max(256), label: z.string().max(256) }).optional(),
});

/** A passphrase at the door: a bounded string (the strength policy is main's job, not the schema's). */
export const passphraseSchema = z
  .string()
  .min(1)
  .max(PASSPHRASE_MAX_LENGTH * 4);

export const settingsPatchSchema = z
  .strictObject({
    strictness: z.enum(['convenience', 'balanced', 'strict']).optional(),
    idleLockMinutes: z
      .number()
      .int()
      .min(0)
      .max(24 * 60)
      .optional(),
    desktopUnlock: z.boolean().optional(),
  })
  .refine((p) => Object.keys(p).length > 0, 'an empty settings patch');
/** Absolute paths only (POSIX "/…" or Windows "C:\\…" / "\\\\server\\…"), bounded, no NUL. */
export const FILES_MAX_PATHS = 64;
export const FILE_PATH_MAX_CHARS = 4096;
const filePath = z
  .string()
  .min(2)
  .max(FILE_PATH_MAX_CHARS)
  .refine((p) => !p.includes('\0'), 'no NUL in paths')
  .refine(
    (p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\'),
    'absolute path expected',
  );
const itemId = z.string().regex(/^[a-z2-7]{26}$/, 'item id');

type RequestSchemas = { readonly [C in IpcChannel]: z.ZodType<IpcRequest<C>, unknown> };

export const requestSchemas: RequestSchemas = {
  'app:get-status': z.tuple([]),
  'camera:submit-frame': z.tuple([frameMetaSchema, binary(FRAME_MAX_BYTES)]),
  'face:get-enrolment': z.tuple([]),
  'face:start-enrolment': z.tuple([]),
  'face:start-unlock': z.tuple([]),
  'face:cancel': z.tuple([]),
  'face:delete-enrolment': z.tuple([]),
  'vault:get-status': z.tuple([]),
  'vault:setup': z.tuple([passphraseSchema]),
  'vault:unlock-passphrase': z.tuple([passphraseSchema]),
  'vault:prove-owner': z.tuple([passphraseSchema]),
  'vault:lock': z.tuple([]),
  'vault:change-passphrase': z.tuple([passphraseSchema, passphraseSchema]),
  'settings:get': z.tuple([]),
  'settings:set': z.tuple([settingsPatchSchema]),
  'face:await-decision': z.tuple([]),
  'files:list': z.tuple([]),
  'files:lock': z.tuple([z.array(filePath).min(1).max(FILES_MAX_PATHS)]),
  'files:pick-and-lock': z.tuple([z.enum(['files', 'folder'])]),
  'files:unlock': z.tuple([itemId]),
  'files:relock': z.tuple([itemId]),
  'files:cli-requests': z.tuple([]),
  'files:deny-cli-request': z.tuple([z.string().regex(/^[0-9a-f]{24}$/)]),
  'desktop:get-status': z.tuple([]),
  'desktop:lock-now': z.tuple([]),
};
