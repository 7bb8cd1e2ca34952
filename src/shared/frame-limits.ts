/**
 * The agreed camera-frame format between renderer and main: tightly packed 8-bit RGBA, row-major, no
 * padding (what `CanvasRenderingContext2D.getImageData` yields). Main re-checks every bound; the renderer
 * checks them too only to fail early.
 */
export const FRAME_FORMAT = 'rgba8' as const;
export const FRAME_BYTES_PER_PIXEL = 4;
export const FRAME_MIN_SIDE = 64;
export const FRAME_MAX_WIDTH = 1280;
export const FRAME_MAX_HEIGHT = 960;
/** Explicit size limit of one frame message: the largest allowed frame, nothing more. */
export const FRAME_MAX_BYTES = FRAME_MAX_WIDTH * FRAME_MAX_HEIGHT * FRAME_BYTES_PER_PIXEL;
/** Frame-rate cap enforced in main (token bucket) and honoured by the renderer's pump. */
export const FRAME_MAX_FPS = 15;
/** The size the renderer asks the camera for and scales to. */
export const FRAME_TARGET_WIDTH = 640;
export const FRAME_TARGET_HEIGHT = 480;

export const expectedFrameBytes = (width: number, height: number): number =>
  width * height * FRAME_BYTES_PER_PIXEL;

/**
 * Limits of any image the face pipeline analyses (face/frame.ts validateFrame): camera frames (already within
 * the IPC limits above) and, in the CLI, tools and benchmarks, photos. Looser than the camera's on purpose;
 * 12 MP: a 4K frame fits, a hostile 4096x4096x4 allocation does not.
 */
export const ANALYSIS_FRAME_LIMITS = {
  minSide: 32,
  maxSide: 4096,
  maxPixels: 4096 * 3072,
} as const;
