/**
 * Machine binding and the device key hierarchy. Spec: RFC 5869 (HKDF) with SHA-256, RFC 2104 (HMAC).
 *
 *   salt      = HMAC-SHA256(key = APP_BINDING_KEY, msg = UTF-8(machine id))
 *   deviceKEK = HKDF-SHA256(IKM = device secret, salt, info = "facevault/kek/v1", L = 32)
 *   subkey    = HKDF-Expand-SHA256(PRK = deviceKEK, info = "facevault/subkey/v1/" + label, L = 32)
 *               (RFC 5869 §3.3: the KEK is already a uniformly random key, so Extract is skipped)
 *
 * Guarantees: the same device secret on another machine id yields an unrelated KEK (so data copied with
 * its keychain entry/sealed blob to another machine is useless); the labels give independent keys;
 * inputs are validated; intermediates (salt, PRK) are wiped. The caller wipes the returned keys.
 * The machine id is not a secret (node-machine-id reads /etc/machine-id, IOPlatformUUID, MachineGuid):
 * it binds, it does not protect. APP_BINDING_KEY is a public domain separator, not a secret either.
 */
import { expand, extract, hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { DEVICE_SECRET_BYTES } from './key-store.ts';

export const KEK_BYTES = 32;
export const SUBKEY_LABELS = [
  'template',
  'vault',
  'device-identity',
  'licence-cache',
  'attempt-counter',
  'auth-state',
] as const;
export type SubkeyLabel = (typeof SUBKEY_LABELS)[number];

const te = new TextEncoder();
/** App-specific HMAC key for the machine-id salt (domain separation; public). */
const APP_BINDING_KEY = te.encode('FaceVault machine binding key v1 (c6f0b6c1-4f5e-4a43-9a0e-1d2c9f3c7b51)');
const KEK_INFO = te.encode('facevault/kek/v1');
const SUBKEY_INFO_PREFIX = 'facevault/subkey/v1/';

export const isSubkeyLabel = (x: unknown): x is SubkeyLabel =>
  typeof x === 'string' && (SUBKEY_LABELS as readonly string[]).includes(x);

/** RFC 5869 HKDF-SHA256 (Extract + Expand), exposed for the test vectors. */
export function hkdfSha256(
  ikm: Uint8Array,
  salt: Uint8Array | undefined,
  info: Uint8Array,
  length: number,
): Uint8Array {
  return hkdf(sha256, ikm, salt, info, length);
}

/** Validates a machine id string: 1..256 printable characters after trimming. */
export function normaliseMachineId(machineId: unknown): string {
  if (typeof machineId !== 'string') throw new TypeError('machine id must be a string');
  const id = machineId.trim();
  if (id.length === 0 || id.length > 256 || /[\0-\x1f\x7f]/.test(id)) {
    throw new TypeError('machine id must be 1-256 printable characters');
  }
  return id;
}

/** The OS machine id via node-machine-id (original value, not re-hashed). */
export async function readMachineId(): Promise<string> {
  const mod: unknown = await import('node-machine-id');
  const api: unknown = typeof mod === 'object' && mod !== null && 'default' in mod ? mod.default : mod;
  if (
    typeof api !== 'object' ||
    api === null ||
    !('machineId' in api) ||
    typeof api.machineId !== 'function'
  ) {
    throw new TypeError('node-machine-id has an unexpected shape');
  }
  // Checked to be a function just above; node-machine-id's machineId(original) resolves to a string.
  const id: unknown = await (api.machineId as (original: boolean) => Promise<unknown>)(true);
  return normaliseMachineId(id);
}

/** deviceKEK = HKDF-SHA256(device secret, HMAC-SHA256(app key, machine id), "facevault/kek/v1"). */
export function deriveDeviceKek(deviceSecret: Uint8Array, machineId: string): Uint8Array {
  if (!(deviceSecret instanceof Uint8Array) || deviceSecret.length !== DEVICE_SECRET_BYTES) {
    throw new TypeError(`device secret must be ${DEVICE_SECRET_BYTES} bytes`);
  }
  const salt = hmac(sha256, APP_BINDING_KEY, te.encode(normaliseMachineId(machineId)));
  let prk: Uint8Array | undefined;
  try {
    prk = extract(sha256, deviceSecret, salt);
    return expand(sha256, prk, KEK_INFO, KEK_BYTES);
  } finally {
    salt.fill(0);
    prk?.fill(0);
  }
}

/** A 32-byte subkey for one purpose; distinct labels give independent keys. */
export function deriveSubkey(kek: Uint8Array, label: SubkeyLabel): Uint8Array {
  if (!(kek instanceof Uint8Array) || kek.length !== KEK_BYTES)
    throw new TypeError(`KEK must be ${KEK_BYTES} bytes`);
  if (!isSubkeyLabel(label))
    throw new TypeError(`unknown subkey label (expected one of ${SUBKEY_LABELS.join(', ')})`);
  return expand(sha256, kek, te.encode(SUBKEY_INFO_PREFIX + label), 32);
}
