import { describe, expect, it } from 'vitest';
import { FrameInvalidError } from '../../../src/main/face/errors.ts';
import { FRAME_LIMITS, validateFrame, type FrameInput } from '../../../src/main/face/frame.ts';

const rgba = (w: number, h: number): FrameInput => ({
  data: new Uint8Array(w * h * 4),
  width: w,
  height: h,
  format: 'rgba',
});

const expectInvalid = (input: FrameInput, message: RegExp): void => {
  let thrown: unknown;
  try {
    validateFrame(input);
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(FrameInvalidError);
  expect((thrown as FrameInvalidError).code).toBe('FRAME_INVALID'); // narrowed by the assertion just above
  expect((thrown as FrameInvalidError).message).toMatch(message); // same
};

describe('validateFrame', () => {
  it('accepts RGBA, RGB, padded strides and ImageData-style clamped arrays without copying', () => {
    const f = validateFrame(rgba(640, 480));
    expect(f).toMatchObject({ width: 640, height: 480, channels: 4, stride: 2560 });
    const data = new Uint8Array(100 * 50 * 3);
    expect(validateFrame({ data, width: 100, height: 50, format: 'rgb' }).data).toBe(data);
    const padded = validateFrame({
      data: new Uint8Array(104 * 3 * 49 + 300),
      width: 100,
      height: 50,
      format: 'rgb',
      stride: 312,
    });
    expect(padded.stride).toBe(312);
    const clamped = new Uint8ClampedArray(64 * 64 * 4);
    expect(validateFrame({ data: clamped, width: 64, height: 64, format: 'rgba' }).data.buffer).toBe(
      clamped.buffer,
    );
  });

  it('rejects non-integer, tiny, huge and too-many-pixel dimensions', () => {
    expectInvalid({ ...rgba(64, 64), width: 64.5 }, /integers/);
    expectInvalid({ ...rgba(64, 64), height: Number.NaN }, /integers/);
    expectInvalid(rgba(16, 64), /smaller/);
    expectInvalid({ data: new Uint8Array(0), width: 5000, height: 64, format: 'rgba' }, /exceeds 4096 px/);
    expectInvalid(
      { data: new Uint8Array(0), width: 4096, height: 4096, format: 'rgba' },
      new RegExp(`exceeds ${FRAME_LIMITS.maxPixels}`),
    );
  });

  it('rejects wrong byte lengths in both directions', () => {
    expectInvalid({ ...rgba(64, 64), data: new Uint8Array(64 * 64 * 4 - 1) }, /needs/);
    expectInvalid({ ...rgba(64, 64), data: new Uint8Array(64 * 64 * 4 + 4) }, /more than/);
    expectInvalid({ ...rgba(64, 64), format: 'rgb' }, /more than/);
  });

  it('rejects bad strides, unknown formats and non-byte buffers', () => {
    expectInvalid({ ...rgba(64, 64), stride: 255 }, /stride/);
    expectInvalid({ ...rgba(64, 64), stride: 64 * 4 + 1000 }, /stride/);
    expectInvalid({ ...rgba(64, 64), stride: 256.5 }, /stride/);
    // Deliberately malformed inputs, as a compromised renderer could send them.
    expectInvalid({ ...rgba(64, 64), format: 'bgra' as 'rgba' }, /format/);
    expectInvalid(
      { ...rgba(64, 64), data: new Float32Array(64 * 64) as unknown as Uint8Array },
      /Uint8Array/,
    );
    expectInvalid({ ...rgba(64, 64), data: [1, 2, 3] as unknown as Uint8Array }, /Uint8Array/);
  });
});
