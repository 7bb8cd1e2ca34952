/**
 * Bona fide sequences and presentation / injection attacks for the liveness tests and bench:pad, generated at
 * run time from ../shared (never committed): the face clip decoded with ffmpeg at 15 fps (the renderer's
 * rate), 640×360 padded to the 640×480 RGBA the renderer sends; the owner is the singer, enrolled from it.
 *
 * Bona fide: the clip really contains three head turns by the singer (15-fps frame indices, measured with the
 * shipped detector's yaw, docs/liveness.md): 54→79 turning to his right, 79→93 back and past frontal to his
 * left, 93→117 to his right again. A bona fide attempt is a window that starts just before one of them and is
 * judged against exactly that challenge (the bench cannot make a recorded person obey a random prompt; it says
 * so). Attacks are built from the same material: a still of the owner printed and held, moved, tilted and
 * turned in 3-D (homography warps), a still turned into a video (H.264 round trip), a replay of a recorded
 * bona fide attempt against a freshly drawn challenge, a face swapped mid-stream, a frozen feed, forged
 * timestamps, another camera. Pixel noise is added where a real camera would add it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { CameraInfo, ChallengeKind } from '../../src/shared/ipc-contract.ts';
import { faceClipPath, lfwDir } from './shared-data.ts';

export const W = 640;
export const H = 480;
export const CLIP_FPS = 15;
const CLIP_W = 640,
  CLIP_H = 360,
  PAD_TOP = 60;

export interface SeqFrame {
  readonly data: Uint8Array;
  readonly timestampMs: number;
  readonly arrivalMs: number;
  readonly camera: CameraInfo | undefined;
  /** How long main took over the previous frame (frame-sink.ts), for sequences of a loaded machine. */
  readonly mainBusyMs?: number;
}

export interface Sequence {
  readonly name: string;
  readonly frames: readonly SeqFrame[];
  /** The challenge(s) the flow must ask (bona fide: the motion the clip contains); undefined = random draw. */
  readonly challenges?: readonly ChallengeKind[];
}

export const HOME_CAMERA: CameraInfo = {
  deviceId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
  label: 'Integrated Camera (0bda:58f4)',
};
export const OTHER_CAMERA: CameraInfo = {
  deviceId: 'ffeeddccbbaa99887766554433221100',
  label: 'USB2.0 HD UVC WebCam (13d3:56a2)',
};
export const VIRTUAL_CAMERA: CameraInfo = {
  deviceId: '0011223344556677',
  label: 'Dummy video device (0x0000)',
};

/** Deterministic PRNG (mulberry32) so every run generates the same attacks. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let clipCache: Uint8Array[] | undefined;

/** The clip at 15 fps as 640×480 RGBA frames (letterboxed like the renderer does). */
export function clipFrames(): Uint8Array[] {
  if (clipCache) return clipCache;
  const raw = execFileSync(
    'ffmpeg',
    [
      '-v',
      'error',
      '-i',
      faceClipPath(),
      '-vf',
      `fps=${CLIP_FPS},scale=${CLIP_W}:${CLIP_H},pad=${W}:${H}:0:${PAD_TOP}:black`,
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgba',
      '-',
    ],
    { maxBuffer: 1 << 30 },
  );
  const n = W * H * 4;
  const out: Uint8Array[] = [];
  for (let off = 0; off + n <= raw.length; off += n)
    out.push(new Uint8Array(raw.buffer, raw.byteOffset + off, n));
  clipCache = out;
  return out;
}

/** The three real head turns of the clip (15-fps indices) and the challenge each one answers. */
export const CLIP_TURNS: readonly {
  readonly from: number;
  readonly to: number;
  readonly challenge: ChallengeKind;
}[] = [
  { from: 54, to: 79, challenge: 'turn-right' },
  { from: 79, to: 93, challenge: 'turn-left' },
  { from: 93, to: 117, challenge: 'turn-right' },
];
/** Frames the enrolment uses (the singer, all poses of the segment). */
export const ENROL_RANGE = { from: 53, to: 118 } as const;
/** A frontal still of the owner (15-fps index) for the photo attacks. */
export const OWNER_STILL = 88;

export interface Timing {
  t0: number;
  /** Capture interval (ms) and jitter. */
  readonly dt?: number;
}

/** Stamps frames with a plausible 15-fps capture clock and main's arrival clock (latency 4–9 ms). */
export function stamp(
  frames: readonly Uint8Array[],
  r: () => number,
  t0: number,
  camera: CameraInfo | undefined = HOME_CAMERA,
): SeqFrame[] {
  let t = t0;
  return frames.map((data) => {
    t += 1000 / CLIP_FPS + (r() - 0.5) * 6;
    return { data, timestampMs: t, arrivalMs: t + 4 + r() * 5, camera };
  });
}

/** Adds camera-like noise (uniform ±a grey levels per channel), returning a new frame. */
export function noisy(src: Uint8Array, r: () => number, a = 3): Uint8Array {
  const out = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i += 4) {
    const n = Math.round((r() - 0.5) * 2 * a);
    out[i] = Math.min(255, Math.max(0, src[i]! + n));
    out[i + 1] = Math.min(255, Math.max(0, src[i + 1]! + n));
    out[i + 2] = Math.min(255, Math.max(0, src[i + 2]! + n));
    out[i + 3] = 255;
  }
  return out;
}

/** Inverse-maps dst pixels through Hinv (dst → src), bilinear; outside the source keeps `bg`. */
function warpInto(
  src: Uint8Array,
  Hinv: readonly number[],
  bg: Uint8Array,
  region?: { x0: number; y0: number; x1: number; y1: number },
): Uint8Array {
  const out = Uint8Array.from(bg);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const w = Hinv[6]! * x + Hinv[7]! * y + Hinv[8]!;
      const sx = (Hinv[0]! * x + Hinv[1]! * y + Hinv[2]!) / w;
      const sy = (Hinv[3]! * x + Hinv[4]! * y + Hinv[5]!) / w;
      const rg = region ?? { x0: 0, y0: 0, x1: W - 1, y1: H - 1 };
      if (sx < rg.x0 || sy < rg.y0 || sx > rg.x1 - 1 || sy > rg.y1 - 1) continue;
      const x0 = Math.floor(sx),
        y0 = Math.floor(sy),
        fx = sx - x0,
        fy = sy - y0;
      const o = (y * W + x) * 4;
      for (let c = 0; c < 3; c++) {
        const p = (yy: number, xx: number): number => src[(yy * W + xx) * 4 + c]!;
        out[o + c] =
          (p(y0, x0) * (1 - fx) + p(y0, x0 + 1) * fx) * (1 - fy) +
          (p(y0 + 1, x0) * (1 - fx) + p(y0 + 1, x0 + 1) * fx) * fy;
      }
    }
  }
  return out;
}

const mul3 = (A: readonly number[], B: readonly number[]): number[] =>
  Array.from({ length: 9 }, (_, k) => {
    const r = Math.floor(k / 3),
      c = k % 3;
    return A[r * 3]! * B[c]! + A[r * 3 + 1]! * B[3 + c]! + A[r * 3 + 2]! * B[6 + c]!;
  });

function inv3(m: readonly number[]): number[] {
  const [a, b, c, d, e, f, g, h, i] = m as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const A = e * i - f * h,
    B = -(d * i - f * g),
    C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return [
    A / det,
    -(b * i - c * h) / det,
    (b * f - c * e) / det,
    B / det,
    (a * i - c * g) / det,
    -(a * f - c * d) / det,
    C / det,
    -(a * h - b * g) / det,
    (a * e - b * d) / det,
  ];
}

/**
 * Homography of a flat photo (the frame's own pixels, centred on (cx, cy)) rotated by yaw/pitch/roll (radians)
 * about its centre, moved by (tx, ty) pixels and brought `closer` times nearer, seen by a pinhole camera of
 * focal `f` pixels at distance `f` (so the unrotated photo maps to itself).
 */
export function photoHomography(
  cx: number,
  cy: number,
  o: { yaw: number; pitch: number; roll?: number; tx?: number; ty?: number; closer?: number },
  f = 700,
): number[] {
  const cyw = Math.cos(o.yaw),
    syw = Math.sin(o.yaw),
    cp = Math.cos(o.pitch),
    sp = Math.sin(o.pitch);
  const cr = Math.cos(o.roll ?? 0),
    sr = Math.sin(o.roll ?? 0);
  const Ry = [cyw, 0, syw, 0, 1, 0, -syw, 0, cyw];
  const Rx = [1, 0, 0, 0, cp, -sp, 0, sp, cp];
  const Rz = [cr, -sr, 0, sr, cr, 0, 0, 0, 1];
  const R = mul3(mul3(Ry, Rx), Rz);
  const z = f / (o.closer ?? 1);
  // Plane point (u, v) in photo pixels relative to the centre → camera X = R·(u, v, 0) + (tx', ty', z).
  const t = [((o.tx ?? 0) * z) / f, ((o.ty ?? 0) * z) / f, z];
  const M = [R[0]!, R[1]!, t[0]!, R[3]!, R[4]!, t[1]!, R[6]!, R[7]!, t[2]!];
  const K = [f, 0, cx, 0, f, cy, 0, 0, 1];
  const Tc = [1, 0, -cx, 0, 1, -cy, 0, 0, 1];
  return mul3(mul3(K, M), Tc);
}

/** Background for held photos: the clip's first (empty stage) frame, darkened, as the room behind the print. */
function roomBackground(): Uint8Array {
  const f = clipFrames()[0]!;
  const out = new Uint8Array(f.length);
  for (let i = 0; i < f.length; i++) out[i] = i % 4 === 3 ? 255 : f[i]! * 0.3;
  return out;
}

/** The printed photo: the owner still, cropped to a print around the face (region), as pixels in frame space. */
function printRegion(): { x0: number; y0: number; x1: number; y1: number } {
  return { x0: 120, y0: 40, x1: 420, y1: 330 };
}

export interface PhotoMotion {
  readonly yaw: number;
  readonly pitch: number;
  readonly roll?: number;
  readonly tx?: number;
  readonly ty?: number;
  readonly closer?: number;
}

/** A held/moved photo of the owner: `motion(k)` gives the pose at frame k. Camera noise on every frame. */
export function photoSequence(n: number, motion: (k: number) => PhotoMotion, r: () => number): Uint8Array[] {
  const still = clipFrames()[OWNER_STILL]!;
  const bg = roomBackground();
  const region = printRegion();
  const cx = (region.x0 + region.x1) / 2,
    cy = (region.y0 + region.y1) / 2;
  const out: Uint8Array[] = [];
  for (let k = 0; k < n; k++) {
    const Hm = photoHomography(cx, cy, motion(k));
    out.push(noisy(warpInto(still, inv3(Hm), bg, region), r));
  }
  return out;
}

/** The owner still encoded as an H.264 video (a still turned into a clip) and decoded again. */
export function stillVideo(seconds: number): Uint8Array[] {
  const dir = mkdtempSync(join(tmpdir(), 'fv-still-'));
  try {
    const png = join(dir, 'still.rgba');
    writeFileSync(png, clipFrames()[OWNER_STILL]!);
    const mp4 = join(dir, 'still.mp4');
    const n = Math.round(seconds * CLIP_FPS);
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgba',
      '-s',
      `${W}x${H}`,
      '-r',
      String(CLIP_FPS),
      '-i',
      png,
      '-vf',
      `loop=loop=${n - 1}:size=1:start=0`,
      '-frames:v',
      String(n),
      '-c:v',
      'libx264',
      '-pix_fmt',
      'yuv420p',
      '-y',
      mp4,
    ]);
    const raw = execFileSync(
      'ffmpeg',
      ['-v', 'error', '-i', mp4, '-f', 'rawvideo', '-pix_fmt', 'rgba', '-'],
      { maxBuffer: 1 << 30 },
    );
    const bytes = W * H * 4;
    const out: Uint8Array[] = [];
    for (let off = 0; off + bytes <= raw.length; off += bytes)
      out.push(new Uint8Array(raw.subarray(off, off + bytes)));
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Another person's LFW photo pasted over the owner's face box (a face swapped in). */
export async function swapFace(
  frame: Uint8Array,
  box: { x1: number; y1: number; x2: number; y2: number },
  person: string,
): Promise<Uint8Array> {
  const file = join(lfwDir(), 'images', person, `${person}_0001.jpg`);
  // LFW's face spans roughly the central 100×100 of the 250×250 image: scale that to the owner's box.
  const side = Math.round(Math.max(box.x2 - box.x1, box.y2 - box.y1) * 2.5);
  const { data } = await sharp(readFileSync(file))
    .resize(side, side)
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const out = Uint8Array.from(frame);
  const cx = (box.x1 + box.x2) / 2,
    cy = (box.y1 + box.y2) / 2;
  const ox = Math.round(cx - side / 2),
    oy = Math.round(cy - side / 2);
  for (let y = 0; y < side; y++) {
    const fy = oy + y;
    if (fy < 0 || fy >= H) continue;
    for (let x = 0; x < side; x++) {
      const fx = ox + x;
      if (fx < 0 || fx >= W) continue;
      const s = (y * side + x) * 4,
        d = (fy * W + fx) * 4;
      out[d] = data[s]!;
      out[d + 1] = data[s + 1]!;
      out[d + 2] = data[s + 2]!;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// The catalogue: bona fide windows and every named attack, as sequences for the face flow.

export const ATTACKS = [
  'photo',
  'looped_still',
  'replay',
  'identity_swap',
  'frozen_feed',
  'timestamp_jump',
  'camera_change',
  'tilted_photo',
] as const;
export type AttackName = (typeof ATTACKS)[number];

const ALL_KINDS: readonly ChallengeKind[] = ['blink', 'turn-left', 'turn-right', 'look-up', 'move-closer'];

/** Bona fide windows: start offsets around each real turn (those the bench measured; see docs/liveness.md). */
export function bonaFideSequences(
  starts: readonly { from: number; challenge: ChallengeKind }[] = BONA_FIDE_STARTS,
  length = 90,
): Sequence[] {
  const clip = clipFrames();
  return starts.map(({ from, challenge }) => ({
    name: `bona-fide ${challenge} @${from}`,
    frames: stamp(clip.slice(from, from + length), rng(from), 5000 + from * 10),
    challenges: [challenge],
  }));
}

export const BONA_FIDE_STARTS: readonly { from: number; challenge: ChallengeKind }[] = [
  { from: 52, challenge: 'turn-right' },
  { from: 53, challenge: 'turn-right' },
  { from: 54, challenge: 'turn-right' },
  { from: 55, challenge: 'turn-right' },
  { from: 56, challenge: 'turn-right' },
  { from: 57, challenge: 'turn-right' },
  { from: 80, challenge: 'turn-left' },
  { from: 81, challenge: 'turn-left' },
  { from: 82, challenge: 'turn-left' },
  { from: 83, challenge: 'turn-left' },
  { from: 92, challenge: 'turn-right' },
  { from: 93, challenge: 'turn-right' },
  { from: 94, challenge: 'turn-right' },
  { from: 95, challenge: 'turn-right' },
  { from: 96, challenge: 'turn-right' },
];

/**
 * The same bona fide window as main sees it on a loaded machine: main answers only every `every`-th camera
 * frame, and the renderer captures the next frame once it has (so those frames are `every` camera intervals
 * apart, all but one interval of it main's own busy time).
 */
export function slowMachine(seq: Sequence, every: number): Sequence {
  const frames = seq.frames.filter((_, i) => i % every === 0);
  return {
    name: `${seq.name} (main answers every ${every}th frame)`,
    challenges: seq.challenges,
    frames: frames.map((f, i) =>
      i === 0
        ? f
        : { ...f, mainBusyMs: Math.max(0, f.timestampMs - frames[i - 1]!.timestampMs - 1000 / CLIP_FPS) },
    ),
  };
}

/** Strict mode asks for two challenges: the clip's right turn followed by its left turn. */
export function strictBonaFideSequences(): Sequence[] {
  const clip = clipFrames();
  return [52, 53, 54, 55, 56].map((from) => ({
    name: `bona-fide turn-right+turn-left @${from}`,
    frames: stamp(clip.slice(from, from + 100), rng(from + 1), 7000 + from * 10),
    challenges: ['turn-right', 'turn-left'] as const,
  }));
}

/** The 3-D photo motion an attacker would use to answer each challenge with a flat print. */
export function photoMotionFor(kind: ChallengeKind, amplitude = 1): (k: number) => PhotoMotion {
  return (i: number) => {
    const s = Math.min(1, i / 18) * amplitude;
    const wob = 0.03 * Math.sin(i / 3);
    switch (kind) {
      case 'turn-left':
        return { yaw: 0.6 * s, pitch: wob, tx: 40 * s };
      case 'turn-right':
        return { yaw: -0.6 * s, pitch: wob, tx: -40 * s };
      case 'look-up':
        return { yaw: wob, pitch: 0.55 * s, ty: -30 * s };
      case 'move-closer':
        return { yaw: wob, pitch: 0.05, closer: 1 + 0.5 * s };
      case 'blink':
        return { yaw: 0.15 * Math.sin(i / 4), pitch: 0.1 * Math.cos(i / 5), tx: 5 * Math.sin(i / 2) };
    }
  };
}

export type BoxOf = (
  frame: Uint8Array,
) => Promise<{ x1: number; y1: number; x2: number; y2: number } | undefined>;

export interface AttackOptions {
  /** Finds the owner's face box in a frame (the shipped detector), for the face swap. */
  readonly boxOf: BoxOf;
  /** Frames of a successful bona fide attempt as the camera saw them (for the replay). */
  readonly recording: readonly Uint8Array[];
  readonly recordedChallenge: ChallengeKind;
  /** Fewer variants (tests): one of each. */
  readonly quick?: boolean;
}

const N = 100; // 6.7 s at 15 fps: longer than every level's challenge time limit

/** Every attack's sequences (`only`: just that attack's, so a bench holds one attack's frames at a time). */
export async function attackSequences(
  o: AttackOptions,
  only?: AttackName,
): Promise<Record<AttackName, Sequence[]>> {
  const want = (a: AttackName): boolean => only === undefined || only === a;
  const clip = clipFrames();
  const win = (from: number, n = N): Uint8Array[] => clip.slice(from, from + n);
  const q = o.quick === true;
  const out: Record<AttackName, Sequence[]> = {
    photo: [],
    looped_still: [],
    replay: [],
    identity_swap: [],
    frozen_feed: [],
    timestamp_jump: [],
    camera_change: [],
    tilted_photo: [],
  };
  if (want('photo')) {
    // photo: the owner's printed still, held by hand (small shake), against every challenge.
    for (const [i, kind] of (q ? (['turn-left'] as const) : ALL_KINDS).entries()) {
      const r = rng(100 + i);
      const frames = photoSequence(
        N,
        (k) => ({
          yaw: 0.02 * Math.sin(k / 3),
          pitch: 0.02 * Math.cos(k / 4),
          tx: 3 * Math.sin(k / 2),
          ty: 2 * Math.cos(k / 3),
        }),
        r,
      );
      out.photo.push({ name: `held photo vs ${kind}`, frames: stamp(frames, r, 20000), challenges: [kind] });
    }
  }
  if (want('tilted_photo')) {
    // tilted_photo: the same print moved, tilted and turned in 3-D the way each challenge asks (two amplitudes).
    for (const kind of q ? (['turn-left', 'move-closer'] as const) : ALL_KINDS) {
      for (const amp of q ? [1] : [0.6, 1]) {
        const r = rng(200 + amp * 10 + ALL_KINDS.indexOf(kind));
        out.tilted_photo.push({
          name: `tilted photo ${kind} ×${amp}`,
          frames: stamp(photoSequence(N, photoMotionFor(kind, amp), r), r, 30000),
          challenges: [kind],
        });
      }
    }
  }
  if (want('looped_still')) {
    // looped_still: the still as an H.264 video (near-identical frames), and the same still repeated exactly.
    const video = stillVideo(N / CLIP_FPS);
    for (const kind of q ? (['turn-right'] as const) : (['turn-right', 'blink'] as const)) {
      out.looped_still.push({
        name: `still→H.264 video vs ${kind}`,
        frames: stamp(video, rng(300), 40000),
        challenges: [kind],
      });
    }
    if (!q) {
      const still = clip[OWNER_STILL]!;
      out.looped_still.push({
        name: 'still repeated',
        frames: stamp(
          Array.from({ length: N }, () => still),
          rng(301),
          41000,
        ),
        challenges: ['turn-left'],
      });
    }
  }
  if (want('replay')) {
    // replay: the recording of an earlier successful attempt, looped with camera noise, against every other challenge.
    // Looped, the seam jumps back (the track breaks); played forward then backward ("ping-pong"), there is no
    // seam and only the challenge can tell: the recorded motion is not the one asked now.
    for (const kind of ALL_KINDS.filter((k) => k !== o.recordedChallenge).slice(0, q ? 1 : 4)) {
      const len = o.recording.length;
      for (const mode of q ? (['ping-pong'] as const) : (['loop', 'ping-pong'] as const)) {
        const r = rng(400 + ALL_KINDS.indexOf(kind) + (mode === 'loop' ? 0 : 50));
        const at = (k: number): number => {
          if (mode === 'loop') return k % len;
          const p = k % (2 * len - 2);
          return p < len ? p : 2 * len - 2 - p;
        };
        const frames = Array.from({ length: N }, (_, k) => noisy(o.recording[at(k)]!, r, 2));
        out.replay.push({
          name: `replay (${mode}) of a ${o.recordedChallenge} attempt vs ${kind}`,
          frames: stamp(frames, r, 50000),
          challenges: [kind],
        });
      }
    }
  }
  if (want('identity_swap')) {
    // identity_swap: another person's face pasted over the owner's from frame k on (or before k).
    const persons = q ? ['Tony_Blair'] : ['Tony_Blair', 'Laura_Bush', 'Hugo_Chavez'];
    for (const [i, person] of persons.entries()) {
      for (const mode of q ? (['after'] as const) : (['after', 'before'] as const)) {
        const k = 4 + i;
        const base = win(54, 75);
        const frames: Uint8Array[] = [];
        for (const [j, f] of base.entries()) {
          const swap = mode === 'after' ? j >= k : j < k;
          const box = swap ? await o.boxOf(f) : undefined;
          frames.push(swap && box !== undefined ? await swapFace(f, box, person) : f);
        }
        out.identity_swap.push({
          name: `swap to ${person} ${mode} frame ${k}`,
          frames: stamp(frames, rng(500 + i), 60000),
          challenges: ['turn-right'],
        });
      }
    }
  }
  if (want('frozen_feed')) {
    // frozen_feed: the live feed freezes (the same frame keeps coming) mid-challenge.
    for (const k of q ? [5] : [3, 5, 8]) {
      const base = win(54, N);
      const frames = base.map((f, j) => (j < k ? f : base[k]!));
      out.frozen_feed.push({
        name: `frozen at frame ${k}`,
        frames: stamp(frames, rng(600 + k), 70000),
        challenges: ['turn-right'],
      });
    }
  }
  if (want('timestamp_jump')) {
    // timestamp_jump: forged capture times (a jump forward, time running backwards, a clock running fast).
    const tsVariants: readonly ['jump' | 'backwards' | 'fast', number][] = q
      ? [['jump', 6]]
      : [
          ['jump', 6],
          ['backwards', 6],
          ['fast', 0],
        ];
    for (const [kind, k] of tsVariants) {
      const s = stamp(win(54, 75), rng(700), 80000);
      const frames = s.map((f, j) => {
        const t =
          kind === 'jump' && j >= k
            ? f.timestampMs + 2500
            : kind === 'backwards' && j >= k
              ? f.timestampMs - 400
              : kind === 'fast'
                ? 80000 + (f.timestampMs - 80000) * 1.8
                : f.timestampMs;
        return { ...f, timestampMs: t };
      });
      out.timestamp_jump.push({ name: `timestamps ${kind}`, frames, challenges: ['turn-right'] });
    }
  }
  if (want('camera_change')) {
    // camera_change: the owner's own live face, but from another camera than the pinned one (whole attempt, or switched mid-attempt).
    out.camera_change.push({
      name: 'another camera',
      frames: stamp(win(54, 75), rng(800), 90000, OTHER_CAMERA),
      challenges: ['turn-right'],
    });
    if (!q) {
      const s = stamp(win(54, 75), rng(801), 91000);
      out.camera_change.push({
        name: 'camera switched mid-attempt',
        frames: s.map((f, j) => (j >= 5 ? { ...f, camera: OTHER_CAMERA } : f)),
        challenges: ['turn-right'],
      });
      out.camera_change.push({
        name: 'virtual camera',
        frames: stamp(win(54, 75), rng(802), 92000, VIRTUAL_CAMERA),
        challenges: ['turn-right'],
      });
    }
  }
  return out;
}
