/**
 * `facevault pack --fp16` on real models (YuNet 2023mar, MiniFASNetV2, w600k_mbf_int8, plus the float
 * face-api embedder when `npm run models:build` has produced it): the fp16 model is smaller, loads in
 * onnxruntime-node, and its outputs stay close to the fp32 model's on a real LFW face and on a seeded random
 * input. Printed per model (docs/models.md "fp16 packing of any ONNX"):
 *   max |Δ| / scale = worst over every output of max |fp16 − fp32| / max |fp32| over both inputs; outputs
 *   whose values all lie in [0, 1] (sigmoid scores) are judged against that range instead;
 *   cosine (embedders) = min cosine between the fp32 and fp16 embeddings.
 * Asserted: face-api embedder cosine ≥ 0.999. w600k_mbf_int8 quantizes every activation dynamically to
 * 8 bits, so ANY perturbation moves its embedding: ±1e-4 on the input alone gives cosine ≈ 0.990–0.998.
 * Its fp16 cosine is asserted ≥ min(0.999, floor − 0.002), floor = min cosine of fp32(x) to fp32(x ± eps)
 * for eps ∈ {1e-4, 1e-3, half a grey level} and both sign patterns; both are printed (the 0.999 of the
 * brief is below this model's own noise floor). YuNet finds the same face (same count, box corners
 * within 1 px, score within 0.01) with the real decoder; MiniFASNet's live probability moves < 0.01; raw
 * outputs of the float models stay within 2 % of their scale. Then the CLI end to end: keygen → pack --fp16 --json → verify
 * --model-key (decrypts) → the bundle's plaintext is exactly the model checked here (same SHA-256: the
 * conversion is deterministic); an external-data model is refused with exit 2.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import protobuf from 'protobufjs';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { createYunetDetector } from '../../../src/main/face/detect-yunet.ts';
import { REFERENCE_DESCRIPTORS } from '../../../src/cli/vendor/reference-descriptors.ts';
import { validateFrame } from '../../../src/main/face/frame.ts';
import { convertWeightsToFp16, skipSummary } from '../../../src/main/model/onnx/fp16-weights.ts';
import { lfwFrame } from '../../support/face-frames.ts';
import { lfwDir, projectRoot, referenceModelsDir } from '../../support/shared-data.ts';
import { buildLayout } from '../../../tools/build-layout.ts';

const CLI = join(projectRoot, 'src', 'cli', 'facevault.ts');
const dir = mkdtempSync(join(tmpdir(), 'fv-fp16-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FACE = join(lfwDir(), 'images', 'AJ_Cook', 'AJ_Cook_0001.jpg');

interface Spec {
  readonly label: string;
  /** Absolute path of the fp32 model. */
  readonly file: string;
  readonly kind: 'detector' | 'antispoof' | 'embedder';
  /** Activations quantized dynamically to 8 bits (DynamicQuantizeLinear): judged against its input-jitter floor. */
  readonly int8Activations?: boolean;
  readonly nhwc?: boolean;
  readonly size: number;
  readonly order: 'rgb' | 'bgr';
  readonly mean: number;
  readonly std: number;
  /** LFW 250×250 crop fed to the model: [left, top, side]. */
  readonly crop: readonly [number, number, number];
}

const ref = (f: string): string => join(referenceModelsDir(), f);
const MODELS: readonly Spec[] = [
  {
    label: 'yunet 2023mar',
    file: ref('yunet/face_detection_yunet_2023mar.onnx'),
    kind: 'detector',
    size: 640,
    order: 'bgr',
    mean: 0,
    std: 1,
    crop: [0, 0, 250],
  },
  {
    label: 'minifasnet v2',
    file: ref('minifasnet/2.7_80x80_MiniFASNetV2.onnx'),
    kind: 'antispoof',
    size: 80,
    order: 'bgr',
    mean: 0,
    std: 1,
    crop: [0, 0, 250],
  },
  {
    label: 'w600k_mbf_int8',
    file: ref('w600k_mbf_int8/w600k_mbf_int8_dynamic.onnx'),
    kind: 'embedder',
    int8Activations: true,
    size: 112,
    order: 'rgb',
    mean: 127.5,
    std: 127.5,
    crop: [55, 55, 140],
  },
];
/** Built by `npm run models:build` (tools/, fp32 ONNX, in the build cache); a generated artifact, so its case is skipped when absent. */
const FACEAPI: Spec = {
  label: 'faceapi-recognition (build cache)',
  file: join(buildLayout().modelsDir, 'faceapi-recognition.onnx'),
  kind: 'embedder',
  nhwc: true,
  size: 150,
  order: 'rgb',
  mean: 0,
  std: 1,
  crop: [55, 55, 140],
};
const dims = (s: Spec): number[] => (s.nhwc ? [1, s.size, s.size, 3] : [1, 3, s.size, s.size]);

/** An LFW crop resized to size×size, NCHW (or NHWC) float32, (x − mean) / std in the model's channel order. */
async function faceTensor(s: Spec): Promise<Float32Array> {
  const [left, top, side] = s.crop;
  const { data } = await sharp(FACE)
    .extract({ left, top, width: side, height: side })
    .resize(s.size, s.size)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const plane = s.size * s.size;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      const src = s.order === 'rgb' ? c : 2 - c;
      out[s.nhwc ? 3 * i + c : c * plane + i] = (data[3 * i + src]! - s.mean) / s.std;
    }
  }
  return out;
}

/** Seeded uniform pixels 0..255, normalised like faceTensor. */
function randomTensor(s: Spec, seed: number): Float32Array {
  let x = seed >>> 0;
  const out = new Float32Array(3 * s.size * s.size);
  for (let i = 0; i < out.length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = ((x >>> 24) - s.mean) / s.std;
  }
  return out;
}

const sessionOptions: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, logSeverityLevel: 3 };

async function run(
  session: ort.InferenceSession,
  input: Float32Array,
  s: Spec,
): Promise<Map<string, Float32Array>> {
  const name = session.inputNames[0]!;
  const res = await session.run({ [name]: new ort.Tensor('float32', input, dims(s)) });
  const out = new Map<string, Float32Array>();
  for (const n of session.outputNames) {
    const data: unknown = res[n]!.data;
    if (!(data instanceof Float32Array)) throw new Error(`output ${n} is not float32`);
    out.set(n, data);
  }
  return out;
}

/** max |b − a| / scale over one output; scale = max |a|, or 1 when every value of a lies in [0, 1]. */
const relDiff = (a: Float32Array, b: Float32Array): number => {
  let d = 0;
  let scale = 0;
  let unit = true;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(b[i]! - a[i]!));
    scale = Math.max(scale, Math.abs(a[i]!));
    if (a[i]! < 0 || a[i]! > 1) unit = false;
  }
  return d / (unit ? 1 : scale || 1);
};

/** The same input with ±eps added to alternate elements (parity picks which sign comes first). */
const jitter = (x: Float32Array, eps: number, parity: number): Float32Array =>
  x.map((v, i) => v + ((i + parity) % 2 === 0 ? eps : -eps));

const cosine = (a: Float32Array, b: Float32Array): number => {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return ab / Math.sqrt(aa * bb);
};

const softmax = (v: Float32Array): number[] => {
  const m = Math.max(...v);
  const e = [...v].map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
};

const fp16Models = new Map<string, Uint8Array>();

async function compare(s: Spec): Promise<void> {
  const fp32 = new Uint8Array(readFileSync(s.file));
  const { model: fp16, report } = convertWeightsToFp16(fp32);
  fp16Models.set(s.file, fp16);
  expect(fp16.length).toBeLessThan(fp32.length);
  expect(report.converted.length).toBeGreaterThan(0);

  const a = await ort.InferenceSession.create(fp32, sessionOptions);
  const b = await ort.InferenceSession.create(fp16, sessionOptions);
  try {
    let worst = 0;
    let minCos = 1;
    let minFloor = 1;
    const inputs = [await faceTensor(s), randomTensor(s, 0x5eed)];
    for (const [k, input] of inputs.entries()) {
      const what = k === 0 ? 'LFW face' : 'random input';
      const ra = await run(a, input, s);
      const rb = await run(b, input, s);
      for (const n of a.outputNames) worst = Math.max(worst, relDiff(ra.get(n)!, rb.get(n)!));
      const first = a.outputNames[0]!;
      if (s.kind === 'embedder') {
        const c = cosine(ra.get(first)!, rb.get(first)!);
        // the fp32 model's own sensitivity: min cosine to the same input jittered by ±1e-4, ±1e-3, ±half a grey level
        let floor = 1;
        for (const eps of [1e-4, 1e-3, 0.5 / s.std]) {
          for (const parity of [0, 1])
            floor = Math.min(
              floor,
              cosine(ra.get(first)!, (await run(a, jitter(input, eps, parity), s)).get(first)!),
            );
        }
        minCos = Math.min(minCos, c);
        minFloor = Math.min(minFloor, floor);
        expect(c, `${what}: cosine ${c}, jitter floor ${floor}`).toBeGreaterThanOrEqual(
          s.int8Activations ? Math.min(0.999, floor - 0.002) : 0.999,
        );
      }
      if (s.kind === 'antispoof') {
        const pa = softmax(ra.get(first)!);
        const pb = softmax(rb.get(first)!);
        expect(Math.abs(pa[1]! - pb[1]!), what).toBeLessThan(0.01);
      }
    }
    // fp16 weights carry ≤ 2^-11 relative error each; the raw outputs of float models must stay well inside
    // 2 % of their scale (the int8-activation model's elements move by ~10-20 % under any perturbation).
    if (!s.int8Activations) expect(worst).toBeLessThan(0.02);
    console.log(
      `| ${s.label} | ${fp32.length} | ${fp16.length} (${((fp16.length / fp32.length) * 100).toFixed(1)} %) | ` +
        `${worst.toExponential(1)} | ${s.kind === 'embedder' ? `${minCos.toFixed(7)} (input-jitter floor ${minFloor.toFixed(5)})` : '—'} | ` +
        `${report.converted.length} fp16; kept fp32: ${JSON.stringify(skipSummary(report))} |`,
    );
  } finally {
    await a.release();
    await b.release();
  }
}

describe('fp16 weight storage on real models', () => {
  it.each(MODELS.map((m) => [m.label, m] as const))(
    '%s: smaller, loads, outputs close to fp32',
    async (_label, s) => compare(s),
  );

  it.skipIf(!existsSync(FACEAPI.file))(
    'float embedder (faceapi-recognition, build/models): cosine ≥ 0.999',
    async () => compare(FACEAPI),
    120_000,
  );

  it('yunet fp16 finds the same face box as fp32 (real decoder, LFW frame)', async () => {
    const fp32 = new Uint8Array(readFileSync(MODELS[0]!.file));
    const fp16 = fp16Models.get(MODELS[0]!.file) ?? convertWeightsToFp16(fp32).model;
    const descriptor = REFERENCE_DESCRIPTORS.yunet;
    const frame = validateFrame({ ...(await lfwFrame('AJ_Cook')), format: 'rgba' });
    const [da, db] = await Promise.all(
      [fp32, fp16].map(async (bytes) => {
        const session = await ort.InferenceSession.create(bytes, sessionOptions);
        try {
          return await createYunetDetector({ session, descriptor }).detect(frame);
        } finally {
          await session.release();
        }
      }),
    );
    expect(da!.length).toBeGreaterThanOrEqual(1);
    expect(db!.length).toBe(da!.length);
    for (const [i, x] of da!.entries()) {
      const y = db![i]!;
      for (const k of ['x1', 'y1', 'x2', 'y2'] as const) expect(Math.abs(x[k] - y[k])).toBeLessThan(1);
      expect(Math.abs(x.score - y.score)).toBeLessThan(0.01);
    }
    const f = da![0]!;
    const g = db![0]!;
    console.log(
      `yunet box fp32 (${f.x1.toFixed(2)},${f.y1.toFixed(2)})-(${f.x2.toFixed(2)},${f.y2.toFixed(2)}) score ${f.score.toFixed(4)}; fp16 (${g.x1.toFixed(2)},${g.y1.toFixed(2)})-(${g.x2.toFixed(2)},${g.y2.toFixed(2)}) score ${g.score.toFixed(4)}`,
    );
  });
});

describe('facevault pack --fp16 end to end', () => {
  const cli = (...args: string[]): { code: number; out: string; err: string } => {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: projectRoot });
    return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
  };
  const p = (f: string): string => join(dir, f);

  it('keygen → pack --fp16 --json → verify (decrypts); the bundle holds exactly the converted model', () => {
    expect(cli('keygen', '--out', p('vendor')).code).toBe(0);
    const model = MODELS[1]!.file;
    let r = cli(
      'pack',
      model,
      '--key',
      p('vendor/vendor.key.json'),
      '--out',
      p('m.fvb'),
      '--family',
      'minifasnet',
      '--fp16',
      '--json',
    );
    expect(r.code, r.err).toBe(0);
    const packed = JSON.parse(r.out) as {
      plaintextSize: number;
      modelKeyFile: string;
      fp16: {
        inputBytes: number;
        outputBytes: number;
        converted: number;
        kept: Record<string, number>;
        skipped: Array<{ name: string; rule: string }>;
      };
    }; // pack --json output (src/cli/commands/pack.ts)
    const expected = convertWeightsToFp16(new Uint8Array(readFileSync(model))).model;
    expect(packed.fp16.inputBytes).toBe(readFileSync(model).length);
    expect(packed.fp16.outputBytes).toBe(expected.length);
    expect(packed.plaintextSize).toBe(expected.length);
    expect(packed.fp16.skipped.length).toBe(Object.values(packed.fp16.kept).reduce((a, b) => a + b, 0));

    r = cli(
      'verify',
      p('m.fvb'),
      '--pub',
      p('vendor/vendor.pub.json'),
      '--model-key',
      packed.modelKeyFile,
      '--json',
    );
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ ok: true, decrypted: true });
    r = cli('inspect', p('m.fvb'), '--json');
    const info = JSON.parse(r.out) as { plaintextSha256: string }; // inspect --json output
    expect(info.plaintextSha256).toBe(createHash('sha256').update(expected).digest('hex'));

    // human output: sizes before / after on stdout
    r = cli(
      'pack',
      model,
      '--key',
      p('vendor/vendor.key.json'),
      '--out',
      p('m2.fvb'),
      '--family',
      'minifasnet',
      '--fp16',
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(
      new RegExp(
        `^fp16: ${readFileSync(model).length} B → ${expected.length} B \\(−\\d+\\.\\d %\\); \\d+ initializers stored as float16`,
      ),
    );
  });

  it('refuses an external-data model with exit 2 and ONNX_EXTERNAL_DATA (uses the vendor key made above)', () => {
    const ModelProto = protobuf
      .loadSync(join(projectRoot, 'tools/convert/onnx/onnx-subset.proto'))
      .lookupType('onnx.ModelProto');
    const bytes = ModelProto.encode(
      ModelProto.fromObject({
        irVersion: 8,
        opsetImport: [{ domain: '', version: 17 }],
        graph: {
          node: [{ input: ['x', 'w'], output: ['y'], opType: 'MatMul' }],
          initializer: [
            {
              name: 'w',
              dims: [4, 4],
              dataType: 1,
              dataLocation: 1,
              externalData: [{ key: 'location', value: 'w.bin' }],
            },
          ],
        },
      }),
    ).finish();
    writeFileSync(p('ext.onnx'), bytes);
    const r = cli(
      'pack',
      p('ext.onnx'),
      '--key',
      p('vendor/vendor.key.json'),
      '--out',
      p('e.fvb'),
      '--family',
      'yunet',
      '--fp16',
    );
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(
      /ONNX_EXTERNAL_DATA: model .*ext\.onnx: --fp16: tensor "w" .* external file \(w\.bin\)/,
    );
  });
});
