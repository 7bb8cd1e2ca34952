/**
 * A DeviceIdentity backed by an X25519 private key held in process memory. Used for the *bootstrap*
 * identity whose private key ships inside the app to open the demo licence once (it is extractable by
 * anyone with the app files — see docs/bundle-format.md §Demo licence), and by tests/bench as a device stub.
 * Real devices use src/main/keys/, which keeps the private key wrapped by the device KEK.
 */
import { randomBytes } from 'node:crypto';
import { x25519 } from '@noble/curves/ed25519.js';
import type { DeviceIdentity } from './device-identity.ts';
import { copyBytes } from '../bytes.ts';

export interface StaticIdentity extends DeviceIdentity {
  /** Wipes the private key; later sharedSecret() calls reject. */
  dispose(): void;
}

export function createStaticIdentity(secretKey: Uint8Array): StaticIdentity {
  if (secretKey.length !== 32) throw new RangeError('X25519 secret key must be 32 bytes');
  const sk = copyBytes(secretKey);
  const publicKey = x25519.getPublicKey(sk);
  let disposed = false;
  return {
    publicKey,
    sharedSecret(peer: Uint8Array): Promise<Uint8Array> {
      if (disposed) return Promise.reject(new Error('identity disposed'));
      try {
        return Promise.resolve(x25519.getSharedSecret(sk, peer));
      } catch (e) {
        return Promise.reject(e instanceof Error ? e : new Error(String(e)));
      }
    },
    dispose(): void {
      sk.fill(0);
      disposed = true;
    },
  };
}

export function randomStaticIdentity(): StaticIdentity {
  const sk = new Uint8Array(randomBytes(32));
  try {
    return createStaticIdentity(sk);
  } finally {
    sk.fill(0);
  }
}
