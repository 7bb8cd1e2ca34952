/**
 * Real face crops for the converter equivalence tests: LFW images (250x250, face roughly centred) read in
 * place from the shared data set, cropped and resized with sharp to a model's input size, as NHWC float RGB.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { lfwDir } from '../../support/shared-data.ts';

/** The first `n` identities' first images, in name order (deterministic). */
export const lfwSample = (n: number, offset = 0): string[] => {
  const root = join(lfwDir(), 'images');
  return readdirSync(root)
    .sort()
    .slice(offset, offset + n)
    .map((person) => {
      const files = readdirSync(join(root, person))
        .filter((f) => f.endsWith('.jpg'))
        .sort();
      const f = files[0];
      if (f === undefined) throw new Error(`no image for ${person}`);
      return join(root, person, f);
    });
};

export interface Crop {
  readonly left: number;
  readonly top: number;
  readonly size: number;
}

/** Centre crop that holds the face of a 250x250 LFW image (about the dlib/face-api chip extent). */
export const FACE_CROP: Crop = { left: 55, top: 55, size: 140 };
export const FULL_IMAGE: Crop = { left: 0, top: 0, size: 250 };

/** RGB pixels of `crop` resized to size x size, mapped by `norm` (pixel 0..255 -> model input). */
export const loadCrop = async (
  path: string,
  crop: Crop,
  size: number,
  norm: (p: number) => number,
): Promise<Float32Array> => {
  const { data, info } = await sharp(path)
    .removeAlpha()
    .extract({ left: crop.left, top: crop.top, width: crop.size, height: crop.size })
    .resize(size, size, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3 || info.width !== size || info.height !== size)
    throw new Error(`unexpected decode ${info.width}x${info.height}x${info.channels}`);
  return Float32Array.from(data, norm);
};
