/**
 * Browser bundle for test/e2e/camera-units.test.ts: the renderer's real camera hook and frame pump, driven from
 * the test through `window.__cameraUnits`. Only the bridge is stood in for (a recording stub whose replies
 * the test controls); the camera is Chromium's fake device, or a canvas stream of known pixels.
 */
import { createRoot, type Root } from 'react-dom/client';
import { useEffect, useRef, useState } from 'react';
import type { FaceVaultBridge, FrameFeedback, FrameMeta } from '../../../src/shared/ipc-contract.ts';
import type { Result } from '../../../src/shared/result.ts';
import { startFramePump, type PumpStats } from '../../../src/renderer/src/camera/frame-pump.ts';
import { useCamera, type UseCamera } from '../../../src/renderer/src/camera/use-camera.ts';

interface Submitted {
  readonly meta: FrameMeta;
  readonly bytes: number;
  /** RGBA of the centre pixel and of pixel (0, 0). */
  readonly centre: number[];
  readonly corner: number[];
}

type Reply = Result<FrameFeedback>;

/** A bridge whose submitFrame records each frame and answers when the test says so. */
function stubBridge() {
  const submitted: Submitted[] = [];
  const pending: Array<(r: Reply) => void> = [];
  let auto: Reply | 'reject' | null = null;
  const feedback = (n: number): Reply => ({
    ok: true,
    value: { frameNumber: n, guidance: 'no-face', flow: { kind: 'idle' }, overlay: null },
  });
  const bridge = {
    submitFrame(meta: FrameMeta, pixels: ArrayBuffer): Promise<Reply> {
      const px = new Uint8Array(pixels);
      const at = (x: number, y: number) =>
        Array.from(px.subarray((y * meta.width + x) * 4, (y * meta.width + x) * 4 + 4));
      submitted.push({
        meta,
        bytes: pixels.byteLength,
        centre: at(meta.width >> 1, meta.height >> 1),
        corner: at(0, 0),
      });
      if (auto === 'reject') return Promise.reject(new Error('transport down'));
      if (auto !== null) return Promise.resolve(auto.ok ? feedback(submitted.length) : auto);
      return new Promise<Reply>((resolve) => pending.push(resolve));
    },
  } as unknown as FaceVaultBridge;
  return {
    bridge,
    submitted,
    /** Answers the oldest unanswered frame. */
    answer: (r?: Reply) => pending.shift()?.(r ?? feedback(submitted.length)),
    pendingCount: () => pending.length,
    setAuto: (r: Reply | 'reject' | null) => {
      auto = r;
    },
  };
}

/** A <video> playing a canvas stream of a solid colour (w × h), for exact pixel checks. */
async function colourVideo(w: number, h: number, rgb: [number, number, number]): Promise<HTMLVideoElement> {
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2d context');
  const paint = () => {
    ctx.fillStyle = `rgb(${rgb.join(',')})`;
    ctx.fillRect(0, 0, w, h);
  };
  paint();
  const timer = setInterval(paint, 30);
  const video = document.createElement('video');
  video.muted = true;
  video.srcObject = canvas.captureStream(30);
  document.body.append(video);
  await video.play();
  while (video.videoWidth === 0) await new Promise((r) => setTimeout(r, 10));
  video.addEventListener('emptied', () => clearInterval(timer));
  return video;
}

let pump: { stop: () => void; stats: PumpStats | null; stub: ReturnType<typeof stubBridge> } | null = null;

async function startPump(o: {
  videoW: number;
  videoH: number;
  width: number;
  height: number;
  fps?: number;
  empty?: boolean;
  /** Answer every frame at once with this (default: hold each until the test answers). */
  auto?: Reply;
}) {
  const stub = stubBridge();
  if (o.auto !== undefined) stub.setAuto(o.auto);
  const video =
    o.empty === true ? document.createElement('video') : await colourVideo(o.videoW, o.videoH, [200, 40, 40]);
  const state: { stop: () => void; stats: PumpStats | null; stub: typeof stub } = {
    stop: () => {},
    stats: null,
    stub,
  };
  state.stop = startFramePump({
    video,
    bridge: stub.bridge,
    width: o.width,
    height: o.height,
    ...(o.fps === undefined ? {} : { fps: o.fps }),
    onStats: (s) => {
      state.stats = s;
    },
  });
  pump = state;
}

// --- useCamera, rendered in a real React root -------------------------------------------------------------
let root: Root | null = null;
let camera: UseCamera | null = null;
let setWanted: ((v: boolean) => void) | null = null;

/** The app's camera hook runs while a screen wants it (`wanted`); the preview shows its stream. */
function Probe({ autoStart }: { autoStart: boolean }) {
  const [wanted, want] = useState(autoStart);
  setWanted = want;
  const cam = useCamera(wanted);
  camera = cam;
  const ref = useRef<HTMLVideoElement | null>(null);
  useEffect(() => {
    if (ref.current) ref.current.srcObject = cam.stream;
  }, [cam.stream]);
  return <video ref={ref} muted data-testid="probe-video" />;
}

/** How many times the page asked for a camera stream (counted around the real getUserMedia). */
let streamRequests = 0;
function countStreamRequests(): void {
  const md = navigator.mediaDevices;
  const real = md?.getUserMedia?.bind(md);
  if (!real || (md as { __counted?: boolean }).__counted) return;
  Object.defineProperty(md, 'getUserMedia', {
    configurable: true,
    value: (c?: MediaStreamConstraints) => {
      streamRequests++;
      return real(c);
    },
  });
  (md as { __counted?: boolean }).__counted = true;
}

function mount(autoStart = true) {
  countStreamRequests();
  const el = document.createElement('div');
  document.body.append(el);
  root = createRoot(el);
  root.render(<Probe autoStart={autoStart} />);
}

const tracks = (): MediaStreamTrack[] => {
  const v = document.querySelector<HTMLVideoElement>('[data-testid="probe-video"]');
  const s = v?.srcObject;
  return s instanceof MediaStream ? s.getTracks() : [];
};

const api = {
  startPump,
  pumpStats: () => pump?.stats ?? null,
  submitted: () => pump?.stub.submitted ?? [],
  pending: () => pump?.stub.pendingCount() ?? 0,
  answer: (r?: Reply) => pump?.stub.answer(r),
  setAuto: (r: Reply | 'reject' | null) => pump?.stub.setAuto(r),
  stopPump: () => pump?.stop(),
  mount,
  unmount: () => {
    root?.unmount();
    root = null;
  },
  cameraState: () => camera?.state ?? null,
  cameraDevices: () => camera?.devices ?? [],
  cameraStart: (id?: string | null) => {
    if (id) camera?.select(id);
    setWanted?.(true);
    camera?.retry();
  },
  cameraStop: () => setWanted?.(false),
  liveTrackCount: () => tracks().filter((t) => t.readyState === 'live').length,
  /** Keeps the current tracks so the test can check them after stop / unmount. */
  holdTracks: () => {
    (window as unknown as { __held: MediaStreamTrack[] }).__held = tracks();
    return tracks().length;
  },
  heldLive: () =>
    (window as unknown as { __held?: MediaStreamTrack[] }).__held?.filter((t) => t.readyState === 'live')
      .length ?? -1,
  /** Whether the held tracks are still the ones the probe shows (the stream was not replaced). */
  heldIsCurrent: () => {
    const held = (window as unknown as { __held?: MediaStreamTrack[] }).__held ?? [];
    const now = tracks();
    return held.length > 0 && held.length === now.length && held.every((t, i) => t === now[i]);
  },
  streamRequests: () => streamRequests,
  cameraSelect: (id: string) => camera?.select(id),
  cameraDeviceId: () => camera?.deviceId ?? null,
  /** The hook's own video's playback position, in seconds. */
  videoTime: () => camera?.source.currentTime ?? 0,
  /** What the UA does when a device disappears: the track's `ended` event. */
  endTrack: () => {
    for (const t of tracks()) t.dispatchEvent(new Event('ended'));
  },
  breakGetUserMedia: (name: string | null) => {
    const md = navigator.mediaDevices;
    if (name === null) Object.defineProperty(md, 'getUserMedia', { value: undefined, configurable: true });
    else
      Object.defineProperty(md, 'getUserMedia', {
        value: () => Promise.reject(new DOMException('stub', name)),
        configurable: true,
      });
  },
};

(window as unknown as { __cameraUnits: typeof api }).__cameraUnits = api;
