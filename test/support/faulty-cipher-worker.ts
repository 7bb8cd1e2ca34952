/**
 * Test stand-in for a cipher thread that fails: the real filelock-cipher-worker.ts (imported first, so its
 * listener runs first), plus a fault chosen by this module's URL query (`?fault=throw|exit&at=N`): after
 * the N-th seal/open request the thread throws an uncaught error (a crash) or calls process.exit (a
 * thread that stops), with other chunks still in flight. `probe=1` reports on BroadcastChannel
 * 'facevault-cipher-probe' whether the key it was sent is all zeros once the real worker took it.
 */
import '../../src/main/storage/filelock/filelock-cipher-worker.ts';
import { BroadcastChannel, parentPort } from 'node:worker_threads';

const q = new URLSearchParams(process.env.FACEVAULT_TEST_CIPHER_FAULT ?? '');
const fault = q.get('fault');
const at = Number(q.get('at') ?? '1');
const probe = q.get('probe') === '1' ? new BroadcastChannel('facevault-cipher-probe') : null;
let seen = 0;

const port = parentPort;
if (!port) throw new Error('must run as a worker thread');
port.on('message', (m: { kind: string; key?: Uint8Array }) => {
  if (m.kind === 'begin' && m.key && probe) {
    probe.postMessage({ keyWiped: m.key.every((b) => b === 0), keyLength: m.key.length });
    probe.close();
  }
  if (m.kind !== 'seal' && m.kind !== 'open') return;
  seen++;
  if (seen < at || !fault) return;
  if (fault === 'throw') throw new Error('injected cipher thread crash');
  if (fault === 'exit') process.exit(3);
});
