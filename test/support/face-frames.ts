/**
 * Real face frames for tests: an LFW photo (read in place from ../shared) scaled and centred on a black
 * 640×480 RGBA canvas, the geometry the renderer sends.
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { lfwDir } from './shared-data.ts';

export async function lfwFrame(
  name: string,
  index = 1,
  size = 400,
): Promise<{ data: Uint8Array; width: number; height: number }> {
  const file = join(lfwDir(), 'images', name, `${name}_${String(index).padStart(4, '0')}.jpg`);
  const { data, info } = await sharp(file)
    .resize(size, size)
    .extend({
      top: Math.floor((480 - size) / 2),
      bottom: Math.ceil((480 - size) / 2),
      left: Math.floor((640 - size) / 2),
      right: Math.ceil((640 - size) / 2),
      background: { r: 0, g: 0, b: 0, alpha: 1 },
    })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== 640 || info.height !== 480 || info.channels !== 4)
    throw new Error('unexpected frame geometry');
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: 640, height: 480 };
}
