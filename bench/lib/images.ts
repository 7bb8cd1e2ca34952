/**
 * Test/bench-only helpers: decode JPEG/PNG files to validated RGB frames with sharp, and create onnxruntime
 * sessions for the reference models. The app itself never decodes files (it gets RGBA frames from the renderer).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import sharp from 'sharp';
import type { FamilyDescriptor, ModelHandle } from '../../src/main/face/family.ts';
import { validateFrame, type Frame } from '../../src/main/face/frame.ts';
import { disableOnnxRuntimeTelemetry } from '../../src/main/face/ort-telemetry.ts';

export async function loadFrame(path: string): Promise<Frame> {
  const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return validateFrame({
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
    format: 'rgb',
  });
}

export interface LoadedModel<D extends FamilyDescriptor> extends ModelHandle<D> {
  readonly sha256: string;
}

/** Session from a reference .onnx file (the app gets sessions from decrypted bundles instead). */
export async function loadModel<D extends FamilyDescriptor>(
  dir: string,
  file: string,
  descriptor: D,
  options: ort.InferenceSession.SessionOptions = {},
): Promise<LoadedModel<D>> {
  const bytes = readFileSync(join(dir, file));
  disableOnnxRuntimeTelemetry(); // as the app does (SECURITY.md, "What the app writes and sends about you")
  const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3, ...options });
  return { session, descriptor, sha256: createHash('sha256').update(bytes).digest('hex') };
}
