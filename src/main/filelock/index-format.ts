/**
 * The sealed list of locked items (docs/filelock-format.md "The list of locked items"): what the files
 * panel shows — display names, where each container is and where its original was — encrypted and
 * authenticated under a key only the vault key gives, so the profile folder leaks no names or paths.
 *
 *   offset size  field
 *   0      4     magic "FVIX"
 *   4      1     format version (1)
 *   5      3     zero
 *   8      16    vault key id (vault-key.ts: which vault sealed it)
 *   24     24    XChaCha20 nonce, random per write
 *   48     n+16  XChaCha20-Poly1305(indexKey, nonce, AD = bytes 0..48) of UTF-8 JSON {v: 1, items}
 *
 * indexKey = HKDF-SHA256(vaultKey, info = "FaceVault filelock index v1\0") (vault-key.ts). Construction:
 * draft-irtf-cfrg-xchacha-03 §2 (via @noble/ciphers), a random 192-bit nonce per write (no reuse bound to
 * worry about). Guarantees: `openIndex` returns items only when the tag verifies under this vault's key
 * and every field passes the schema; anything else is a typed error — FILELOCK_WRONG_VAULT (another
 * vault's list), FILELOCK_INDEX_DAMAGED (bad magic, unknown version, short, tag or schema failure) — and
 * nothing is half-used. Not guaranteed: freshness (a copy of an older list, restored by someone with
 * write access to the profile, opens; it can only hide or show stale rows — the containers are
 * self-contained and never depend on the list).
 */
import { randomBytes } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { z } from 'zod';
import { FileLockError } from './errors.ts';

export const INDEX_MAGIC = new Uint8Array([0x46, 0x56, 0x49, 0x58]); // "FVIX"
export const INDEX_VERSION = 1;
export const INDEX_HEADER_BYTES = 48;
/** Refused above this (100,000 items of ~8 KiB of paths at most): a list is never read unbounded. */
export const INDEX_MAX_BYTES = 64 * 1024 * 1024;

export const registryItemSchema = z.strictObject({
  id: z.string().regex(/^[a-z2-7]{26}$/),
  displayName: z.string().min(1).max(255),
  kind: z.enum(['file', 'folder']),
  sizeBytes: z.number().int().min(0),
  /** Where the container is (state 'locked') or was (state 'unlocked'). */
  containerPath: z.string().min(1).max(4096),
  /** Where the original is restored to / was locked from. */
  originalPath: z.string().min(1).max(4096),
  state: z.enum(['locked', 'unlocked']),
  changedAt: z.number().int().min(0),
});
export type RegistryItem = z.infer<typeof registryItemSchema>;

export const indexBodySchema = z.strictObject({
  v: z.literal(1),
  items: z.array(registryItemSchema).max(100_000),
});

export interface IndexKeys {
  /** 32 bytes, from the vault key (vault-key.ts). */
  readonly indexKey: Uint8Array;
  /** 16 bytes, the vault key id. */
  readonly vaultKeyId: Uint8Array;
}

const damaged = (why: string) =>
  new FileLockError(
    'FILELOCK_INDEX_DAMAGED',
    `The list of locked items is damaged (${why}); your locked files are not affected and still open.`,
  );

function checkKeys(k: IndexKeys): void {
  if (k.indexKey.length !== 32 || k.vaultKeyId.length !== 16) throw new RangeError('index keys');
}

export function sealIndex(items: readonly RegistryItem[], k: IndexKeys): Uint8Array {
  checkKeys(k);
  const body = new TextEncoder().encode(JSON.stringify(indexBodySchema.parse({ v: 1, items })));
  const header = new Uint8Array(INDEX_HEADER_BYTES);
  header.set(INDEX_MAGIC, 0);
  header[4] = INDEX_VERSION;
  header.set(k.vaultKeyId, 8);
  header.set(randomBytes(24), 24);
  const sealed = xchacha20poly1305(k.indexKey, header.subarray(24, 48), header).encrypt(body);
  body.fill(0);
  const out = new Uint8Array(INDEX_HEADER_BYTES + sealed.length);
  out.set(header, 0);
  out.set(sealed, INDEX_HEADER_BYTES);
  return out;
}

export function openIndex(bytes: Uint8Array, k: IndexKeys): RegistryItem[] {
  checkKeys(k);
  if (bytes.length < INDEX_HEADER_BYTES + 16) throw damaged('too short');
  if (bytes.length > INDEX_MAX_BYTES) throw damaged('too large');
  if (!INDEX_MAGIC.every((b, i) => bytes[i] === b)) throw damaged('not a FaceVault list');
  if (bytes[4] !== INDEX_VERSION) throw damaged(`format version ${bytes[4]} is not supported`);
  if (bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) throw damaged('reserved bytes set');
  const header = bytes.subarray(0, INDEX_HEADER_BYTES);
  const keyId = header.subarray(8, 24);
  if (!keyId.every((b, i) => b === k.vaultKeyId[i])) {
    throw new FileLockError(
      'FILELOCK_WRONG_VAULT',
      'The list of locked items belongs to another vault; your locked files are not affected.',
    );
  }
  let body: Uint8Array;
  try {
    body = xchacha20poly1305(k.indexKey, header.subarray(24, 48), header).decrypt(
      bytes.subarray(INDEX_HEADER_BYTES),
    );
  } catch {
    throw damaged('it failed authentication');
  }
  try {
    return indexBodySchema.parse(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body))).items;
  } catch {
    throw damaged('its contents are not a valid list');
  } finally {
    body.fill(0);
  }
}
