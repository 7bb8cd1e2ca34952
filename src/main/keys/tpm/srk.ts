/**
 * The rules for using the platform's storage root key (TCG TPM 2.0 Provisioning Guidance: persistent handle
 * 0x81000001): which public areas count as an SRK we may seal under, for both drivers (tools: the
 * `tpm2_readpublic` YAML; esapi: the unmarshalled public area). Pure: no TPM, no I/O.
 */
import type { PersistentPublic } from './esapi-binding.ts';
import { SRK_HANDLE, SRK_NAME_BYTES } from './blob-format.ts';

export { SRK_HANDLE };
export const SRK_HANDLE_ARG = '0x81000001';

// ---- the platform SRK -------------------------------------------------------------------------------------
// TPMA_OBJECT bits (TPM 2.0 Library Part 2 §8.3).
export const ATTR = {
  fixedTPM: 0x2,
  fixedParent: 0x10,
  sensitiveDataOrigin: 0x20,
  userWithAuth: 0x40,
  noDA: 0x400,
  restricted: 0x10000,
  decrypt: 0x20000,
  sign: 0x40000,
} as const;
export const SRK_REQUIRED_ATTRS =
  ATTR.fixedTPM |
  ATTR.fixedParent |
  ATTR.sensitiveDataOrigin |
  ATTR.userWithAuth |
  ATTR.noDA |
  ATTR.restricted |
  ATTR.decrypt;

/** The SRK rule on a public area: nameAlg SHA-256, RSA or ECC, SRK_REQUIRED_ATTRS set, sign clear. */
export function isSrkPublic(type: number, nameAlg: number, attrs: number): boolean {
  return (
    nameAlg === 0x000b &&
    (type === 0x0001 || type === 0x0023) && // TPM_ALG_RSA, TPM_ALG_ECC
    (attrs & SRK_REQUIRED_ATTRS) === SRK_REQUIRED_ATTRS &&
    (attrs & ATTR.sign) === 0
  );
}

/** The esapi driver's view of a would-be SRK: its TPM name when usable (same rule as parseSrkReadPublic). */
export function srkNameFromPublic(pub: PersistentPublic): Uint8Array | null {
  if (pub.name.length !== SRK_NAME_BYTES || pub.name[0] !== 0x00 || pub.name[1] !== 0x0b) return null;
  return isSrkPublic(pub.type, pub.nameAlg, pub.attributes) ? pub.name : null;
}

/**
 * Parses `tpm2_readpublic` (tpm2-tools 5.x YAML) of a would-be SRK. Returns its TPM name when the object is
 * a storage key we can seal under — nameAlg SHA-256, type RSA or ECC, all of SRK_REQUIRED_ATTRS set
 * (restricted decryption key, no dictionary-attack lockout, password auth) and `sign` clear — else null.
 * Only the top-level keys `name`, `name-alg`, `type` and `attributes` are read; each must appear exactly
 * once, in the exact form the tools print. Anything unexpected → null (the caller then does not use it).
 */
export function parseSrkReadPublic(yaml: string): Uint8Array | null {
  const top = new Map<string, string[]>(); // top-level key → [inline value, ...indented lines]
  let current: string[] | undefined;
  for (const line of yaml.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith(' ')) {
      if (current === undefined) return null;
      current.push(line.trim());
      continue;
    }
    const m = /^([a-z][a-z -]*):(?: (.*))?$/.exec(line);
    if (m?.[1] === undefined) return null;
    if (top.has(m[1])) return null;
    current = [m[2] ?? ''];
    top.set(m[1], current);
  }
  const raw = (key: string): number | null => {
    const block = top.get(key);
    if (block?.[0] !== '') return null;
    const raws = block.filter((l) => l.startsWith('raw:'));
    const m = raws.length === 1 ? /^raw: 0x([0-9a-f]{1,8})$/.exec(raws[0] ?? '') : null;
    return m?.[1] === undefined ? null : Number.parseInt(m[1], 16);
  };
  const nameLine = top.get('name');
  if (nameLine?.length !== 1) return null;
  const nameHex = /^(000b[0-9a-f]{64})$/.exec(nameLine[0] ?? '')?.[1];
  if (nameHex === undefined) return null;
  const nameAlg = raw('name-alg');
  const type = raw('type');
  const attrs = raw('attributes');
  if (nameAlg === null || type === null || attrs === null || !isSrkPublic(type, nameAlg, attrs)) return null;
  return new Uint8Array(Buffer.from(nameHex, 'hex'));
}

/** tpm2-tools' wording for TPM_RC_HANDLE on the first handle: nothing at that persistent handle. */
export function isHandleAbsent(stderr: string): boolean {
  return /tpm:handle\(1\):the handle is not correct for the use|errorcode \(0x0000018b\)/i.test(stderr);
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
