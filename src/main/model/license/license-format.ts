/**
 * Licence format v1 codec (spec: docs/bundle-format.md §Licences). Two kinds share the magic/version:
 *   kind 1 "vendor licence": model key wrapped to one device's X25519 key, Ed25519-signed by the vendor;
 *   kind 2 "device licence": model key re-wrapped locally under a device-derived key (AEAD-authenticated,
 *                            not signed: the device cannot vendor-sign).
 * Guarantees: `parseLicense` checks magic, version, kind, suite, every length and the exact total size
 * (no trailing bytes) before returning views; every failure is LicenseInvalidError. It does NOT verify
 * signatures or tags — open-license.ts / device-licence.ts do.
 */
import { LicenseInvalidError } from './errors.ts';
import { copyBytes } from '../bytes.ts';

export const LICENSE_MAGIC = new Uint8Array([0x46, 0x56, 0x4c, 0x49, 0x43, 0x45, 0x4e, 0x53]); // "FVLICENS"
export const LICENSE_VERSION = 1;
export const KIND_VENDOR = 1;
export const KIND_DEVICE = 2;
/** X25519 → HKDF-SHA256 → XChaCha20-Poly1305 wrap, Ed25519 signature. */
export const SUITE_VENDOR_V1 = 1;
/** HKDF-SHA256(device wrapping key) → XChaCha20-Poly1305. */
export const SUITE_DEVICE_V1 = 2;
export const WRAPPED_KEY_BYTES = 48;
export const LICENSE_MAX_BYTES = 1024;
const MODEL_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Fixed offsets, kind 1. */
const V = {
  keyId: 12,
  signer: 28,
  issued: 44,
  expires: 52,
  device: 60,
  eph: 92,
  nonce: 124,
  modelId: 148,
} as const;
/** Fixed offsets, kind 2. */
const D = { keyId: 12, issued: 28, expires: 36, nonce: 44, modelId: 68 } as const;

export interface LicenseCommon {
  readonly kind: typeof KIND_VENDOR | typeof KIND_DEVICE;
  readonly keyId: Uint8Array;
  readonly modelId: string;
  /** Unix seconds. */
  readonly issuedAt: number;
  /** Unix seconds; 0 = never. */
  readonly expiresAt: number;
  readonly nonce: Uint8Array;
  readonly wrappedKey: Uint8Array;
  /** Bytes the AEAD wrap authenticates as associated data (everything before the wrapped key). */
  readonly associatedData: Uint8Array;
}

export interface VendorLicenseFields extends LicenseCommon {
  readonly kind: typeof KIND_VENDOR;
  readonly signerKeyId: Uint8Array;
  readonly devicePublicKey: Uint8Array;
  readonly ephemeralPublicKey: Uint8Array;
  /** Bytes the signature covers (everything before it). */
  readonly signedBytes: Uint8Array;
  readonly signature: Uint8Array;
}

export interface DeviceLicenseFields extends LicenseCommon {
  readonly kind: typeof KIND_DEVICE;
}

export type ParsedLicense = VendorLicenseFields | DeviceLicenseFields;

function u64(dv: DataView, off: number): number {
  const v = dv.getBigUint64(off, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new LicenseInvalidError('timestamp out of range');
  return Number(v);
}

function readModelId(b: Uint8Array, off: number): [string, number] {
  const n = b[off] ?? 0;
  if (n < 1 || n > 64 || off + 1 + n > b.length)
    throw new LicenseInvalidError('model id length out of range');
  let s = '';
  for (let i = off + 1; i <= off + n; i++) s += String.fromCharCode(b[i] ?? 0);
  if (!MODEL_ID_RE.test(s)) throw new LicenseInvalidError('model id has invalid characters');
  return [s, off + 1 + n];
}

export function parseLicense(input: Uint8Array): ParsedLicense {
  if (!(input instanceof Uint8Array)) throw new LicenseInvalidError('licence must be bytes');
  if (input.length > LICENSE_MAX_BYTES) throw new LicenseInvalidError('licence too large');
  if (input.length < 12) throw new LicenseInvalidError('licence too short');
  const b = copyBytes(input); // private copy: callers cannot change bytes after the checks
  for (let i = 0; i < 8; i++)
    if (b[i] !== LICENSE_MAGIC[i]) throw new LicenseInvalidError('not a FaceVault licence (bad magic)');
  const dv = new DataView(b.buffer);
  const version = dv.getUint16(8, true);
  if (version !== LICENSE_VERSION) throw new LicenseInvalidError(`licence version ${version} not supported`);
  const kind = b[10];
  const suite = b[11];
  if (kind === KIND_VENDOR) {
    if (suite !== SUITE_VENDOR_V1)
      throw new LicenseInvalidError(`licence suite ${String(suite)} not supported`);
    if (b.length < V.modelId + 2) throw new LicenseInvalidError('licence truncated');
    const [modelId, end] = readModelId(b, V.modelId);
    if (b.length !== end + WRAPPED_KEY_BYTES + 64) throw new LicenseInvalidError('licence length mismatch');
    const issuedAt = u64(dv, V.issued);
    const expiresAt = u64(dv, V.expires);
    if (expiresAt !== 0 && expiresAt < issuedAt)
      throw new LicenseInvalidError('licence expires before issue');
    return {
      kind: KIND_VENDOR,
      keyId: b.slice(V.keyId, V.keyId + 16),
      signerKeyId: b.slice(V.signer, V.signer + 16),
      issuedAt,
      expiresAt,
      devicePublicKey: b.slice(V.device, V.device + 32),
      ephemeralPublicKey: b.slice(V.eph, V.eph + 32),
      nonce: b.slice(V.nonce, V.nonce + 24),
      modelId,
      associatedData: b.slice(0, end),
      wrappedKey: b.slice(end, end + WRAPPED_KEY_BYTES),
      signedBytes: b.slice(0, end + WRAPPED_KEY_BYTES),
      signature: b.slice(end + WRAPPED_KEY_BYTES),
    };
  }
  if (kind === KIND_DEVICE) {
    if (suite !== SUITE_DEVICE_V1)
      throw new LicenseInvalidError(`licence suite ${String(suite)} not supported`);
    if (b.length < D.modelId + 2) throw new LicenseInvalidError('licence truncated');
    const [modelId, end] = readModelId(b, D.modelId);
    if (b.length !== end + WRAPPED_KEY_BYTES) throw new LicenseInvalidError('licence length mismatch');
    const issuedAt = u64(dv, D.issued);
    const expiresAt = u64(dv, D.expires);
    return {
      kind: KIND_DEVICE,
      keyId: b.slice(D.keyId, D.keyId + 16),
      issuedAt,
      expiresAt,
      nonce: b.slice(D.nonce, D.nonce + 24),
      modelId,
      associatedData: b.slice(0, end),
      wrappedKey: b.slice(end),
    };
  }
  throw new LicenseInvalidError(`licence kind ${String(kind)} not supported`);
}

function modelIdBytes(modelId: string): Uint8Array {
  if (!MODEL_ID_RE.test(modelId)) throw new LicenseInvalidError('model id has invalid characters');
  const s = new TextEncoder().encode(modelId);
  const out = new Uint8Array(1 + s.length);
  out[0] = s.length;
  out.set(s, 1);
  return out;
}

function put64(dv: DataView, off: number, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new LicenseInvalidError('timestamp out of range');
  dv.setBigUint64(off, BigInt(v), true);
}

/** The associated-data prefix of a kind-1 licence (everything before the wrapped key). */
export function encodeVendorPrefix(f: {
  keyId: Uint8Array;
  signerKeyId: Uint8Array;
  issuedAt: number;
  expiresAt: number;
  devicePublicKey: Uint8Array;
  ephemeralPublicKey: Uint8Array;
  nonce: Uint8Array;
  modelId: string;
}): Uint8Array {
  const id = modelIdBytes(f.modelId);
  const b = new Uint8Array(V.modelId + id.length);
  const dv = new DataView(b.buffer);
  b.set(LICENSE_MAGIC, 0);
  dv.setUint16(8, LICENSE_VERSION, true);
  b[10] = KIND_VENDOR;
  b[11] = SUITE_VENDOR_V1;
  b.set(f.keyId, V.keyId);
  b.set(f.signerKeyId, V.signer);
  put64(dv, V.issued, f.issuedAt);
  put64(dv, V.expires, f.expiresAt);
  b.set(f.devicePublicKey, V.device);
  b.set(f.ephemeralPublicKey, V.eph);
  b.set(f.nonce, V.nonce);
  b.set(id, V.modelId);
  return b;
}

/** The associated-data prefix of a kind-2 licence. */
export function encodeDevicePrefix(f: {
  keyId: Uint8Array;
  issuedAt: number;
  expiresAt: number;
  nonce: Uint8Array;
  modelId: string;
}): Uint8Array {
  const id = modelIdBytes(f.modelId);
  const b = new Uint8Array(D.modelId + id.length);
  const dv = new DataView(b.buffer);
  b.set(LICENSE_MAGIC, 0);
  dv.setUint16(8, LICENSE_VERSION, true);
  b[10] = KIND_DEVICE;
  b[11] = SUITE_DEVICE_V1;
  b.set(f.keyId, D.keyId);
  put64(dv, D.issued, f.issuedAt);
  put64(dv, D.expires, f.expiresAt);
  b.set(f.nonce, D.nonce);
  b.set(id, D.modelId);
  return b;
}

export const concatBytes = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};
