/**
 * Worker thread of the lock's decrypt-check (node:fs + worker_threads adapter). It opens the temp file
 * read-only and, for each chunk the main thread reports written, reads it back and opens it with the same
 * STREAM key, position and final flag — so verification runs on the second core while the main thread
 * seals the next chunks. Plaintext goes to one scratch buffer that is wiped; the key is wiped on exit.
 * Protocol: in {init} | {chunk: i, final, pos, len} | {done}; out {verified: bytes} | {error: message}.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import { StreamAead, TAG_BYTES } from '../../crypto/stream-aead.ts';
import { GC_EVERY_BYTES, youngGc } from './v8-young-gc.ts';

export type VerifyRequest =
  | {
      readonly kind: 'init';
      readonly path: string;
      readonly key: Uint8Array;
      readonly nonceBase: Uint8Array;
      readonly ad: Uint8Array;
      readonly chunkSize: number;
    }
  | {
      readonly kind: 'chunk';
      readonly index: number;
      readonly final: boolean;
      readonly pos: number;
      readonly len: number;
    }
  | { readonly kind: 'done' };
export type VerifyReply =
  | { readonly kind: 'verified'; readonly bytes: number }
  | { readonly kind: 'error'; readonly message: string; readonly index: number };

const port = parentPort;
if (!port) throw new Error('filelock-verify-worker must run as a worker thread');

let aead: StreamAead | null = null;
let fh: FileHandle | null = null;
let sealed = new Uint8Array(0);
let out = new Uint8Array(0);
let chain: Promise<void> = Promise.resolve();
let verified = 0;
let failed = false;
const gc = youngGc();
let sinceGc = 0;

port.on('message', (m: VerifyRequest) => {
  chain = chain
    .then(() => handle(m))
    .catch((e: unknown) => {
      if (failed) return;
      failed = true;
      port.postMessage({
        kind: 'error',
        message: e instanceof Error ? e.message : 'verify failed',
        index: m.kind === 'chunk' ? m.index : -1,
      } satisfies VerifyReply);
    });
});

async function handle(m: VerifyRequest): Promise<void> {
  if (failed) return;
  if (m.kind === 'init') {
    aead = new StreamAead(
      m.key,
      m.nonceBase,
      m.ad,
      'node',
      (i) => new Error(`chunk ${i} failed authentication on read-back`),
    );
    m.key.fill(0);
    fh = await open(m.path, constants.O_RDONLY | constants.O_NOFOLLOW);
    sealed = new Uint8Array(m.chunkSize + TAG_BYTES);
    out = new Uint8Array(m.chunkSize);
    return;
  }
  if (!aead || !fh) throw new Error('not initialised');
  if (m.kind === 'chunk') {
    const b = sealed.subarray(0, m.len + TAG_BYTES);
    let got = 0;
    while (got < b.length) {
      const { bytesRead } = await fh.read(b, got, b.length - got, m.pos + got);
      if (bytesRead === 0) throw new Error(`chunk ${m.index} is short on read-back`);
      got += bytesRead;
    }
    aead.open(m.index, m.final, b, out.subarray(0, m.len));
    verified += m.len;
    sinceGc += m.len;
    if (sinceGc >= GC_EVERY_BYTES) {
      gc(); // the decipher's per-chunk output buffers (see v8-young-gc.ts)
      sinceGc = 0;
    }
    return;
  }
  out.fill(0);
  aead.dispose();
  await fh.close();
  port?.postMessage({ kind: 'verified', bytes: verified } satisfies VerifyReply);
}
