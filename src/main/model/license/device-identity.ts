/**
 * The device's X25519 identity as the licence layer sees it. Structurally identical to the interface
 * src/main/keys/ exports (declared here so this module does not depend on the key-store implementation;
 * any object with these two members works). The private half never leaves the implementation: licences
 * only ask for the shared secret with a peer public key.
 */
export interface DeviceIdentity {
  /** X25519 public key, 32 bytes. */
  readonly publicKey: Uint8Array;
  /** X25519(device private key, peer public key), 32 bytes; the caller wipes it. */
  sharedSecret(peerPublicKey: Uint8Array): Promise<Uint8Array>;
}
