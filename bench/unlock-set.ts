/**
 * Cold unlock of the WHOLE model set as the app does it (prints figures, asserts nothing): open the device
 * keys from a real key store (swtpm TPM 2.0, and a private gnome-keyring Secret Service) → derive the
 * licence-cache key → open each device licence → verify signature → decrypt → create the onnxruntime
 * session from the buffer (as the inference worker does) → wipe, against creating the same sessions from the plaintext .onnx files. Interleaved in one run,
 * medians and ratios. The models are the reference YuNet + MobileFaceNet + MiniFASNet (../shared).
 * Run: node bench/unlock-set.ts [reps]
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { REFERENCE_DESCRIPTORS } from '../src/main/face/family.ts';
import { openDeviceKeys } from '../src/main/keys/open-device-keys.ts';
import { pinVendorKey } from '../src/main/model/bundle/signature.ts';
import { buildCatalog } from '../src/main/model/catalog-builder.ts';
import { readCatalog } from '../src/main/model/model-catalog.ts';
import { openModelSet } from '../src/main/model/model-set.ts';
import { startSecretService } from '../test/support/secret-service.ts';
import { referenceModelsDir } from '../test/support/shared-data.ts';
import { startSwtpm } from '../test/support/swtpm.ts';

const REPS = Math.max(5, Number(process.argv[2] ?? 11));
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const ref = referenceModelsDir();
const files = [
  ['detector', 'yunet', join(ref, 'yunet', 'face_detection_yunet_2023mar.onnx'), REFERENCE_DESCRIPTORS.yunet],
  ['embedder', 'w600k', join(ref, 'w600k_mbf_int8', 'w600k_mbf_int8_dynamic.onnx'), REFERENCE_DESCRIPTORS.w600kMbf],
  ['antispoof', 'minifasnet', join(ref, 'minifasnet', '2.7_80x80_MiniFASNetV2.onnx'), REFERENCE_DESCRIPTORS.minifasnetV2],
] as const;

const root = await mkdtemp(join(tmpdir(), 'fv-bench-set-'));
const tpm = await startSwtpm();
const secrets = await startSecretService();
secrets.useInProcess();
try {
  const vendor = ed25519.keygen();
  const catalogDir = join(root, 'catalog');
  await buildCatalog({
    outDir: catalogDir,
    vendorSecretKey: vendor.secretKey,
    models: await Promise.all(
      files.map(async ([role, name, path, descriptor]) => ({
        role,
        name,
        onnx: new Uint8Array(await readFile(path)),
        modelId: `ref.${name}`,
        modelVersion: '1',
        descriptor,
      })),
    ),
  });
  const pinned = [pinVendorKey(vendor.publicKey)];
  const sessionOptions = { logSeverityLevel: 3 as const };
  const backends = [
    ['tpm', () => openDeviceKeys({ dataDir: join(root, 'keys-tpm'), backend: 'tpm', tcti: tpm.tcti, machineId: 'bench' })],
    ['keychain', () => openDeviceKeys({ dataDir: join(root, 'keys-kc'), backend: 'keychain', machineId: 'bench' })],
  ] as const;

  async function protectedUnlock(open: () => ReturnType<typeof openDeviceKeys>, licenceDir: string): Promise<[number, number]> {
    const t0 = performance.now();
    const keys = await open();
    const t1 = performance.now();
    const set = await openModelSet({ catalog: await readCatalog(catalogDir, pinned), pinnedVendorKeys: pinned, deviceKeys: keys, licenceDir });
    // Sessions from the decrypted buffers, as the inference worker creates them.
    const sessions = [];
    for (const m of set.models) sessions.push(await ort.InferenceSession.create(m.plaintext, sessionOptions));
    set.release();
    const t2 = performance.now();
    await Promise.all(sessions.map((s) => s.release()));
    await keys.close();
    return [t1 - t0, t2 - t0];
  }
  async function plainLoad(): Promise<number> {
    const t0 = performance.now();
    const sessions = [];
    for (const [, , path] of files) sessions.push(await ort.InferenceSession.create(path, sessionOptions));
    const t = performance.now() - t0;
    await Promise.all(sessions.map((s) => s.release()));
    return t;
  }

  // First run (demo licence → device licence) once per backend, not timed as the steady state.
  for (const [name, open] of backends) {
    const t = await protectedUnlock(open, join(root, `lic-${name}`));
    console.log(`first run (${name}): ${t[1].toFixed(1)} ms including the one-time re-wrap`);
  }
  const plain: number[] = [];
  const prot: Record<string, number[]> = { tpm: [], keychain: [] };
  const keyOnly: Record<string, number[]> = { tpm: [], keychain: [] };
  for (let i = 0; i < REPS; i++) {
    plain.push(await plainLoad());
    for (const [name, open] of backends) {
      const [k, total] = await protectedUnlock(open, join(root, `lic-${name}`));
      keyOnly[name]!.push(k);
      prot[name]!.push(total);
    }
  }
  const p = median(plain);
  const out: Record<string, number> = { reps: REPS, plain_ms_median: +p.toFixed(2) };
  console.log(`plain ONNX from disk, 3 sessions: median ${p.toFixed(1)} ms`);
  for (const [name] of backends) {
    const m = median(prot[name]!);
    const k = median(keyOnly[name]!);
    console.log(
      `protected (${name}): median ${m.toFixed(1)} ms (key store ${k.toFixed(1)} ms) → ratio ${(m / p).toFixed(2)}, ` +
        `without the key-store read ${((m - k) / p).toFixed(2)}`,
    );
    out[`${name}_ms_median`] = +m.toFixed(2);
    out[`${name}_keystore_ms_median`] = +k.toFixed(2);
    out[`${name}_ratio`] = +(m / p).toFixed(3);
    out[`${name}_ratio_without_keystore`] = +((m - k) / p).toFixed(3);
  }
  console.log(JSON.stringify(out));
} finally {
  await secrets.stop();
  await tpm.stop();
  await rm(root, { recursive: true, force: true });
}
