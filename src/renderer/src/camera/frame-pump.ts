/**
 * Pulls frames from a playing <video> at a steady rate, scales them into a fixed-size RGBA buffer
 * (letterboxed, aspect kept) and submits them. At most one frame is in flight: a tick that finds the
 * previous frame unanswered is skipped, so a slow main process slows the pump instead of queueing frames.
 */
import { FRAME_FORMAT, FRAME_MAX_FPS } from '../../../shared/frame-limits.ts';
import type { FaceVaultBridge, FrameFeedback } from '../../../shared/ipc-contract.ts';
import type { ErrorInfo, Result } from '../../../shared/result.ts';

export interface PumpStats {
  readonly sent: number;
  readonly skipped: number;
  readonly last: FrameFeedback | null;
  readonly lastError: ErrorInfo | null;
}

export interface FramePumpOptions {
  readonly video: HTMLVideoElement;
  readonly bridge: FaceVaultBridge;
  readonly width: number;
  readonly height: number;
  readonly fps?: number;
  readonly onStats?: (s: PumpStats) => void;
  /** Every reply main gives to a frame (feedback or a typed refusal). */
  readonly onReply?: (r: Result<FrameFeedback>) => void;
}

const withCamera = (
  c: { deviceId: string; label: string } | undefined,
): { camera?: { deviceId: string; label: string } } => (c === undefined ? {} : { camera: c });

export function startFramePump(o: FramePumpOptions): () => void {
  const canvas = document.createElement('canvas');
  canvas.width = o.width;
  canvas.height = o.height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true, alpha: false });
  if (!ctx) throw new Error('2D canvas unavailable');
  const period = 1000 / Math.min(o.fps ?? FRAME_MAX_FPS, FRAME_MAX_FPS);
  let stats: PumpStats = { sent: 0, skipped: 0, last: null, lastError: null };
  let inFlight = false;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let next = performance.now();

  const grab = (): ArrayBuffer | null => {
    const vw = o.video.videoWidth;
    const vh = o.video.videoHeight;
    if (vw === 0 || vh === 0) return null;
    const scale = Math.min(o.width / vw, o.height / vh);
    const dw = Math.round(vw * scale);
    const dh = Math.round(vh * scale);
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, o.width, o.height);
    ctx.drawImage(o.video, Math.floor((o.width - dw) / 2), Math.floor((o.height - dh) / 2), dw, dh);
    // getImageData returns a fresh, tightly packed RGBA buffer each call: safe to hand over.
    return ctx.getImageData(0, 0, o.width, o.height).data.buffer;
  };

  /** The capturing track's label and device id (issue 12: main pins the camera and refuses virtual ones). */
  const camera = (): { deviceId: string; label: string } | undefined => {
    const src = o.video.srcObject;
    const track = src instanceof MediaStream ? src.getVideoTracks()[0] : undefined;
    if (track === undefined) return undefined;
    return {
      deviceId: String(track.getSettings().deviceId ?? '').slice(0, 256),
      label: track.label.slice(0, 256),
    };
  };

  const tick = (): void => {
    if (stopped) return;
    next += period;
    timer = setTimeout(tick, Math.max(0, next - performance.now()));
    if (inFlight) {
      stats = { ...stats, skipped: stats.skipped + 1 };
      o.onStats?.(stats);
      return;
    }
    const pixels = grab();
    if (!pixels) return;
    inFlight = true;
    o.bridge
      .submitFrame(
        {
          width: o.width,
          height: o.height,
          format: FRAME_FORMAT,
          timestampMs: performance.now(),
          ...withCamera(camera()),
        },
        pixels,
      )
      .then((r) => {
        if (!stopped) o.onReply?.(r);
        stats = r.ok
          ? { ...stats, sent: stats.sent + 1, last: r.value, lastError: null }
          : { ...stats, sent: stats.sent + 1, lastError: r.error };
      })
      .catch((e: unknown) => {
        stats = {
          ...stats,
          lastError: { code: 'IPC_INTERNAL', message: e instanceof Error ? e.message : 'failed' },
        };
      })
      .finally(() => {
        inFlight = false;
        if (!stopped) o.onStats?.(stats);
      });
  };

  timer = setTimeout(tick, 0);
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
  };
}
