/**
 * The one authenticated auth state: the face template, the attempt counters, the two vault-key wraps and
 * the settings, bound together under one HMAC-SHA256 (RFC 2104; @noble/hashes) with a version inside.
 * Nothing in it can be swapped or rolled back on its own: a template, a counter or a wrap copied from
 * another state breaks the MAC; an older whole state is caught by its version (auth-state-store.ts checks
 * it against the TPM NV counter where one exists).
 *
 * File: JSON `{ "state": "<canonical JSON>", "mac": "<hex>" }`; the MAC covers the exact state string
 * (bytes written only by `encodeAuthState`), under the device-derived key deriveKey('auth-state').
 * The template inside is itself ciphertext (XChaCha20-Poly1305 under deriveKey('template'),
 * auth/template-vault.ts); the wraps are ciphertexts (vault-keys.ts, passphrase-kdf.ts). The state
 * holds no plaintext secret. Decoding validates every field (zod, strict) after the MAC check and before use.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { z } from 'zod';
import { AuthStateCorruptError } from './vault-errors.ts';

export const AUTH_STATE_FORMAT = 1;
export const MAX_AUTH_STATE_BYTES = 1024 * 1024;

const b64 = (max: number) =>
  z
    .string()
    .max(Math.ceil((max * 4) / 3) + 4)
    .regex(/^[A-Za-z0-9+/]*={0,2}$/);
const hex16 = z.string().regex(/^[0-9a-f]{32}$/);
const count = z.number().int().min(0).max(1_000_000);
const epochMs = z.number().int().min(0).max(8.64e15);

const stateSchema = z.strictObject({
  format: z.literal(AUTH_STATE_FORMAT),
  stateId: hex16,
  /** Decimal u64: the write count, equal to the TPM NV counter when anchored. */
  version: z.string().regex(/^[0-9]{1,20}$/),
  anchor: z.discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('tpm-nv-counter'),
      nvIndex: z.number().int().min(0x01000000).max(0x013fffff),
    }),
    z.strictObject({ kind: z.literal('none') }),
  ]),
  vault: z.strictObject({
    deviceWrap: b64(128),
    passphrase: z.strictObject({
      kdf: z.literal('scrypt'),
      N: z
        .number()
        .int()
        .min(1024)
        .max(2 ** 20),
      r: z.number().int().min(1).max(16),
      p: z.number().int().min(1).max(4),
      salt: b64(16),
      wrapped: b64(128),
    }),
  }),
  enrolment: z.strictObject({ id: hex16, template: b64(300 * 1024), createdAt: epochMs }).nullable(),
  face: z.strictObject({ failures: count, lockedOut: z.boolean() }),
  passphraseAttempts: z.strictObject({ failures: count, retryAt: epochMs.nullable() }),
  settings: z.strictObject({
    strictness: z.enum(['convenience', 'balanced', 'strict']),
    idleLockMinutes: z
      .number()
      .int()
      .min(0)
      .max(24 * 60),
    desktopUnlock: z.boolean(),
    pinnedCamera: z.string().max(200).nullable(),
  }),
  rollbacksDetected: count,
});

export type AuthState = z.infer<typeof stateSchema>;
export type StoredSettings = AuthState['settings'];

export const DEFAULT_SETTINGS: StoredSettings = {
  strictness: 'balanced',
  idleLockMinutes: 5,
  desktopUnlock: false,
  pinnedCamera: null,
};

const fileSchema = z.strictObject({
  state: z.string().max(MAX_AUTH_STATE_BYTES),
  mac: z.string().regex(/^[0-9a-f]{64}$/),
});

const te = new TextEncoder();
const td = new TextDecoder('utf-8', { fatal: true });
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const constantTimeEqual = (a: string, b: string): boolean => {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return d === 0;
};

const macOf = (macKey: Uint8Array, state: string): string =>
  toHex(hmac(sha256, macKey, te.encode(`facevault/auth-state/v1\n${state}`)));

export function encodeAuthState(state: AuthState, macKey: Uint8Array): Uint8Array {
  if (macKey.length !== 32) throw new RangeError('auth-state MAC key must be 32 bytes');
  const s = JSON.stringify(stateSchema.parse(state)); // never write what we would refuse to read
  return te.encode(JSON.stringify({ state: s, mac: macOf(macKey, s) }));
}

/** The authentic state, or STATE_CORRUPT (malformed, truncated, MAC fails: another device key or edited). */
export function decodeAuthState(bytes: Uint8Array, macKey: Uint8Array): AuthState {
  if (macKey.length !== 32) throw new RangeError('auth-state MAC key must be 32 bytes');
  const corrupt = (): never => {
    throw new AuthStateCorruptError();
  };
  if (bytes.length > MAX_AUTH_STATE_BYTES * 2) corrupt();
  let outer: z.infer<typeof fileSchema>;
  try {
    outer = fileSchema.parse(JSON.parse(td.decode(bytes)));
  } catch {
    return corrupt();
  }
  if (!constantTimeEqual(macOf(macKey, outer.state), outer.mac)) corrupt();
  try {
    return stateSchema.parse(JSON.parse(outer.state));
  } catch {
    return corrupt();
  }
}

export const toB64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
export const fromB64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));
export const hexToBytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
