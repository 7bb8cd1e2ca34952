/**
 * Recovery-passphrase KDF cost (prints figures, asserts nothing). In one run, interleaved REPS times:
 * what ships — scrypt via node:crypto, N = 2^17, r = 8, p = 1 (128 MiB), async on the libuv pool, through
 * the product's own derivePassphraseKek — against Argon2id via @noble/hashes at two parameter sets
 * (RFC 9106 §4 second recommendation scaled to one lane: m = 64 MiB, t = 3, p = 1; and OWASP's floor
 * m = 19 MiB, t = 2, p = 1). Also the main-thread stall during one derivation (event-loop delay, max), which
 * is why the shipped choice is scrypt. Run: npm run bench:kdf [reps]. Last line: one JSON object.
 */
import { randomBytes } from 'node:crypto';
import { argon2id } from '@noble/hashes/argon2.js';
import { DEFAULT_SCRYPT, derivePassphraseKek } from '../src/main/vault/passphrase-kdf.ts';

const REPS = Math.max(3, Number(process.argv[2] ?? 7));
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const pw = 'marble otter quietly juggles ninety lanterns';

/** Wall time of one derivation, and the longest gap between 5 ms ticks of the main thread meanwhile. */
async function timed(fn: () => unknown): Promise<{ ms: number; stallMs: number }> {
  let last = performance.now();
  let worst = 0;
  const tick = setInterval(() => {
    const t = performance.now();
    worst = Math.max(worst, t - last - 5);
    last = t;
  }, 5);
  await new Promise((r) => setTimeout(r, 15)); // the ticker is running before the call starts
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 15)); // and sees the end of a blocking call
  clearInterval(tick);
  return { ms, stallMs: Math.max(0, worst) };
}

const variants = {
  scrypt_n17_r8_p1: () => derivePassphraseKek(pw, new Uint8Array(randomBytes(16)), DEFAULT_SCRYPT),
  argon2id_m64_t3_p1: () => argon2id(pw, randomBytes(16), { m: 64 * 1024, t: 3, p: 1, dkLen: 32 }),
  argon2id_m19_t2_p1: () => argon2id(pw, randomBytes(16), { m: 19 * 1024, t: 2, p: 1, dkLen: 32 }),
} as const;
type Name = keyof typeof variants;
const ms: Record<Name, number[]> = { scrypt_n17_r8_p1: [], argon2id_m64_t3_p1: [], argon2id_m19_t2_p1: [] };
const stall: Record<Name, number[]> = {
  scrypt_n17_r8_p1: [],
  argon2id_m64_t3_p1: [],
  argon2id_m19_t2_p1: [],
};
for (const name of Object.keys(variants) as Name[]) await variants[name](); // warm-up
for (let i = 0; i < REPS; i++) {
  for (const name of Object.keys(variants) as Name[]) {
    const r = await timed(variants[name]);
    ms[name].push(r.ms);
    stall[name].push(r.stallMs);
  }
}
const out: Record<string, number | string> = { reps: REPS, shipped: 'scrypt_n17_r8_p1' };
for (const name of Object.keys(variants) as Name[]) {
  out[`${name}_ms`] = Math.round(median(ms[name]));
  out[`${name}_event_loop_stall_ms`] = Math.round(median(stall[name]));
  console.log(
    `${name.padEnd(20)} median ${median(ms[name]).toFixed(0)} ms   longest main-thread stall ${median(stall[name]).toFixed(0)} ms`,
  );
}
out.argon2id_m64_vs_scrypt = Number((median(ms.argon2id_m64_t3_p1) / median(ms.scrypt_n17_r8_p1)).toFixed(2));
console.log(JSON.stringify(out));
