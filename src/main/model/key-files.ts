/**
 * Key files of the vendor tooling and the app's pinned-key list: small JSON documents with a `type` tag so
 * a public key is never mistaken for a private one (and an Ed25519 key never for an X25519 one).
 *
 *   {"type":"facevault/vendor-secret-key","version":1,"keyId":hex16,"publicKey":b64,"secretKey":b64}
 *   {"type":"facevault/vendor-public-key","version":1,"keyId":hex16,"publicKey":b64}
 *   {"type":"facevault/device-public-key","version":1,"publicKey":b64}            (X25519)
 *   {"type":"facevault/device-secret-key","version":1,"publicKey":b64,"secretKey":b64} (bootstrap X25519)
 *   {"type":"facevault/model-key","version":1,"keyId":hex16,"modelId":str,"modelKey":b64}
 *   {"type":"facevault/vendor-key-list","version":1,"keys":[{"publicKey":b64,"keyId":hex16,"comment"?:str,"development"?:true}]}
 *   `development: true` marks the per-checkout key `npm run models:build` generates (tools/build-layout.ts):
 *   the app then reports `signing: 'development'` (AppStatus). The mark is informational — whoever can write
 *   the list can change the keys too — so a release build never ships a list that carries it.
 *
 * Guarantees: parsing checks the type tag, lengths, that secret and public halves match, and that a
 * stated keyId equals the one derived from the public key. Errors are KeyFileError (code KEY_FILE_INVALID);
 * messages never include key bytes.
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { z } from 'zod';
import type { SigningKind } from '../../shared/ipc-contract.ts';
import { FaceVaultError } from '../errors/facevault-error.ts';
import { equalBytes, hex, pinVendorKey, vendorKeyId, type VendorPublicKey } from './bundle/signature.ts';

export class KeyFileError extends FaceVaultError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('KEY_FILE_INVALID', message, options);
  }
}

export const KEY_FILE_MAX_BYTES = 64 * 1024;

const b64 = (len: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9+/]+={0,2}$/)
    .transform((s) => new Uint8Array(Buffer.from(s, 'base64')))
    .refine((b) => b.length === len, `must decode to ${len} bytes`);
const hexId = z.string().regex(/^[0-9a-f]{32}$/);

const vendorSecret = z.strictObject({
  type: z.literal('facevault/vendor-secret-key'),
  version: z.literal(1),
  keyId: hexId,
  publicKey: b64(32),
  secretKey: b64(32),
});
const vendorPublic = z.strictObject({
  type: z.literal('facevault/vendor-public-key'),
  version: z.literal(1),
  keyId: hexId,
  publicKey: b64(32),
});
const devicePublic = z.strictObject({
  type: z.literal('facevault/device-public-key'),
  version: z.literal(1),
  publicKey: b64(32),
});
const deviceSecret = z.strictObject({
  type: z.literal('facevault/device-secret-key'),
  version: z.literal(1),
  publicKey: b64(32),
  secretKey: b64(32),
});
const modelKeyFile = z.strictObject({
  type: z.literal('facevault/model-key'),
  version: z.literal(1),
  keyId: hexId,
  modelId: z.string().min(1).max(64),
  modelKey: b64(32),
});
const keyList = z.strictObject({
  type: z.literal('facevault/vendor-key-list'),
  version: z.literal(1),
  keys: z
    .array(
      z.strictObject({
        keyId: hexId,
        publicKey: b64(32),
        comment: z.string().max(200).optional(),
        development: z.literal(true).optional(),
      }),
    )
    .min(1)
    .max(16),
});

const b64s = (b: Uint8Array): string => Buffer.from(b).toString('base64');

function parseJson(text: string | Uint8Array): unknown {
  const s = typeof text === 'string' ? text : new TextDecoder('utf-8', { fatal: true }).decode(text);
  if (s.length > KEY_FILE_MAX_BYTES) throw new KeyFileError('key file too large');
  try {
    return JSON.parse(s);
  } catch (e) {
    throw new KeyFileError('key file is not JSON', { cause: e });
  }
}

/** Type tag of a key file, for precise "wrong kind of key" messages. */
export function keyFileType(text: string | Uint8Array): string {
  const j = parseJson(text);
  if (j !== null && typeof j === 'object' && 'type' in j && typeof j.type === 'string') return j.type;
  throw new KeyFileError('key file has no type tag');
}

function parseAs<S extends z.ZodType>(schema: S, text: string | Uint8Array, want: string): z.output<S> {
  const j = parseJson(text);
  const t = j !== null && typeof j === 'object' && 'type' in j ? String(j.type) : '(none)';
  if (t !== want) throw new KeyFileError(`expected a ${want} file, got ${t}`);
  const r = schema.safeParse(j);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new KeyFileError(`invalid ${want} file (${i ? `${i.path.join('.')}: ${i.message}` : 'schema'})`);
  }
  return r.data;
}

function checkKeyId(stated: string, pub: Uint8Array): void {
  if (stated !== hex(vendorKeyId(pub))) throw new KeyFileError('keyId does not match the public key');
}

export interface VendorKeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
  readonly keyId: Uint8Array;
}

export function encodeVendorSecretKey(secretKey: Uint8Array): string {
  const publicKey = ed25519.getPublicKey(secretKey);
  return (
    JSON.stringify(
      {
        type: 'facevault/vendor-secret-key',
        version: 1,
        keyId: hex(vendorKeyId(publicKey)),
        publicKey: b64s(publicKey),
        secretKey: b64s(secretKey),
      },
      null,
      2,
    ) + '\n'
  );
}

export function encodeVendorPublicKey(publicKey: Uint8Array): string {
  return (
    JSON.stringify(
      {
        type: 'facevault/vendor-public-key',
        version: 1,
        keyId: hex(vendorKeyId(publicKey)),
        publicKey: b64s(publicKey),
      },
      null,
      2,
    ) + '\n'
  );
}

export function encodeDevicePublicKey(publicKey: Uint8Array): string {
  return (
    JSON.stringify({ type: 'facevault/device-public-key', version: 1, publicKey: b64s(publicKey) }, null, 2) +
    '\n'
  );
}

export function encodeDeviceSecretKey(secretKey: Uint8Array): string {
  return (
    JSON.stringify(
      {
        type: 'facevault/device-secret-key',
        version: 1,
        publicKey: b64s(x25519.getPublicKey(secretKey)),
        secretKey: b64s(secretKey),
      },
      null,
      2,
    ) + '\n'
  );
}

export function encodeModelKey(modelKey: Uint8Array, keyId: Uint8Array, modelId: string): string {
  return (
    JSON.stringify(
      { type: 'facevault/model-key', version: 1, keyId: hex(keyId), modelId, modelKey: b64s(modelKey) },
      null,
      2,
    ) + '\n'
  );
}

/** `development`: the keys are per-checkout development keys (see the module header). */
export function encodeVendorKeyList(
  publicKeys: readonly Uint8Array[],
  opts: { readonly development?: boolean } = {},
): string {
  return (
    JSON.stringify(
      {
        type: 'facevault/vendor-key-list',
        version: 1,
        keys: publicKeys.map((p) => ({
          keyId: hex(vendorKeyId(p)),
          publicKey: b64s(p),
          ...(opts.development === true ? { development: true } : {}),
        })),
      },
      null,
      2,
    ) + '\n'
  );
}

export function parseVendorSecretKey(text: string | Uint8Array): VendorKeyPair {
  const f = parseAs(vendorSecret, text, 'facevault/vendor-secret-key');
  checkKeyId(f.keyId, f.publicKey);
  if (!equalBytes(ed25519.getPublicKey(f.secretKey), f.publicKey))
    throw new KeyFileError('secret and public key do not match');
  return { publicKey: f.publicKey, secretKey: f.secretKey, keyId: vendorKeyId(f.publicKey) };
}

export function parseVendorPublicKey(text: string | Uint8Array): VendorPublicKey {
  const f = parseAs(vendorPublic, text, 'facevault/vendor-public-key');
  checkKeyId(f.keyId, f.publicKey);
  try {
    return pinVendorKey(f.publicKey);
  } catch (e) {
    throw new KeyFileError('not a valid Ed25519 public key', { cause: e });
  }
}

export function parseDevicePublicKey(text: string | Uint8Array): Uint8Array {
  return parseAs(devicePublic, text, 'facevault/device-public-key').publicKey;
}

export function parseDeviceSecretKey(text: string | Uint8Array): {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
} {
  const f = parseAs(deviceSecret, text, 'facevault/device-secret-key');
  if (!equalBytes(x25519.getPublicKey(f.secretKey), f.publicKey))
    throw new KeyFileError('secret and public key do not match');
  return f;
}

export function parseModelKey(text: string | Uint8Array): {
  modelKey: Uint8Array;
  keyId: Uint8Array;
  modelId: string;
} {
  const f = parseAs(modelKeyFile, text, 'facevault/model-key');
  return { modelKey: f.modelKey, keyId: new Uint8Array(Buffer.from(f.keyId, 'hex')), modelId: f.modelId };
}

/** Pinned vendor keys from a key list (e.g. resources/vendor-keys.json) or a single public key file. */
export function parsePinnedVendorKeys(text: string | Uint8Array): VendorPublicKey[] {
  return parsePinnedVendorKeyList(text).keys;
}

/**
 * The pinned keys and who they belong to: 'development' when any listed key carries the development mark,
 * 'release' otherwise (a vendor's own public key file or list).
 */
export function parsePinnedVendorKeyList(text: string | Uint8Array): {
  keys: VendorPublicKey[];
  signing: SigningKind;
} {
  const t = keyFileType(text);
  if (t === 'facevault/vendor-public-key') return { keys: [parseVendorPublicKey(text)], signing: 'release' };
  if (t !== 'facevault/vendor-key-list') {
    throw new KeyFileError(
      `expected a vendor public key or key list, got ${t} (never pass a secret key here)`,
    );
  }
  const f = parseAs(keyList, text, 'facevault/vendor-key-list');
  const keys = f.keys.map((k) => {
    checkKeyId(k.keyId, k.publicKey);
    try {
      return pinVendorKey(k.publicKey);
    } catch (e) {
      throw new KeyFileError('not a valid Ed25519 public key', { cause: e });
    }
  });
  return { keys, signing: f.keys.some((k) => k.development === true) ? 'development' : 'release' };
}
