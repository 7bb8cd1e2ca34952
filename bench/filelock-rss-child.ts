/**
 * Child of bench/filelock.ts: locks one (large) file as the app would and prints its peak RSS (maxRSS of
 * this process, worker thread included) as JSON. Args: <file> <journalDir>.
 */
import { randomBytes } from 'node:crypto';
import { lockPath } from '../src/main/filelock/fs/lock-engine.ts';
import { deriveFileLockKeys } from '../src/main/filelock/vault-key.ts';

const [file, journalDir] = process.argv.slice(2);
if (!file || !journalDir) throw new Error('usage: filelock-rss-child.ts <file> <journalDir>');
const baseKb = process.resourceUsage().maxRSS;
const t0 = performance.now();
await lockPath(file, { journalDir, keys: deriveFileLockKeys(new Uint8Array(randomBytes(32))) });
const s = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS, baseKb, s }));
