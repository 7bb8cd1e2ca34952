/**
 * Cold unlock of the WHOLE model set (prints figures, asserts nothing). Protected: open the device keys from
 * a real key store (swtpm TPM 2.0, and a private gnome-keyring Secret Service) → derive the licence-cache
 * key → open each device licence → verify signature → decrypt → create the onnxruntime session from the
 * buffer → wipe. Plain: the same sessions from the plaintext .onnx files. Two ways, interleaved in one run,
 * medians and ratios:
 *   - app path (the figure the user sees, what model-service.ts does): from "start" to "pipeline ready" in
 *     the inference worker — the worker is spawned first, then each model is handed over as soon as it
 *     exists (protected: decrypted; plain: read from disk) and its session is created in the worker while
 *     the next one is prepared. Both arms pay the same worker start.
 *   - in-thread, sequential (the crypto cost with nothing hidden): keys → openModelSet → sessions on this
 *     thread, against sessions created from the plaintext paths on this thread.
 * Models: `--set reference` (default: YuNet + MobileFaceNet int8 + MiniFASNet from ../shared) or `--set default`
 * (the shipped BlazeFace + face-api fp16 from build/models). BENCH_BACKENDS=keychain|tpm for one backend.
 * BENCH_TPM_SRK=1 provisions a platform SRK at 0x81000001 in the bench's swtpm first (as Windows /
 * systemd-cryptenroll do), so the TPM backend seals under it (unseal: 3 tool runs instead of 5).
 * FACEVAULT_TPM_DRIVER=esapi|tools picks the TPM driver (default auto: esapi when tpm2-tss loads).
 * Run: node bench/unlock-set.ts [reps] [--set reference|default]
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { REFERENCE_DESCRIPTORS } from '../src/cli/vendor/reference-descriptors.ts';
import { openDeviceKeys } from '../src/main/keys/open-device-keys.ts';
import { pinVendorKey } from '../src/main/model/bundle/signature.ts';
import { buildCatalog } from '../src/cli/vendor/catalog-builder.ts';
import { readCatalog } from '../src/main/model/model-catalog.ts';
import { openModelSet } from '../src/main/model/model-set.ts';
import { unlockIntoWorker } from '../src/main/model/model-service.ts';
import { spawnPipelineWorker } from '../src/main/face/pipeline-worker-host.ts';
import { readBundleFileSync } from '../src/main/model/bundle-file.ts';
import { startSecretService } from '../test/support/secret-service.ts';
import { referenceModelsDir } from '../test/support/shared-data.ts';
import { NPM_DESCRIPTORS } from '../tools/npm-descriptors.ts';
import { npmModelsDir } from './lib/default-models.ts';
import type { FamilyDescriptor } from '../src/main/face/family.ts';
import type { ModelRole } from '../src/main/model/model-catalog.ts';
import { statSync } from 'node:fs';
import { provisionSrk, startSwtpm } from '../test/support/swtpm.ts';
import { selectDriver } from '../src/main/keys/tpm/tpm-store.ts';

const args = process.argv.slice(2);
const setArg = args.includes('--set') ? args[args.indexOf('--set') + 1] : 'reference';
const REPS = Math.max(5, Number(args.find((a) => /^\d+$/.test(a)) ?? 11));
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const ref = referenceModelsDir();
const built = npmModelsDir(); // npm run models:build (the build cache, tools/build-layout.ts)
const SETS = {
  reference: [
    [
      'detector',
      'yunet',
      join(ref, 'yunet', 'face_detection_yunet_2023mar.onnx'),
      REFERENCE_DESCRIPTORS.yunet,
    ],
    [
      'embedder',
      'w600k',
      join(ref, 'w600k_mbf_int8', 'w600k_mbf_int8_dynamic.onnx'),
      REFERENCE_DESCRIPTORS.w600kMbf,
    ],
    [
      'antispoof',
      'minifasnet',
      join(ref, 'minifasnet', '2.7_80x80_MiniFASNetV2.onnx'),
      REFERENCE_DESCRIPTORS.minifasnetV2,
    ],
  ],
  // The shipped default set (tools/build-default-catalog.ts DEFAULT_SET).
  default: [
    ['detector', 'blazeface', join(built, 'human-blazeface.onnx'), NPM_DESCRIPTORS.blazeface],
    [
      'embedder',
      'faceapi-recognition',
      join(built, 'faceapi-recognition.fp16.onnx'),
      NPM_DESCRIPTORS.faceapiRecognition,
    ],
  ],
} as const;
if (setArg !== 'reference' && setArg !== 'default') throw new Error('--set reference|default');
const files: readonly (readonly [ModelRole, string, string, FamilyDescriptor])[] = SETS[setArg];
console.log(
  `model set: ${setArg} (${files.map(([, name, path]) => `${name} ${(statSync(path).size / 2 ** 20).toFixed(1)} MiB`).join(', ')})`,
);

const root = await mkdtemp(join(tmpdir(), 'fv-bench-set-'));
const tpm = await startSwtpm();
const withSrk = process.env.BENCH_TPM_SRK === '1';
if (withSrk) provisionSrk(tpm.tcti, root); // before the first TPM create, so the sealed secret is a v2 blob
const tpmDriver = selectDriver().driver;
console.log(`TPM driver: ${tpmDriver} (FACEVAULT_TPM_DRIVER=${process.env.FACEVAULT_TPM_DRIVER ?? 'auto'})`);
const runs = tpmDriver === 'esapi' ? 'no process; in-process ESAPI' : withSrk ? '3 tool runs' : '5 tool runs';
console.log(
  `TPM parent: ${withSrk ? `platform SRK at 0x81000001 (BENCH_TPM_SRK=1; unseal = ${runs})` : `transient primary (no SRK; unseal = ${runs})`}`,
);
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
  const allBackends = [
    [
      'tpm',
      () =>
        openDeviceKeys({
          dataDir: join(root, 'keys-tpm'),
          backend: 'tpm',
          tcti: tpm.tcti,
          machineId: 'bench',
        }),
    ],
    [
      'keychain',
      () => openDeviceKeys({ dataDir: join(root, 'keys-kc'), backend: 'keychain', machineId: 'bench' }),
    ],
  ] as const;
  // BENCH_BACKENDS=keychain (or tpm) measures one backend only.
  const only = process.env.BENCH_BACKENDS?.split(',');
  const backends = allBackends.filter(([name]) => !only || only.includes(name));

  async function keyStoreOnly(open: () => ReturnType<typeof openDeviceKeys>): Promise<number> {
    const t0 = performance.now();
    const keys = await open();
    const t = performance.now() - t0;
    await keys.close();
    return t;
  }
  async function protectedUnlock(
    open: () => ReturnType<typeof openDeviceKeys>,
    licenceDir: string,
  ): Promise<number> {
    const t0 = performance.now();
    // As the app does it: the bundles are read and verified while the key store answers.
    const keys = open();
    const set = await openModelSet({
      catalog: await readCatalog(catalogDir, pinned),
      pinnedVendorKeys: pinned,
      deviceKeys: keys,
      licenceDir,
    });
    const tSet = performance.now() - t0;
    // Sessions from the decrypted buffers, here on this thread.
    const sessions = [];
    for (const m of set.models) sessions.push(await ort.InferenceSession.create(m.plaintext, sessionOptions));
    set.release();
    const t = performance.now() - t0;
    if (process.env.BENCH_TRACE)
      console.log(`  trace: keys+openModelSet ${tSet.toFixed(1)} ms, sessions ${(t - tSet).toFixed(1)} ms`);
    await Promise.all(sessions.map((s) => s.release()));
    await (await keys).close();
    return t;
  }
  async function plainLoad(): Promise<number> {
    const t0 = performance.now();
    const sessions = [];
    for (const [, , path] of files) sessions.push(await ort.InferenceSession.create(path, sessionOptions));
    const t = performance.now() - t0;
    await Promise.all(sessions.map((s) => s.release()));
    return t;
  }

  async function protectedApp(
    open: () => ReturnType<typeof openDeviceKeys>,
    licenceDir: string,
  ): Promise<number> {
    const t0 = performance.now();
    const r = await unlockIntoWorker(open, async (keys, onModel) =>
      openModelSet({
        catalog: await readCatalog(catalogDir, pinned),
        pinnedVendorKeys: pinned,
        deviceKeys: keys,
        licenceDir,
        onModel,
      }),
    );
    const t = performance.now() - t0;
    await r.pipe.close();
    await r.keys.close();
    return t;
  }
  async function plainApp(): Promise<number> {
    const t0 = performance.now();
    const loader = spawnPipelineWorker();
    const loads = files.map(([role, , path, descriptor]) =>
      loader.load(role, { bytes: readBundleFileSync(path, 1 << 30), descriptor }),
    );
    await Promise.all(loads);
    const pipe = await loader.start();
    const t = performance.now() - t0;
    await pipe.close();
    return t;
  }

  // One phase per backend, keychain first: each protected arm is interleaved with the plain arms measured in
  // the same phase, and its ratio is against those. (The TPM backend spawns tpm2-tools; every fork leaves
  // this whole process's pages write-protected until touched again, which slows whatever runs after it here,
  // so a shared plain median would be unfair to one side or the other.)
  const out: Record<string, number> = {
    reps: REPS,
    tpm_srk: withSrk ? 1 : 0,
    tpm_esapi: tpmDriver === 'esapi' ? 1 : 0,
  };
  for (const [name, open] of [...backends].sort(([a], [b]) =>
    a === 'keychain' ? -1 : b === 'keychain' ? 1 : 0,
  )) {
    const licenceDir = join(root, `lic-${name}`);
    // First run (demo licence → device licence), not timed as the steady state.
    console.log(
      `[${name}] first run: ${(await protectedUnlock(open, licenceDir)).toFixed(1)} ms including the one-time re-wrap`,
    );
    const plain: number[] = [];
    const plainAppMs: number[] = [];
    const prot: number[] = [];
    const protApp: number[] = [];
    const keyOnly: number[] = [];
    for (let i = 0; i < REPS; i++) {
      plain.push(await plainLoad());
      prot.push(await protectedUnlock(open, licenceDir));
      plainAppMs.push(await plainApp());
      protApp.push(await protectedApp(open, licenceDir));
      keyOnly.push(await keyStoreOnly(open));
    }
    const [p, pa, m, ma, k] = [plain, plainAppMs, prot, protApp, keyOnly].map(median) as [
      number,
      number,
      number,
      number,
      number,
    ];
    console.log(
      `[${name}] app path, start → pipeline ready in the worker: plain ${pa.toFixed(1)} ms, protected ${ma.toFixed(1)} ms → ratio ${(ma / pa).toFixed(2)}`,
    );
    console.log(
      `[${name}] in-thread, sequential, ${files.length} sessions: plain ${p.toFixed(1)} ms, protected ${m.toFixed(1)} ms → ratio ${(m / p).toFixed(2)} ` +
        `(key store alone ${k.toFixed(1)} ms, overlapped with the bundle checks)`,
    );
    Object.assign(out, {
      [`${name}_app_plain_ms`]: +pa.toFixed(2),
      [`${name}_app_protected_ms`]: +ma.toFixed(2),
      [`${name}_app_ratio`]: +(ma / pa).toFixed(3),
      [`${name}_inthread_plain_ms`]: +p.toFixed(2),
      [`${name}_inthread_protected_ms`]: +m.toFixed(2),
      [`${name}_inthread_ratio`]: +(m / p).toFixed(3),
      [`${name}_keystore_ms`]: +k.toFixed(2),
    });
  }
  console.log(JSON.stringify(out));
} finally {
  await secrets.stop();
  await tpm.stop();
  await rm(root, { recursive: true, force: true });
}
