/**
 * A cipher thread of the file-lock pool (node:worker_threads adapter; host: cipher-pool-worker-host.ts).
 * STREAM chunks are independent (each chunk's nonce is the nonce base XOR its index and final flag,
 * src/main/crypto/stream-aead.ts), so any thread can seal or open any chunk: this one does only that; main
 * does every read, write, read-back, fsync and rename, in order.
 *
 * The thread outlives one operation (starting a Node thread costs more than sealing tens of MiB); each
 * lock or unlock is a *session* with its own key and slots. Input comes from the session's shared slots
 * (cipher-slots.ts: lock reads plaintext into a slot, unlock reads ciphertext); the output is the
 * backend's own fresh buffer, moved back to main by *transfer* (no copy).
 * Protocol (every message names its session): in {begin: key (an ArrayBuffer transferred to this
 * thread, not cloned), nonceBase, ad, shared, chunkSize} | {seal|open: slot, index, final, len} | {end};
 * out {ready} | {sealed: slot, ciphertext, tag} | {opened: slot, plaintext} | {auth-failed: slot, index}
 * | {failed: slot, message} | {ended}.
 *
 * Key material: the transferred key buffer is zero-filled as soon as the StreamAead holds its HChaCha20
 * subkey; the subkey is zero-filled by StreamAead#dispose on {end} (an idle thread holds no key);
 * OpenSSL frees each chunk's cipher
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
      readonly kind: 'begin';
      readonly session: number;
      readonly key: Uint8Array;
      readonly nonceBase: Uint8Array;
      readonly ad: Uint8Array;
      readonly shared: SharedArrayBuffer;
      readonly chunkSize: number;
    }
  | {
      readonly kind: 'seal' | 'open';
      readonly session: number;
      readonly slot: number;
      readonly index: number;
      readonly final: boolean;
      readonly len: number;
    }
  | { readonly kind: 'end'; readonly session: number };
export type CipherReply =
  | { readonly kind: 'ready'; readonly session: number }
  | {
      readonly kind: 'sealed';
      readonly session: number;
      readonly slot: number;
      readonly ciphertext: Uint8Array;
      readonly tag: Uint8Array;
    }
  | {
      readonly kind: 'opened';
      readonly session: number;
      readonly slot: number;
      readonly plaintext: Uint8Array;
    }
  | { readonly kind: 'auth-failed'; readonly session: number; readonly slot: number; readonly index: number }
  | { readonly kind: 'failed'; readonly session: number; readonly slot: number; readonly message: string }
  | { readonly kind: 'ended'; readonly session: number };

const port = parentPort;
if (!port) throw new Error('filelock-cipher-worker must run as a worker thread');

class AuthFailed extends Error {}

interface Session {
  readonly aead: StreamAead;
  readonly shared: SharedArrayBuffer;
  readonly chunkSize: number;
}
const sessions = new Map<number, Session>();
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
    case 'begin': {
      let aead: StreamAead;
      try {
        aead = new StreamAead(m.key, m.nonceBase, m.ad, 'node', (i) => new AuthFailed(`chunk ${i}`));
      } finally {
        m.key.fill(0);
      }
      sessions.get(m.session)?.aead.dispose();
      sessions.set(m.session, { aead, shared: m.shared, chunkSize: m.chunkSize });
      port.postMessage({ kind: 'ready', session: m.session } satisfies CipherReply);
      return;
    }
    case 'seal':
    case 'open': {
      const { session, slot } = m;
      try {
        const s = sessions.get(session);
        if (!s) throw new Error('no such session');
        if (!Number.isInteger(m.len) || m.len < 0 || m.len > s.chunkSize)
          throw new RangeError('chunk length');
        const v = slotViews(s.shared, s.chunkSize, slot);
        if (m.kind === 'seal') {
          const r = s.aead.sealDetached(m.index, m.final, v.plain.subarray(0, m.len));
          const ciphertext = owned(r.ciphertext, false);
          port.postMessage({ kind: 'sealed', session, slot, ciphertext, tag: r.tag } satisfies CipherReply, [
            ciphertext.buffer as ArrayBuffer,
          ]);
        } else {
          const sealed = v.sealed.subarray(0, m.len + TAG_BYTES);
          const plaintext = owned(s.aead.openDetached(m.index, m.final, sealed), true);
          port.postMessage({ kind: 'opened', session, slot, plaintext } satisfies CipherReply, [
            plaintext.buffer as ArrayBuffer,
          ]);
        }
      } catch (e) {
        port.postMessage(
          (e instanceof AuthFailed
            ? { kind: 'auth-failed', session, slot, index: m.index }
            : {
                kind: 'failed',
                session,
                slot,
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
    case 'end':
      sessions.get(m.session)?.aead.dispose();
      sessions.delete(m.session);
      port.postMessage({ kind: 'ended', session: m.session } satisfies CipherReply);
      return;
  }
});
