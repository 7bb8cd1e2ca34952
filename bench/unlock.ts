/**
 * Unlock cost of protected models (prints figures, asserts nothing). For each reference model, in one run,
 * interleaved N times: cold `InferenceSession.create(path)` vs `loadModel` from a bundle (read + verify +
 * open licence with a device-identity stub + decrypt + create from memory), medians and ratio; a phase
 * breakdown of the protected path; and primitive throughput: XChaCha20-Poly1305 (@noble vs node:crypto
 * ChaCha20-Poly1305 with an HChaCha20 subkey), SHA-256 (@noble vs node:crypto), Ed25519 verify
 * (@noble vs node:crypto). Run: node bench/unlock.ts [reps]
 */
import {
  createCipheriv,
  createHash,
  generateKeyPairSync,
  randomBytes,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import * as ort from 'onnxruntime-node';
import { REFERENCE_DESCRIPTORS } from '../src/cli/vendor/reference-descriptors.ts';
import { decryptBundle, verifyBundle } from '../src/main/model/bundle/read-bundle.ts';
import { pinVendorKey } from '../src/main/model/bundle/signature.ts';
import { hchacha20 } from '../src/main/model/bundle/stream-aead.ts';
import type { AeadBackend } from '../src/main/model/bundle/stream-aead.ts';
import { writeBundle } from '../src/cli/vendor/write-bundle.ts';
import { loadModel } from '../src/main/model/ort-load-model.ts';
import { openLicense } from '../src/main/model/license/vendor-license.ts';
import { issueLicense } from '../src/cli/vendor/issue-license.ts';
import { rewrapToDevice } from '../src/main/model/license/device-licence.ts';
import { randomStaticIdentity } from '../src/main/model/license/static-identity.ts';
import { referenceModelsDir } from '../test/support/shared-data.ts';

const REPS = Math.max(15, Number(process.argv[2] ?? 21));
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const ms = (x: number): string => x.toFixed(2).padStart(7);

const models = [
  {
    name: 'yunet',
    file: join('yunet', 'face_detection_yunet_2023mar.onnx'),
    family: 'yunet',
    descriptor: REFERENCE_DESCRIPTORS.yunet,
  },
  {
    name: 'minifasnet-v2',
    file: join('minifasnet', '2.7_80x80_MiniFASNetV2.onnx'),
    family: 'minifasnet',
    descriptor: REFERENCE_DESCRIPTORS.minifasnetV2,
  },
  {
    name: 'w600k_mbf_int8',
    file: join('w600k_mbf_int8', 'w600k_mbf_int8_dynamic.onnx'),
    family: 'arcface-112',
    descriptor: REFERENCE_DESCRIPTORS.w600kMbf,
  },
];

const vendorKp = ed25519.keygen();
const pinned = [pinVendorKey(vendorKp.publicKey)];
const device = randomStaticIdentity();
const dir = mkdtempSync(join(tmpdir(), 'fv-bench-'));
const sessionOptions: ort.InferenceSession.SessionOptions = { logSeverityLevel: 3 };
const wrappingKey = new Uint8Array(randomBytes(32));

async function timePlain(path: string): Promise<number> {
  const t = performance.now();
  const s = await ort.InferenceSession.create(path, sessionOptions);
  const d = performance.now() - t;
  await s.release();
  return d;
}

async function timeBundle(
  path: string,
  licence: Uint8Array,
  backend: AeadBackend,
  kind: 'vendor' | 'device' = 'vendor',
): Promise<number> {
  const t = performance.now();
  const keySource =
    kind === 'vendor'
      ? { kind: 'vendor-licence' as const, licence, identity: device }
      : { kind: 'device-licence' as const, licence, wrappingKey };
  const m = await loadModel({ bundle: path, keySource, pinnedVendorKeys: pinned, sessionOptions, backend });
  const d = performance.now() - t;
  await m.session.release();
  return d;
}

console.log(
  `node ${process.version}, onnxruntime-node ${ort.env.versions.common}, ${REPS} interleaved repetitions, medians in ms\n`,
);
console.log('bundle = read + verify + open licence + decrypt + create from memory; AEAD backend in brackets');
console.log(
  'model            KiB    plain  vendor-lic[node]     device-lic[node]     vendor-lic[noble]  |  phases: read verify licence decrypt',
);
for (const m of models) {
  const path = join(referenceModelsDir(), m.file);
  const model = new Uint8Array(readFileSync(path));
  const w = writeBundle({
    model,
    vendorSecretKey: vendorKp.secretKey,
    modelId: m.name,
    modelVersion: '1',
    family: m.family,
    descriptor: m.descriptor,
  });
  const bpath = join(dir, `${m.name}.fvb`);
  writeFileSync(bpath, w.bundle);
  const licence = issueLicense({
    modelKey: w.modelKey,
    keyId: w.header.keyId,
    modelId: m.name,
    devicePublicKey: device.publicKey,
    vendorSecretKey: vendorKp.secretKey,
  });
  const devLic = rewrapToDevice(
    { modelKey: w.modelKey, keyId: w.header.keyId, modelId: m.name, expiresAt: 0 },
    wrappingKey,
  );
  w.modelKey.fill(0);
  // warm-up (JIT, page cache, ORT lazy init)
  for (let i = 0; i < 3; i++) {
    await timePlain(path);
    await timeBundle(bpath, licence, 'node');
    await timeBundle(bpath, licence, 'noble');
    await timeBundle(bpath, devLic, 'node', 'device');
  }
  const plain: number[] = [];
  const prot: number[] = [];
  const protNoble: number[] = [];
  const protDev: number[] = [];
  const phases: Record<'read' | 'verify' | 'licence' | 'decrypt', number[]> = {
    read: [],
    verify: [],
    licence: [],
    decrypt: [],
  };
  for (let i = 0; i < REPS; i++) {
    plain.push(await timePlain(path));
    prot.push(await timeBundle(bpath, licence, 'node'));
    protNoble.push(await timeBundle(bpath, licence, 'noble'));
    protDev.push(await timeBundle(bpath, devLic, 'node', 'device'));
    // phase breakdown (same steps as loadModel, without ORT)
    let t = performance.now();
    const data = readFileSync(bpath);
    phases.read.push(performance.now() - t);
    t = performance.now();
    const v = verifyBundle(data, pinned);
    phases.verify.push(performance.now() - t);
    t = performance.now();
    const o = await openLicense(licence, device, pinned, { expect: { keyId: v.header.keyId } });
    phases.licence.push(performance.now() - t);
    t = performance.now();
    decryptBundle(v, o.modelKey).fill(0);
    phases.decrypt.push(performance.now() - t);
    o.modelKey.fill(0);
  }
  const p = median(plain);
  const b = median(prot);
  const bn = median(protNoble);
  const bd = median(protDev);
  const col = (x: number): string => `${ms(x)} (${(x / p).toFixed(2)}x)`;
  console.log(
    `${m.name.padEnd(16)} ${String(Math.round(model.length / 1024)).padStart(4)} ${ms(p)}  ${col(b)}   ${col(bd)}   ${col(bn)}  | ${ms(median(phases.read))}${ms(median(phases.verify))}${ms(median(phases.licence))}${ms(median(phases.decrypt))}`,
  );
}

// ---- primitive throughput ----
const MB = 8;
const buf = new Uint8Array(randomBytes(MB * 1024 * 1024));
const key = new Uint8Array(randomBytes(32));
const nonce24 = new Uint8Array(randomBytes(24));
function rate(label: string, f: () => void, reps = 7): void {
  f();
  const xs: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    f();
    xs.push(performance.now() - t);
  }
  console.log(`${label.padEnd(58)} ${(MB / (median(xs) / 1000)).toFixed(0).padStart(6)} MB/s`);
}
console.log(`\nthroughput on ${MB} MiB (median of 7):`);
rate(
  'XChaCha20-Poly1305 encrypt, @noble/ciphers (one call)',
  () => void xchacha20poly1305(key, nonce24).encrypt(buf),
);
rate('XChaCha20-Poly1305 encrypt, node:crypto + HChaCha20 subkey', () => {
  const sub = hchacha20(key, nonce24.subarray(0, 16));
  const n12 = new Uint8Array(12);
  n12.set(nonce24.subarray(16), 4);
  const c = createCipheriv('chacha20-poly1305', sub, n12, { authTagLength: 16 });
  c.update(buf);
  c.final();
  c.getAuthTag();
  sub.fill(0);
});
rate('SHA-256, @noble/hashes', () => void nobleSha256(buf));
rate('SHA-256, node:crypto', () => void createHash('sha256').update(buf).digest());

const digest = createHash('sha256').update(buf).digest();
const sig = ed25519.sign(digest, vendorKp.secretKey);
const nk = generateKeyPairSync('ed25519');
const nsig = nodeSign(null, digest, nk.privateKey);
function perOp(label: string, f: () => void, n = 200): void {
  for (let i = 0; i < 20; i++) f();
  const t = performance.now();
  for (let i = 0; i < n; i++) f();
  console.log(`${label.padEnd(58)} ${((performance.now() - t) / n).toFixed(3).padStart(6)} ms/op`);
}
console.log('\nsignature over the 32-byte body digest:');
perOp(
  'Ed25519 verify, @noble/curves (zip215: false)',
  () => void ed25519.verify(sig, digest, vendorKp.publicKey, { zip215: false }),
);
perOp('Ed25519 verify, node:crypto', () => void nodeVerify(null, digest, nk.publicKey, nsig));
rmSync(dir, { recursive: true, force: true });
