/**
 * Child of bench/filelock.ts: locks one (large) file as the app would and prints its peak RSS (VmHWM of
 * this process, worker thread included) as JSON. Args: <file> <journalDir>.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { lockPath } from '../src/main/storage/filelock/lock-engine.ts';
import { deriveFileLockKeys } from '../src/main/filelock/vault-key.ts';

const [file, journalDir] = process.argv.slice(2);
if (!file || !journalDir) throw new Error('usage: filelock-rss-child.ts <file> <journalDir>');
/**
 * Peak RSS of this process image in KiB: Linux VmHWM (reset by execve with the new address space), not
 * getrusage's ru_maxrss, which a spawned child inherits from the forked copy of its (larger) parent.
 */
function peakKb(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    /* not Linux */
  }
  return process.resourceUsage().maxRSS;
}
const baseKb = peakKb();
const t0 = performance.now();
await lockPath(file, { journalDir, keys: deriveFileLockKeys(new Uint8Array(randomBytes(32))) });
const s = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ maxRssKb: peakKb(), baseKb, s }));
