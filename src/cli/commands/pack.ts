/**
 * `facevault pack <model.onnx> --key <vendor.key.json> --out <bundle>`: encrypts and signs a model into a
 * bundle v1 (docs/bundle-format.md). Writes the fresh model key to `--model-key-out` (default
 * `<out>.modelkey.json`, mode 0600): the vendor keeps it to issue licences later (`license issue`).
 * Optionally issues a licence right away (`--license-for <device.pub.json> --license-out <file>`).
 * The descriptor comes from `--descriptor <json>` or a reference preset (`--preset`, or the family's).
 * `--fp16` first stores the model's float32 weights as float16 (+ Cast back to float32, so compute stays fp32)
 * with src/main/model/onnx/fp16-weights.ts, and reports the sizes and which tensors stayed float32 and why.
 * That converter (protobufjs, a dev dependency) is imported only when `--fp16` is given, so the other
 * commands never load it.
 */
import { basename } from 'node:path';
import type { Command } from 'commander';
import { REFERENCE_DESCRIPTORS } from '../vendor/reference-descriptors.ts';
import { validateDescriptor, type PreprocessingDescriptor } from '../../main/model/bundle/descriptor.ts';
import { DEFAULT_CHUNK_SIZE } from '../../main/model/bundle/header.ts';
import { hex } from '../../main/model/bundle/signature.ts';
import { writeBundle } from '../vendor/write-bundle.ts';
import { encodeModelKey, parseDevicePublicKey, parseVendorSecretKey } from '../../main/model/key-files.ts';
import { issueLicense } from '../vendor/issue-license.ts';
import { sniffOnnx } from '../../main/model/onnx-sniff.ts';
import {
  CliError,
  EXIT,
  printJson,
  progress,
  readInput,
  refuseOverwrite,
  writeOutput,
} from '../cli-support.ts';
import { readSecretKeyFile } from '../secret-key-file.ts';

interface PackOpts {
  key: string;
  out: string;
  family?: string;
  preset?: string;
  descriptor?: string;
  modelId?: string;
  modelVersion: string;
  chunkSize: string;
  fp16?: boolean;
  modelKeyOut?: string;
  licenseFor?: string;
  licenseOut?: string;
  expires?: string;
  force?: boolean;
  json?: boolean;
}

type PresetName = keyof typeof REFERENCE_DESCRIPTORS;
const isPreset = (s: string): s is PresetName => Object.hasOwn(REFERENCE_DESCRIPTORS, s);
const FAMILY_DEFAULT_PRESET: Readonly<Record<string, PresetName>> = {
  yunet: 'yunet',
  scrfd: 'scrfd',
  'arcface-112': 'w600kMbf',
  minifasnet: 'minifasnetV2',
};

/** Parses `--expires`: ISO date/time or `<n>d` days from now → unix seconds (0 = never). */
export function parseExpiry(s: string | undefined): number {
  if (s === undefined) return 0;
  const days = /^(\d{1,5})d$/.exec(s);
  if (days) return Math.floor(Date.now() / 1000) + Number(days[1]) * 86400;
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new CliError(EXIT.USAGE, 'USAGE', `--expires: "${s}" is not a date or <n>d`);
  return Math.floor(t / 1000);
}

function loadDescriptor(o: PackOpts): { family: string; descriptor: PreprocessingDescriptor } {
  if (o.descriptor !== undefined) {
    const text = new TextDecoder().decode(readInput(o.descriptor, 'descriptor', 64 * 1024));
    let d: unknown;
    try {
      d = JSON.parse(text);
    } catch {
      throw new CliError(EXIT.BAD_INPUT, 'BUNDLE_MALFORMED', `descriptor ${o.descriptor}: not JSON`);
    }
    if (d === null || typeof d !== 'object' || Array.isArray(d)) {
      throw new CliError(EXIT.BAD_INPUT, 'BUNDLE_MALFORMED', `descriptor ${o.descriptor}: not a JSON object`);
    }
    const fam = 'family' in d && typeof d.family === 'string' ? d.family : undefined;
    const family = o.family ?? fam;
    if (!family)
      throw new CliError(EXIT.USAGE, 'USAGE', '--family is required when the descriptor has no "family"');
    return { family, descriptor: validateDescriptor(d) };
  }
  const presetName = o.preset ?? (o.family !== undefined ? FAMILY_DEFAULT_PRESET[o.family] : undefined);
  if (presetName === undefined || !isPreset(presetName)) {
    throw new CliError(
      EXIT.USAGE,
      'USAGE',
      `no descriptor: pass --descriptor <json> or --preset (${Object.keys(REFERENCE_DESCRIPTORS).join(', ')})`,
    );
  }
  const preset = REFERENCE_DESCRIPTORS[presetName];
  return { family: o.family ?? preset.family, descriptor: validateDescriptor(preset) };
}

/** Rewrites the model with float16 weight storage; returns the new bytes, the --json summary and a one-line report. */
async function toFp16(
  model: Uint8Array,
  modelPath: string,
): Promise<{ model: Uint8Array; line: string; summary: Record<string, unknown> }> {
  const { convertWeightsToFp16, OnnxRewriteError, skipSummary } =
    await import('../../main/model/onnx/fp16-weights.ts');
  let r: ReturnType<typeof convertWeightsToFp16>;
  try {
    r = convertWeightsToFp16(model);
  } catch (e) {
    if (e instanceof OnnxRewriteError)
      throw new CliError(EXIT.BAD_INPUT, e.code, `model ${modelPath}: --fp16: ${e.message}`);
    throw e;
  }
  const { report } = r;
  const kept = skipSummary(report);
  const pct = ((1 - report.outputBytes / report.inputBytes) * 100).toFixed(1);
  const keptText = Object.entries(kept)
    .map(([rule, n]) => `${rule} ${n}`)
    .join(', ');
  const line =
    `fp16: ${report.inputBytes} B → ${report.outputBytes} B (−${pct} %); ${report.converted.length} initializers stored as float16` +
    (keptText ? `, kept float32: ${keptText}` : '') +
    (report.removedGraphInputs.length
      ? `; ${report.removedGraphInputs.length} initializer graph inputs removed`
      : '');
  return {
    model: r.model,
    line,
    summary: {
      inputBytes: report.inputBytes,
      outputBytes: report.outputBytes,
      converted: report.converted.length,
      convertedElements: report.converted.reduce((a, t) => a + t.elements, 0),
      kept,
      skipped: report.skipped,
      removedGraphInputs: report.removedGraphInputs,
    },
  };
}

export function registerPack(program: Command): void {
  program
    .command('pack')
    .description('encrypt and sign an ONNX model into a FaceVault bundle')
    .argument('<model>', 'ONNX model file')
    .requiredOption('--key <file>', 'vendor secret key file (vendor.key.json)')
    .requiredOption('--out <file>', 'bundle to write')
    .option('--family <name>', 'model family (yunet, scrfd, arcface-112, minifasnet, ...)')
    .option('--preset <name>', `reference descriptor (${Object.keys(REFERENCE_DESCRIPTORS).join(', ')})`)
    .option('--descriptor <file>', 'preprocessing descriptor JSON')
    .option('--model-id <id>', 'model id (default: file name without .onnx)')
    .option('--model-version <v>', 'model version', '1')
    .option('--chunk-size <bytes>', 'STREAM chunk size', String(DEFAULT_CHUNK_SIZE))
    .option('--fp16', 'store float32 weights as float16 (+ Cast to float32) before packing')
    .option('--model-key-out <file>', 'where to store the model key (default <out>.modelkey.json, mode 0600)')
    .option('--license-for <file>', 'also issue a licence for this device public key file')
    .option('--license-out <file>', 'licence output (with --license-for)')
    .option('--expires <when>', 'licence expiry: ISO date or <n>d')
    .option('--force', 'overwrite outputs')
    .option('--json', 'print the result as JSON')
    .action(async (modelPath: string, o: PackOpts) => {
      if ((o.licenseFor === undefined) !== (o.licenseOut === undefined)) {
        throw new CliError(EXIT.USAGE, 'USAGE', '--license-for and --license-out go together');
      }
      const chunkSize = Number(o.chunkSize);
      if (!Number.isInteger(chunkSize))
        throw new CliError(EXIT.USAGE, 'USAGE', '--chunk-size must be an integer');
      const force = o.force === true;
      const keyOut = o.modelKeyOut ?? `${o.out}.modelkey.json`;
      refuseOverwrite(o.out, force);
      refuseOverwrite(keyOut, force);
      if (o.licenseOut !== undefined) refuseOverwrite(o.licenseOut, force);

      let model = readInput(modelPath, 'model', undefined, 'onnx');
      const onnx = sniffOnnx(model);
      if (!onnx)
        throw new CliError(
          EXIT.BAD_INPUT,
          'NOT_ONNX',
          `model ${modelPath}: not an ONNX model (ModelProto header not found)`,
        );
      const vendor = parseVendorSecretKey(readSecretKeyFile(o.key, 'vendor key'));
      const devicePub =
        o.licenseFor !== undefined
          ? parseDevicePublicKey(readInput(o.licenseFor, 'device key', 64 * 1024))
          : null;
      const { family, descriptor } = loadDescriptor(o);
      const modelId =
        o.modelId ??
        basename(modelPath)
          .replace(/\.onnx$/i, '')
          .replace(/[^A-Za-z0-9._-]/g, '_')
          .slice(0, 64);
      const fp16 = o.fp16 ? await toFp16(model, modelPath) : null;
      if (fp16) {
        model = fp16.model;
        if (!o.json) process.stdout.write(`${fp16.line}\n`);
      }
      const bar = progress('encrypt', o.json !== true);
      let modelKey: Uint8Array | null = null;
      try {
        const w = writeBundle({
          model,
          vendorSecretKey: vendor.secretKey,
          modelId,
          modelVersion: o.modelVersion,
          family,
          descriptor,
          chunkSize,
          onProgress: bar.tick,
        });
        bar.stop();
        modelKey = w.modelKey;
        writeOutput(o.out, w.bundle, { force });
        writeOutput(keyOut, encodeModelKey(w.modelKey, w.header.keyId, modelId), { force, secret: true });
        if (devicePub && o.licenseOut !== undefined) {
          const lic = issueLicense({
            modelKey: w.modelKey,
            keyId: w.header.keyId,
            modelId,
            devicePublicKey: devicePub,
            vendorSecretKey: vendor.secretKey,
            expiresAt: parseExpiry(o.expires),
          });
          writeOutput(o.licenseOut, lic, { force });
        }
        const result = {
          bundle: o.out,
          modelKeyFile: keyOut,
          ...(o.licenseOut ? { licence: o.licenseOut } : {}),
          modelId,
          modelVersion: o.modelVersion,
          family,
          keyId: hex(w.header.keyId),
          signerKeyId: hex(w.header.signerKeyId),
          plaintextSize: w.header.plaintextSize,
          bundleSize: w.bundle.length,
          onnxIrVersion: onnx.irVersion,
          ...(fp16 ? { fp16: fp16.summary } : {}),
        };
        if (o.json) printJson(result);
        else
          process.stdout.write(
            `packed ${modelId} ${o.modelVersion} (${family}) → ${o.out} [${w.bundle.length} B]; model key → ${keyOut} (0600)\n`,
          );
      } finally {
        bar.stop();
        modelKey?.fill(0);
        vendor.secretKey.fill(0);
      }
    });
}
