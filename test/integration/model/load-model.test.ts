/**
 * The real thing: the YuNet reference model is packed, loaded into onnxruntime from memory, and run.
 * Checks: outputs bit-identical to the plaintext file's session; no fs write API is called during load and
 * no file created/modified since the test began (temp data dir, os.tmpdir()) contains a 64-byte slice of
 * the plaintext; plaintext buffer and model key are zero after load (onWipe hook); periodic re-check.
 */
import fs from 'node:fs';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE_DESCRIPTORS } from '../../../src/cli/vendor/reference-descriptors.ts';
import { writeBundle } from '../../../src/cli/vendor/write-bundle.ts';
import { verifyBundleFile, type WipedSecrets } from '../../../src/main/model/load-model.ts';
import { loadModel } from '../../../src/main/model/ort-load-model.ts';
import { rewrapToDevice } from '../../../src/main/model/license/device-licence.ts';
import { issueLicense } from '../../../src/cli/vendor/issue-license.ts';
import { randomStaticIdentity } from '../../../src/main/model/license/static-identity.ts';
import { makeVendor } from '../../support/bundle-fixtures.ts';
import { referenceModelsDir } from '../../support/shared-data.ts';

const MODEL = join(referenceModelsDir(), 'yunet', 'face_detection_yunet_2023mar.onnx');
const vendor = makeVendor();
const device = randomStaticIdentity();
const dataDir = mkdtempSync(join(tmpdir(), 'fv-load-model-'));
const bundlePath = join(dataDir, 'yunet.fvb');
let plaintextModel: Uint8Array;
let licence: Uint8Array;
let keyId: Uint8Array;
let modelKeyCopy: Uint8Array;
const started = Date.now() - 1000;

function input(): ort.Tensor {
  const d = new Float32Array(3 * 640 * 640);
  let x = 12345;
  for (let i = 0; i < d.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    d[i] = (x >>> 16) % 256;
  }
  return new ort.Tensor('float32', d, [1, 3, 640, 640]);
}

async function run(s: ort.InferenceSession): Promise<Record<string, Float32Array>> {
  const out = await s.run({ [s.inputNames[0]!]: input() });
  const r: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(out)) {
    const data = v.data;
    if (!(data instanceof Float32Array)) throw new Error(`output ${k} is not float32`);
    r[k] = data;
  }
  return r;
}

function filesSince(dir: string, since: number, depth = 0, acc: string[] = []): string[] {
  if (depth > 4) return acc;
  let entries: fs.Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return acc;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    try {
      if (e.isDirectory()) filesSince(p, since, depth + 1, acc);
      else if (e.isFile()) {
        const st = statSync(p);
        if (st.mtimeMs >= since && st.size <= 256 * 1024 * 1024) acc.push(p);
      }
    } catch {
      /* vanished or unreadable (other users' files): skip */
    }
  }
  return acc;
}

beforeAll(() => {
  plaintextModel = new Uint8Array(readFileSync(MODEL));
  const w = writeBundle({
    model: plaintextModel,
    vendorSecretKey: vendor.secretKey,
    modelId: 'yunet-2023mar',
    modelVersion: '2023.3',
    family: 'yunet',
    descriptor: REFERENCE_DESCRIPTORS.yunet,
    chunkSize: 16 * 1024, // many chunks through the file (Buffer) path
  });
  writeFileSync(bundlePath, w.bundle);
  keyId = w.header.keyId;
  modelKeyCopy = w.modelKey;
  licence = issueLicense({
    modelKey: w.modelKey,
    keyId,
    modelId: 'yunet-2023mar',
    devicePublicKey: device.publicKey,
    vendorSecretKey: vendor.secretKey,
  });
});

afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('loadModel (real onnxruntime, reference YuNet)', () => {
  it('runs from memory with outputs identical to the plaintext file; nothing reaches disk; secrets wiped', async () => {
    const plain = await ort.InferenceSession.create(MODEL);
    const expected = await run(plain);

    // Trap every JS-level file write API for the duration of the load.
    const writes: string[] = [];
    const names = [
      'writeFile',
      'writeFileSync',
      'write',
      'writeSync',
      'appendFile',
      'appendFileSync',
      'createWriteStream',
      'writev',
      'writevSync',
      'copyFile',
      'copyFileSync',
      'cp',
      'cpSync',
    ] as const;
    const fsObj: Record<string, unknown> = fs; // patching the CJS fs object on purpose
    const promObj: Record<string, unknown> = fs.promises; // same for fs.promises
    const saved = new Map<string, unknown>();
    for (const [obj, prefix] of [
      [fsObj, 'fs.'],
      [promObj, 'fs.promises.'],
    ] as const) {
      for (const n of names) {
        const orig = obj[n];
        if (typeof orig !== 'function') continue;
        saved.set(prefix + n, orig);
        obj[n] = (...args: unknown[]) => {
          writes.push(prefix + n);
          return Reflect.apply(orig, obj, args) as unknown;
        };
      }
    }
    syncBuiltinESMExports();
    let wiped: WipedSecrets | null = null;
    let loaded;
    try {
      // Positive control: a named ESM import (as the loader uses) goes through the trap.
      writeFileSync(join(dataDir, 'control.txt'), 'x');
      expect(writes).toEqual(['fs.writeFileSync']);
      writes.length = 0;
      loaded = await loadModel({
        bundle: bundlePath,
        keySource: { kind: 'vendor-licence', licence, identity: device },
        pinnedVendorKeys: vendor.pinned,
        onWipe: (w) => (wiped = w),
      });
    } finally {
      for (const [obj, prefix] of [
        [fsObj, 'fs.'],
        [promObj, 'fs.promises.'],
      ] as const) {
        for (const n of names) if (saved.has(prefix + n)) obj[n] = saved.get(prefix + n);
      }
      syncBuiltinESMExports();
    }
    expect(writes).toEqual([]);

    // Wiped: the very buffers used for the model and its key are all zeros now.
    expect(wiped).not.toBeNull();
    const w: WipedSecrets = wiped!;
    expect(w.plaintext?.length).toBe(plaintextModel.length);
    expect(w.plaintext!.every((b) => b === 0)).toBe(true);
    expect(w.modelKey?.length).toBe(32);
    expect(w.modelKey!.every((b) => b === 0)).toBe(true);

    // Session still works after the wipe, and matches the plaintext session bit for bit.
    expect(loaded.header.family).toBe('yunet');
    expect(loaded.header.descriptor).toMatchObject({ channelOrder: 'bgr' });
    const got = await run(loaded.session);
    expect(Object.keys(got).sort()).toEqual(Object.keys(expected).sort());
    for (const k of Object.keys(expected)) {
      const a = expected[k]!;
      const b = got[k]!;
      expect(b.length).toBe(a.length);
      expect(
        Buffer.from(b.buffer, b.byteOffset, b.byteLength).equals(
          Buffer.from(a.buffer, a.byteOffset, a.byteLength),
        ),
      ).toBe(true);
    }

    // No file written since the test started (data dir, os.tmpdir()) holds a 64-byte slice of the plaintext.
    const probe = Buffer.from(plaintextModel.subarray(100_000, 100_064));
    expect(readFileSync(MODEL).includes(probe)).toBe(true); // positive control for the scanner
    const scanned = [...new Set([...filesSince(dataDir, started), ...filesSince(tmpdir(), started)])];
    const hits = scanned.filter((p) => {
      try {
        return readFileSync(p).includes(probe);
      } catch {
        return false;
      }
    });
    expect(hits).toEqual([]);
    console.log(`plaintext scan: ${scanned.length} recent files checked, 0 contain the probe`);
    await plain.release();
    await loaded.session.release();
  });

  it('loads through a device licence (first-run re-wrap) as well', async () => {
    const wrappingKey = new Uint8Array(32).fill(42);
    const devLic = rewrapToDevice(
      { modelKey: modelKeyCopy, keyId, modelId: 'yunet-2023mar', expiresAt: 0 },
      wrappingKey,
    );
    const m = await loadModel({
      bundle: bundlePath,
      keySource: { kind: 'device-licence', licence: devLic, wrappingKey },
      pinnedVendorKeys: vendor.pinned,
    });
    expect(m.session.inputNames).toEqual(['input']);
    await m.session.release();
  });

  it('secrets are wiped on failure paths too (model key wiped when decryption is never reached)', async () => {
    const other = randomStaticIdentity();
    let wiped: WipedSecrets | null = null;
    await expect(
      loadModel({
        bundle: bundlePath,
        keySource: { kind: 'vendor-licence', licence, identity: other },
        pinnedVendorKeys: vendor.pinned,
        onWipe: (w) => (wiped = w),
      }),
    ).rejects.toMatchObject({ code: 'LICENSE_WRONG_DEVICE' });
    expect(wiped).toEqual({ plaintext: null, modelKey: null });
  });

  it('verifyBundleFile: cheap re-check returns the load-time digest; a replaced file fails', async () => {
    const a = await verifyBundleFile(bundlePath, vendor.pinned);
    const b = await verifyBundleFile(bundlePath, vendor.pinned);
    expect(Buffer.from(a.digest).equals(Buffer.from(b.digest))).toBe(true);
    const tampered = join(dataDir, 'tampered.fvb');
    const bytes = readFileSync(bundlePath);
    bytes[bytes.length - 100]! ^= 1;
    writeFileSync(tampered, bytes);
    await expect(verifyBundleFile(tampered, vendor.pinned)).rejects.toMatchObject({
      code: 'BUNDLE_SIGNATURE_INVALID',
    });
    await expect(verifyBundleFile(bundlePath, makeVendor().pinned)).rejects.toMatchObject({
      code: 'BUNDLE_SIGNATURE_INVALID',
    });
  });
});
