/**
 * Child process of test/security/onnxruntime-telemetry.test.ts, run with HOME, cwd and TMPDIR pointed at
 * fresh directories and ORT_DISABLE_TELEMETRY=0 inherited (a hostile default the product must override).
 *   worker: the reference detector, embedder and anti-spoofing models loaded into the product's inference
 *           worker (pipeline-worker-host.ts), a real LFW face run through them;
 *   main:   a signed, encrypted bundle of the reference detector decrypted and opened in this thread by the
 *           product's loader (ort-load-model.ts), one inference run.
 * Prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { loadFrame } from '../../bench/lib/images.ts';
import { referenceModelSources } from '../../bench/lib/reference-models.ts';
import { createWorkerPipeline } from '../../src/main/face/pipeline-worker-host.ts';
import { writeBundle } from '../../src/cli/vendor/write-bundle.ts';
import { loadModel } from '../../src/main/model/ort-load-model.ts';
import { randomStaticIdentity } from '../../src/main/model/license/static-identity.ts';
import { issueLicense } from '../../src/cli/vendor/issue-license.ts';
import { makeVendor, testDescriptor } from './bundle-fixtures.ts';
import { lfwDir, referenceModelsDir } from './shared-data.ts';

const mode = process.argv[2];
if (mode === 'worker') {
  const frame = await loadFrame(join(lfwDir(), 'images', 'AJ_Cook', 'AJ_Cook_0001.jpg'));
  const worker = await createWorkerPipeline(referenceModelSources('yunet-dynamic'));
  try {
    const a = await worker.analyzeFrame(frame, { embed: 'always' });
    console.log(JSON.stringify({ mode, faces: a.faces.length, embedding: a.embedding?.length ?? 0 }));
  } finally {
    await worker.close();
  }
} else if (mode === 'main') {
  const vendor = makeVendor();
  const device = randomStaticIdentity();
  const model = new Uint8Array(
    readFileSync(join(referenceModelsDir(), 'yunet', 'face_detection_yunet_2023mar.onnx')),
  );
  const w = writeBundle({
    model,
    vendorSecretKey: vendor.secretKey,
    modelId: 'yunet',
    modelVersion: '1',
    family: 'yunet',
    descriptor: testDescriptor,
  });
  const licence = issueLicense({
    modelKey: w.modelKey,
    keyId: w.header.keyId,
    modelId: 'yunet',
    devicePublicKey: device.publicKey,
    vendorSecretKey: vendor.secretKey,
  });
  const loaded = await loadModel({
    bundle: w.bundle,
    keySource: { kind: 'vendor-licence', licence, identity: device },
    pinnedVendorKeys: vendor.pinned,
  });
  const input = loaded.session.inputNames[0] ?? 'input';
  const out = await loaded.session.run({
    [input]: new ort.Tensor('float32', new Float32Array(3 * 640 * 640), [1, 3, 640, 640]),
  });
  console.log(JSON.stringify({ mode, outputs: Object.keys(out).length }));
  await loaded.session.release();
} else {
  throw new Error('usage: onnxruntime-telemetry-child.ts worker|main');
}
