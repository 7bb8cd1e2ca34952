/**
 * The sealed device-secret file (TPM_BLOB_FILE in the data dir): one versioned file holding the sealed
 * object's public and private areas and, for v2, the parent SRK's handle and TPM name (TPM 2.0 Library
 * Part 1 §16, object names). Pure codec: no TPM, no I/O; decode refuses anything but the exact layout
 * (KEY_STORE_IO, KEY_MESSAGES.tpmDamaged / tpmBlobUnsupported).
 */
import { KEY_MESSAGES, KeyStoreIoError } from '../key-errors.ts';

// ---- blob file ----------------------------------------------------------------------------------------------
// v1 (transient primary): "FVTPM" | 1 | u16be pubLen | pub | u16be privLen | priv
// v2 (persistent SRK):    "FVTPM" | 2 | u32be parent handle (0x81000001) | u16be nameLen (34) | parent TPM name
//                         (nameAlg 0x000b SHA-256 + 32-byte digest) | u16be pubLen | pub | u16be privLen | priv
/** TCG-reserved persistent handle of the owner hierarchy's storage root key (recorded in v2 blobs). */
export const SRK_HANDLE = 0x81000001;
export const MAGIC = new TextEncoder().encode('FVTPM');
export const VERSION_TRANSIENT = 1;
export const VERSION_SRK = 2;
export const MAX_PUB = 1024;
export const MAX_PRIV = 2048;
export const SRK_NAME_BYTES = 34;
export const MAX_BLOB_FILE = MAGIC.length + 1 + 4 + 2 + SRK_NAME_BYTES + 2 + MAX_PUB + 2 + MAX_PRIV;

/** Parent of a sealed object: the transient primary, or the persistent SRK with the TPM name it had at seal time. */
export type SealParent = { readonly kind: 'transient' } | { readonly kind: 'srk'; readonly name: Uint8Array };

export function encodeBlob(parent: SealParent, pub: Uint8Array, priv: Uint8Array): Uint8Array {
  const head = parent.kind === 'srk' ? 4 + 2 + parent.name.length : 0;
  const out = new Uint8Array(MAGIC.length + 1 + head + 2 + pub.length + 2 + priv.length);
  const dv = new DataView(out.buffer);
  let o = 0;
  out.set(MAGIC, o);
  o += MAGIC.length;
  out[o++] = parent.kind === 'srk' ? VERSION_SRK : VERSION_TRANSIENT;
  if (parent.kind === 'srk') {
    dv.setUint32(o, SRK_HANDLE);
    o += 4;
    dv.setUint16(o, parent.name.length);
    o += 2;
    out.set(parent.name, o);
    o += parent.name.length;
  }
  dv.setUint16(o, pub.length);
  o += 2;
  out.set(pub, o);
  o += pub.length;
  dv.setUint16(o, priv.length);
  o += 2;
  out.set(priv, o);
  return out;
}

export function decodeBlob(file: Uint8Array): { parent: SealParent; pub: Uint8Array; priv: Uint8Array } {
  const damaged = (): KeyStoreIoError => new KeyStoreIoError(KEY_MESSAGES.tpmDamaged);
  if (file.length < MAGIC.length + 5) throw damaged();
  for (let i = 0; i < MAGIC.length; i++) if (file[i] !== MAGIC[i]) throw damaged();
  const version = file[MAGIC.length];
  if (version !== VERSION_TRANSIENT && version !== VERSION_SRK) {
    throw new KeyStoreIoError(
      (version ?? 0) > VERSION_SRK ? KEY_MESSAGES.tpmBlobUnsupported : KEY_MESSAGES.tpmDamaged,
    );
  }
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let o = MAGIC.length + 1;
  let parent: SealParent = { kind: 'transient' };
  if (version === VERSION_SRK) {
    if (o + 4 + 2 + SRK_NAME_BYTES > file.length) throw damaged();
    if (dv.getUint32(o) !== SRK_HANDLE) throw damaged();
    o += 4;
    if (dv.getUint16(o) !== SRK_NAME_BYTES) throw damaged();
    o += 2;
    const name = file.slice(o, o + SRK_NAME_BYTES);
    if (name[0] !== 0x00 || name[1] !== 0x0b) throw damaged(); // nameAlg TPM_ALG_SHA256
    o += SRK_NAME_BYTES;
    parent = { kind: 'srk', name };
  }
  if (o + 2 > file.length) throw damaged();
  const pubLen = dv.getUint16(o);
  o += 2;
  if (pubLen === 0 || pubLen > MAX_PUB || o + pubLen + 2 > file.length) throw damaged();
  const pub = file.slice(o, o + pubLen);
  o += pubLen;
  const privLen = dv.getUint16(o);
  o += 2;
  if (privLen === 0 || privLen > MAX_PRIV || o + privLen !== file.length) throw damaged();
  return { parent, pub, priv: file.slice(o, o + privLen) };
}
