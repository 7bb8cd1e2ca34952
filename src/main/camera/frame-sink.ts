/**
 * Receives camera frames that passed the IPC door, checks that the pixel buffer matches the announced
 * geometry exactly, wraps it as an immutable-by-convention `RgbaFrame` and hands it to the current
 * consumer (the face pipeline once models are loaded). The frame is never stored or logged here; the
 * consumer must not keep a reference beyond its call either.
 */
import { expectedFrameBytes } from '../../shared/frame-limits.ts';
import type { CameraInfo, FaceOverlay, FrameFeedback, FrameMeta } from '../../shared/ipc-contract.ts';
import { FrameInvalidError } from '../face/errors.ts';

export interface RgbaFrame {
  readonly width: number;
  readonly height: number;
  /** Tightly packed RGBA, length width * height * 4. */
  readonly data: Uint8Array;
  /** The renderer's capture time (FrameMeta.timestampMs); absent only for in-process callers. */
  readonly timestampMs?: number;
  /** Main's monotonic clock (performance.now()) when the frame arrived. */
  readonly arrivalMs?: number;
  /**
   * How long main took to answer the previous frame (ms, main's own clock; absent for the first frame and for
   * in-process callers). The renderer sends the next frame only after that answer (one frame in flight), so a
   * gap in the capture times up to this long is main's own doing, not the feed's (feed-integrity.ts).
   */
  readonly mainBusyMs?: number;
  readonly camera?: CameraInfo;
}

/** What a frame consumer (the face pipeline, the enrol/unlock flow) answers: coarse guidance only. */
export type FrameReply = Omit<FrameFeedback, 'frameNumber' | 'overlay'> & {
  readonly overlay?: FaceOverlay | null;
};
export type FrameConsumer = (frame: RgbaFrame) => Promise<FrameReply>;

export const modelsNotReady: FrameConsumer = async () => ({
  guidance: 'models-not-ready',
  flow: { kind: 'idle' },
});

export interface FrameSink {
  submit(meta: FrameMeta, pixels: ArrayBuffer): Promise<FrameFeedback>;
  setConsumer(consumer: FrameConsumer): void;
  readonly accepted: number;
}

export function createFrameSink(initial: FrameConsumer = modelsNotReady): FrameSink {
  let consumer = initial;
  let accepted = 0;
  let previousBusyMs: number | undefined;
  return {
    async submit(meta, pixels) {
      const want = expectedFrameBytes(meta.width, meta.height);
      if (pixels.byteLength !== want) {
        throw new FrameInvalidError(
          `frame is ${pixels.byteLength} bytes but ${meta.width}x${meta.height} RGBA needs ${want}`,
        );
      }
      accepted += 1;
      const arrivalMs = performance.now();
      const busy = previousBusyMs;
      let reply: FrameReply;
      try {
        reply = await consumer({
          width: meta.width,
          height: meta.height,
          data: new Uint8Array(pixels),
          timestampMs: meta.timestampMs,
          arrivalMs,
          ...(busy === undefined ? {} : { mainBusyMs: busy }),
          ...(meta.camera === undefined ? {} : { camera: meta.camera }),
        });
      } finally {
        previousBusyMs = performance.now() - arrivalMs;
      }
      return { frameNumber: accepted, ...reply, overlay: reply.overlay ?? null };
    },
    setConsumer(c) {
      consumer = c;
    },
    get accepted() {
      return accepted;
    },
  };
}
