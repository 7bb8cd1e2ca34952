/**
 * A cipher thread of the file-lock pool (node:worker_threads adapter; host: cipher-pool-worker-host.ts).
 * STREAM chunks are independent (each chunk's nonce is the nonce base XOR its index and final flag,
 * src/main/crypto/stream-aead.ts), so any thread can seal or open any chunk: this one does only that; main
 * does every read, write, read-back, fsync and rename, in order.
 *
 * Input comes from the shared slots (cipher-slots.ts: lock reads plaintext into a slot, unlock reads
 * ciphertext); the output is the backend's own fresh buffer, moved back to main by *transfer* (no copy).
 * Protocol: in {init: key (an ArrayBuffer transferred to this thread, not cloned), nonceBase, ad, shared,
 * chunkSize} | {seal|open: slot, index, final, len} | {close}; out {ready} | {sealed: slot, ciphertext,
 * tag} | {opened: slot, plaintext} | {auth-failed: slot, index} | {failed: slot, message} | {closed}.
 *
 * Key material: the transferred key buffer is zero-filled as soon as the StreamAead holds its HChaCha20
 * subkey; the subkey is zero-filled by StreamAead#dispose on {close}; OpenSSL frees each chunk's cipher
 * context with OPENSSL_cleanse. A chunk that fails its tag leaves nothing (StreamAead#openDetached wipes
 * its output); an opened chunk's plaintext leaves this thread by transfer (this thread keeps no view of
 * it) and main wipes it once written. A thread that dies (crash, terminate) cannot wipe: its copy of the
 * subkey stays in freed memory of this process until reused.
 */
import { parentPort } from 'node:worker_threads';
import { StreamAead, TAG_BYTES } from '../../crypto/stream-aead.ts';
import { slotViews } from './cipher-slots.ts';
import { GC_EVERY_BYTES, youngGc } from './v8-young-gc.ts';

export type CipherRequest =
  | {
      readonly kind: 'init';
      readonly key: Uint8Array;
      readonly nonceBase: Uint8Array;
      readonly ad: Uint8Array;
      readonly shared: SharedArrayBuffer;
      readonly chunkSize: number;
    }
  | {
      readonly kind: 'seal' | 'open';
      readonly slot: number;
      readonly index: number;
      readonly final: boolean;
      readonly len: number;
    }
  | { readonly kind: 'close' };
export type CipherReply =
  | { readonly kind: 'ready' }
  | {
      readonly kind: 'sealed';
      readonly slot: number;
      readonly ciphertext: Uint8Array;
      readonly tag: Uint8Array;
    }
  | { readonly kind: 'opened'; readonly slot: number; readonly plaintext: Uint8Array }
  | { readonly kind: 'auth-failed'; readonly slot: number; readonly index: number }
  | { readonly kind: 'failed'; readonly slot: number; readonly message: string }
  | { readonly kind: 'closed' };

const port = parentPort;
if (!port) throw new Error('filelock-cipher-worker must run as a worker thread');

class AuthFailed extends Error {}

let aead: StreamAead | null = null;
let shared: SharedArrayBuffer | null = null;
let chunkSize = 0;
const gc = youngGc();
let sinceGc = 0;

/** `b` as a view over its own whole ArrayBuffer (what transfer moves); a copy otherwise (the source wiped). */
function owned(b: Uint8Array, secret: boolean): Uint8Array {
  if (b.byteOffset === 0 && b.buffer.byteLength === b.length && b.buffer instanceof ArrayBuffer) return b;
  const c = new Uint8Array(b.length);
  c.set(b);
  if (secret) b.fill(0);
  return c;
}

port.on('message', (m: CipherRequest) => {
  switch (m.kind) {
    case 'init':
      try {
        aead = new StreamAead(m.key, m.nonceBase, m.ad, 'node', (i) => new AuthFailed(`chunk ${i}`));
      } finally {
        m.key.fill(0);
      }
      shared = m.shared;
      chunkSize = m.chunkSize;
      port.postMessage({ kind: 'ready' } satisfies CipherReply);
      return;
    case 'seal':
    case 'open': {
      try {
        if (!aead || !shared) throw new Error('not initialised');
        if (!Number.isInteger(m.len) || m.len < 0 || m.len > chunkSize) throw new RangeError('chunk length');
        const v = slotViews(shared, chunkSize, m.slot);
        if (m.kind === 'seal') {
          const r = aead.sealDetached(m.index, m.final, v.plain.subarray(0, m.len));
          const ciphertext = owned(r.ciphertext, false);
          port.postMessage({ kind: 'sealed', slot: m.slot, ciphertext, tag: r.tag } satisfies CipherReply, [
            ciphertext.buffer as ArrayBuffer,
          ]);
        } else {
          const plaintext = owned(
            aead.openDetached(m.index, m.final, v.sealed.subarray(0, m.len + TAG_BYTES)),
            true,
          );
          port.postMessage({ kind: 'opened', slot: m.slot, plaintext } satisfies CipherReply, [
            plaintext.buffer as ArrayBuffer,
          ]);
        }
      } catch (e) {
        port.postMessage(
          (e instanceof AuthFailed
            ? { kind: 'auth-failed', slot: m.slot, index: m.index }
            : {
                kind: 'failed',
                slot: m.slot,
                message: e instanceof Error ? e.message : 'cipher failed',
              }) satisfies CipherReply,
        );
      }
      sinceGc += m.len;
      if (sinceGc >= GC_EVERY_BYTES) {
        gc(); // the buffers of chunks already handed over (v8-young-gc.ts)
        sinceGc = 0;
      }
      return;
    }
    case 'close':
      aead?.dispose();
      aead = null;
      shared = null;
      port.postMessage({ kind: 'closed' } satisfies CipherReply);
      port.close();
      return;
  }
});
