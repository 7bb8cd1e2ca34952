/**
 * The preload's check of a frame submission from the page: the page is not trusted, so the bridge forwards
 * only a fresh FrameMeta built from exactly its four fields (each type- and range-checked against
 * shared/frame-limits.ts) plus the optional `camera` ({ deviceId, label }, strings ≤ 256 characters, issue 12) and the pixel ArrayBuffer when its length is exactly width × height × 4. Nothing
 * else the page put on the object (extra keys, prototypes, huge arrays) reaches IPC. Main re-validates all of
 * it (src/main/ipc/schemas.ts); this check exists so an honest bug fails early and a hostile page cannot
 * make the preload send more than the contract allows.
 */
import {
  FRAME_FORMAT,
  FRAME_MAX_BYTES,
  FRAME_MAX_HEIGHT,
  FRAME_MAX_WIDTH,
  FRAME_MIN_SIDE,
  expectedFrameBytes,
} from '../shared/frame-limits.ts';
import type { FrameMeta } from '../shared/ipc-contract.ts';

const META_KEYS = ['format', 'height', 'timestampMs', 'width'] as const;
const CAMERA_TEXT_MAX = 256;

const plainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A copy of exactly { deviceId, label } (strings ≤ 256 characters), or the reason it is refused. */
function copyCamera(c: unknown): { deviceId: string; label: string } | string {
  const reason = `meta.camera must be { deviceId, label }, strings of at most ${CAMERA_TEXT_MAX} characters`;
  if (!plainObject(c)) return reason;
  const keys = Object.keys(c);
  if (keys.length !== 2 || !Object.hasOwn(c, 'deviceId') || !Object.hasOwn(c, 'label')) return reason;
  const { deviceId, label } = c;
  if (typeof deviceId !== 'string' || typeof label !== 'string') return reason;
  if (deviceId.length > CAMERA_TEXT_MAX || label.length > CAMERA_TEXT_MAX) return reason;
  return { deviceId, label };
}

const side = (v: unknown, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= FRAME_MIN_SIDE && v <= max;

/** A copy of `meta` holding exactly the FrameMeta fields, or the reason it is refused. */
export function copyFrameMeta(meta: unknown): FrameMeta | string {
  if (!plainObject(meta)) return 'meta must be an object';
  const keys = Object.keys(meta);
  const hasCamera = Object.hasOwn(meta, 'camera');
  if (
    keys.length !== META_KEYS.length + (hasCamera ? 1 : 0) ||
    !META_KEYS.every((k) => Object.hasOwn(meta, k))
  ) {
    return `meta must have exactly the fields ${META_KEYS.join(', ')} (and optionally camera)`;
  }
  const m = meta as Record<(typeof META_KEYS)[number], unknown>;
  const { width, height, format, timestampMs } = m;
  if (!side(width, FRAME_MAX_WIDTH))
    return `meta.width must be an integer in ${FRAME_MIN_SIDE}..${FRAME_MAX_WIDTH}`;
  if (!side(height, FRAME_MAX_HEIGHT))
    return `meta.height must be an integer in ${FRAME_MIN_SIDE}..${FRAME_MAX_HEIGHT}`;
  if (format !== FRAME_FORMAT) return `meta.format must be '${FRAME_FORMAT}'`;
  if (typeof timestampMs !== 'number' || !Number.isFinite(timestampMs) || timestampMs < 0) {
    return 'meta.timestampMs must be a finite number ≥ 0';
  }
  if (!hasCamera) return { width, height, format: FRAME_FORMAT, timestampMs };
  const camera = copyCamera(meta['camera']);
  if (typeof camera === 'string') return camera;
  return { width, height, format: FRAME_FORMAT, timestampMs, camera };
}

/** Null when `pixels` is an ArrayBuffer of exactly the frame's size, else the reason. */
export function checkFramePixels(meta: FrameMeta, pixels: unknown): string | null {
  if (!(pixels instanceof ArrayBuffer)) return 'pixels must be an ArrayBuffer';
  if (pixels.byteLength > FRAME_MAX_BYTES) return `frame larger than ${FRAME_MAX_BYTES} bytes`;
  const want = expectedFrameBytes(meta.width, meta.height);
  if (pixels.byteLength !== want)
    return `pixels must be exactly ${want} bytes for ${meta.width}x${meta.height} RGBA`;
  return null;
}
