/**
 * Mutual proof of "same user" for the CLI channel where the OS cannot tell us who is on the other end
 * (pure; docs/filelock-format.md "CLI channel — Windows"). On Windows, Node's named pipes give no peer
 * credentials (that needs GetNamedPipeClientProcessId + OpenProcessToken: native code) and a client cannot
 * tell whether the pipe it reached is FaceVault's or one another user created first. So both ends prove
 * they can read a per-user secret — 32 random bytes the app writes at every start into a file only this
 * user can read (channel-token-file.ts) — before anything else is said:
 *
 *   client → {op: 'hello', nonce: Nc}                       (32 random bytes, hex)
 *   app    → {t: 'hello', nonce: Ns, proof: HMAC(T, "FaceVault CLI server v1\0" ‖ Nc)}
 *   client checks the proof (else: it is not FaceVault — nothing sent), then
 *   client → {…request, proof: HMAC(T, "FaceVault CLI client v1\0" ‖ Ns)}
 *   app checks the proof (else LOCAL_CHANNEL_DENIED)
 *
 * HMAC-SHA256 (RFC 2104); distinct labels per direction so a proof cannot be reflected; fresh nonces per
 * connection so none can be replayed; comparisons in constant time. Guarantees only what the token file's
 * access control guarantees: anyone who can read it (the user, SYSTEM, administrators) passes.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const TOKEN_BYTES = 32;
export const NONCE_HEX = /^[0-9a-f]{64}$/;
const SERVER = Buffer.from('FaceVault CLI server v1\0');
const CLIENT = Buffer.from('FaceVault CLI client v1\0');

export const newNonce = (): string => randomBytes(32).toString('hex');

function mac(token: Uint8Array, label: Buffer, nonceHex: string): Buffer {
  if (token.length !== TOKEN_BYTES) throw new RangeError('channel token must be 32 bytes');
  if (!NONCE_HEX.test(nonceHex)) throw new RangeError('nonce must be 32 bytes of hex');
  return createHmac('sha256', token).update(label).update(Buffer.from(nonceHex, 'hex')).digest();
}

export const serverProof = (token: Uint8Array, clientNonce: string): string =>
  mac(token, SERVER, clientNonce).toString('hex');
export const clientProof = (token: Uint8Array, serverNonce: string): string =>
  mac(token, CLIENT, serverNonce).toString('hex');

function same(expected: Buffer, gotHex: unknown): boolean {
  if (typeof gotHex !== 'string' || !NONCE_HEX.test(gotHex)) return false;
  return timingSafeEqual(expected, Buffer.from(gotHex, 'hex'));
}
export const checkServerProof = (token: Uint8Array, clientNonce: string, got: unknown): boolean =>
  same(mac(token, SERVER, clientNonce), got);
export const checkClientProof = (token: Uint8Array, serverNonce: string, got: unknown): boolean =>
  same(mac(token, CLIENT, serverNonce), got);
