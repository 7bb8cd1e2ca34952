/**
 * Camera frame validation: the first thing the face pipeline does with bytes that came from the renderer.
 * Guarantees that a returned `Frame` has integer dimensions within FRAME_LIMITS, 3 (RGB) or 4 (RGBA)
 * interleaved 8-bit channels, a row stride of at least width*channels bytes, and a buffer long enough for
 * every row (the last row may omit its padding). Pixel (x, y) channel c is `data[y*stride + x*channels + c]`.
 * The pixel bytes are never copied here.
 */
import { ANALYSIS_FRAME_LIMITS } from '../../shared/frame-limits.ts';
import { FrameInvalidError } from './errors.ts';

export type PixelFormat = 'rgba' | 'rgb';

/** What callers hand in (from IPC, a decoder or a test). `stride` defaults to width * channels. */
export interface FrameInput {
  readonly data: Uint8Array | Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
  readonly format: PixelFormat;
  readonly stride?: number;
}

/** A validated frame: safe to index without bounds checks. */
export interface Frame {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly channels: 3 | 4;
  readonly stride: number;
}

/** The one frame-limit set lives in src/shared/frame-limits.ts (camera frames and analysis input). */
export const FRAME_LIMITS = ANALYSIS_FRAME_LIMITS;

const channelsOf = (format: PixelFormat): 3 | 4 => (format === 'rgba' ? 4 : 3);

/** Validates dimensions, format, stride and length; throws FrameInvalidError saying exactly what was wrong. */
export function validateFrame(input: FrameInput): Frame {
  const { width, height, format } = input;
  if (!Number.isInteger(width) || !Number.isInteger(height)) {
    throw new FrameInvalidError(`frame dimensions must be integers, got ${String(width)}x${String(height)}`);
  }
  if (width < FRAME_LIMITS.minSide || height < FRAME_LIMITS.minSide) {
    throw new FrameInvalidError(
      `frame ${width}x${height} is smaller than ${FRAME_LIMITS.minSide} px per side`,
    );
  }
  if (width > FRAME_LIMITS.maxSide || height > FRAME_LIMITS.maxSide) {
    throw new FrameInvalidError(`frame ${width}x${height} exceeds ${FRAME_LIMITS.maxSide} px per side`);
  }
  if (width * height > FRAME_LIMITS.maxPixels) {
    throw new FrameInvalidError(`frame ${width}x${height} exceeds ${FRAME_LIMITS.maxPixels} pixels`);
  }
  if (format !== 'rgba' && format !== 'rgb') {
    throw new FrameInvalidError(`unsupported pixel format ${String(format)} (expected rgba or rgb)`);
  }
  const data = input.data;
  if (!(data instanceof Uint8Array) && !(data instanceof Uint8ClampedArray)) {
    throw new FrameInvalidError('frame data must be a Uint8Array or Uint8ClampedArray');
  }
  const channels = channelsOf(format);
  const rowBytes = width * channels;
  const stride = input.stride ?? rowBytes;
  if (!Number.isInteger(stride) || stride < rowBytes || stride > rowBytes + 256) {
    throw new FrameInvalidError(
      `row stride ${String(stride)} invalid for ${width} px of ${format} (need ${rowBytes}..${rowBytes + 256})`,
    );
  }
  const needed = stride * (height - 1) + rowBytes;
  if (data.byteLength < needed) {
    throw new FrameInvalidError(
      `frame buffer has ${data.byteLength} bytes, ${width}x${height} ${format} needs ${needed}`,
    );
  }
  if (data.byteLength > stride * height) {
    throw new FrameInvalidError(
      `frame buffer has ${data.byteLength} bytes, more than ${stride * height} for ${width}x${height}`,
    );
  }
  // A view, not a copy: Uint8ClampedArray (ImageData) and Uint8Array share the same byte layout.
  const bytes =
    data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return { data: bytes, width, height, channels, stride };
}
