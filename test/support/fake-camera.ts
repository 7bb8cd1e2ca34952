/**
 * Fake-webcam material for Chromium, generated at test time from the shared face clip (never committed):
 * an MJPEG at 30 fps (Chromium plays MJPEG at 30 fps), 640×360 padded to the 640×480 the app asks for
 * (Chromium never rescales the file), yuv420p limited range as Chromium reads it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clipFrames } from './pad-sequences.ts';
import { faceClipPath, lfwDir, projectRoot } from './shared-data.ts';

const cacheDir = (): string => {
  const d = join(projectRoot, '.cache', 'fake-camera');
  mkdirSync(d, { recursive: true });
  return d;
};

/**
 * The cached fake-camera file `name` in .cache/fake-camera: made once by ffmpeg from `input` (its input
 * arguments) through the filter chain `filter`, as the MJPEG Chromium's fake camera reads (yuv420p limited
 * range, quality 3), written to a temporary name and renamed so a reader never sees half a file. `stdin` is
 * piped to ffmpeg (raw frames).
 */
export function encodeMjpeg(name: string, input: readonly string[], filter: string, stdin?: Buffer): string {
  const out = join(cacheDir(), name);
  if (existsSync(out)) return out;
  const tmp = `${out}.tmp.mjpeg`;
  execFileSync(
    'ffmpeg',
    [
      ...['-loglevel', 'error', '-y', ...input, '-vf', filter],
      ...['-pix_fmt', 'yuv420p', '-strict', 'unofficial', '-c:v', 'mjpeg', '-q:v', '3', '-f', 'mjpeg', tmp],
    ],
    stdin === undefined ? {} : { input: stdin, maxBuffer: 64 * 1024 * 1024 },
  );
  renameSync(tmp, out);
  return out;
}

export function fakeCameraMjpeg(): string {
  return encodeMjpeg(
    'face-clip-640x480.mjpeg',
    ['-i', faceClipPath()],
    'scale=640:360,pad=640:480:0:60,fps=30',
  );
}

/** Every frame of the fake-camera file as small greyscale thumbnails, for matching received frames. */
export function clipThumbnails(width: number, height: number): Uint8Array[] {
  const raw = execFileSync(
    'ffmpeg',
    [
      '-loglevel',
      'error',
      '-i',
      fakeCameraMjpeg(),
      '-vf',
      `scale=${width}:${height}:flags=area`,
      '-f',
      'rawvideo',
      '-pix_fmt',
      'gray',
      '-',
    ],
    { maxBuffer: 256 * 1024 * 1024 },
  );
  const n = width * height;
  const frames: Uint8Array[] = [];
  for (let off = 0; off + n <= raw.length; off += n) frames.push(new Uint8Array(raw.subarray(off, off + n)));
  return frames;
}

/** Box-filter an RGBA frame down to a greyscale thumbnail (BT.601 luma), same geometry as clipThumbnails. */
export function rgbaThumbnail(rgba: Uint8Array, w: number, h: number, tw: number, th: number): Float64Array {
  const out = new Float64Array(tw * th);
  const cnt = new Float64Array(tw * th);
  for (let y = 0; y < h; y++) {
    const ty = Math.min(th - 1, Math.floor((y * th) / h));
    for (let x = 0; x < w; x++) {
      const tx = Math.min(tw - 1, Math.floor((x * tw) / w));
      const i = (y * w + x) * 4;
      out[ty * tw + tx]! += 0.299 * rgba[i]! + 0.587 * rgba[i + 1]! + 0.114 * rgba[i + 2]!;
      cnt[ty * tw + tx]! += 1;
    }
  }
  for (let i = 0; i < out.length; i++) out[i]! /= cnt[i]!;
  return out;
}

export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa === 0 || sbb === 0 ? 0 : sab / Math.sqrt(saa * sbb);
}

/**
 * A second person for the fake camera, made at test time: `count` LFW photos of `person` (read in place
 * from ../shared), each held for `secondsEach`, scaled to 400×400 and centred in 640×480 like the frames
 * the app sends, as an MJPEG at 30 fps. Chromium loops it.
 */
export function lfwPersonMjpeg(person: string, count = 8, secondsEach = 0.8): string {
  const out = join(cacheDir(), `lfw-${person}-${count}.mjpeg`);
  if (existsSync(out)) return out;
  const dir = join(lfwDir(), 'images', person);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.jpg'))
    .sort()
    .slice(0, count);
  if (files.length === 0) throw new Error(`no LFW photos for ${person}`);
  const list = join(cacheDir(), `lfw-${person}-${count}.txt`);
  writeFileSync(
    list,
    files.map((f) => `file '${join(dir, f).replace(/'/g, "'\\''")}'\nduration ${secondsEach}\n`).join('') +
      `file '${join(dir, files.at(-1)!)}'\n`,
  );
  return encodeMjpeg(
    `lfw-${person}-${count}.mjpeg`,
    ['-f', 'concat', '-safe', '0', '-i', list],
    'scale=400:400,pad=640:480:120:40,fps=30',
  );
}

/**
 * The owner in front of the camera when a face-unlock challenge is asked, made at test time from the shared
 * face clip: the clip's real head turns at their natural speed (15-fps frames 62→91: turning to his right, then
 * back past frontal to his left; docs/liveness.md), with the still moments around them held longer (each of
 * those source frames repeated) — the frontal pose before the first turn (frames 54→62, ×6, about 3 s) and the
 * end of the left turn (frames 92–93, ×8) — then the rest of his second right turn (frames 94→117). Every output
 * frame gets fresh sensor-like noise (ffmpeg `noise`, temporal), as a real camera's frames never repeat
 * byte for byte, so the feed checks see a live camera, not a looped still.
 *
 * Chromium's fake camera starts the file from its first frame each time the camera starts (the lock screen
 * starts it for an attempt), so an attempt sees: a frontal baseline, a turn to the right, a turn to the left.
 * That answers the challenge sequences ['turn-right'] (balanced) and ['turn-right', 'turn-left'] (strict) on
 * real frames through the real pipeline; the journeys inject exactly those (createMainServices'
 * challengeSource, test harness only). After that the enrolment segment (frames 54→117) plays on backwards,
 * forwards and backwards again (a person turning to and fro, no cut), ending on frame 54, the file's first
 * frame, so Chromium's loop has no seam: the guided enrolment, which checks the feed for a looped recording
 * (byte-identical frames) and scene cuts (liveness/enrolment-feed.ts), sees about 20 s of continuous,
 * never-repeating camera frames — as from a real webcam — wherever in the file it starts.
 */
export function ownerChallengeMjpeg(): string {
  const name = 'owner-challenge-v2-640x480.mjpeg';
  const out = join(cacheDir(), name);
  if (existsSync(out)) return out;
  // 15-fps source frames [from, to), each shown `hold` times (at 15 fps); the clip's 640×480 letterboxed frames.
  const segments: ReadonlyArray<{ from: number; to: number; hold: number }> = [
    { from: 54, to: 62, hold: 6 },
    { from: 62, to: 92, hold: 1 },
    { from: 92, to: 94, hold: 8 },
    { from: 94, to: 118, hold: 1 },
  ];
  const clip = clipFrames();
  const frames: Uint8Array[] = [];
  for (const s of segments)
    for (let k = s.from; k < s.to; k++) for (let r = 0; r < s.hold; r++) frames.push(clip[k]!);
  // To and fro over the enrolment segment, ending on frame 54 (the first frame): 116→54, 55→117, 116→54.
  for (let k = 116; k >= 54; k--) frames.push(clip[k]!);
  for (let k = 55; k <= 117; k++) frames.push(clip[k]!);
  for (let k = 116; k > 54; k--) frames.push(clip[k]!);
  return encodeMjpeg(
    name,
    ['-f', 'rawvideo', '-pix_fmt', 'rgba', '-s', '640x480', '-r', '15', '-i', '-'],
    // 30 fps as Chromium plays MJPEG; fresh noise on every output frame (temporal), as a real sensor's.
    'fps=30,noise=alls=4:allf=t',
    Buffer.concat(frames),
  );
}
