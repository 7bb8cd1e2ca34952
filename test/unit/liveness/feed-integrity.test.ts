import { describe, expect, it } from 'vitest';
import {
  FeedIntegrity,
  lumaGrid,
  sceneChange,
  type FeedObservation,
} from '../../../src/main/liveness/feed-integrity.ts';

let seed = 1;
const noise = (): Uint8Array =>
  Uint8Array.from({ length: 64 * 48 }, () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return 100 + (seed % 7);
  });
const o = (t: number, digest = `d${t}`, luma = noise(), arrival = t + 5): FeedObservation => ({
  captureMs: t,
  arrivalMs: arrival,
  digest,
  luma,
});
const stream = (n: number, f: (i: number) => FeedObservation = (i) => o(1000 + i * 66)) =>
  Array.from({ length: n }, (_, i) => f(i));
const run = (obs: FeedObservation[]) => {
  const g = new FeedIntegrity();
  let r;
  for (const x of obs) r = g.offer(x);
  return r;
};

describe('feed integrity', () => {
  it('accepts a plausible 15 fps camera stream', () => {
    expect(run(stream(60))).toBeUndefined();
  });
  it('refuses timestamps that go backwards, repeat, race or jump', () => {
    expect(run([o(1000), o(1066), o(1050)])).toBe('timestamp-regressed');
    expect(run([o(1000), o(1000)])).toBe('timestamp-regressed');
    expect(run([o(1000), o(1005)])).toBe('timestamp-implausible');
    expect(run([o(1000), o(1066), o(4000, 'x', noise(), 1140)])).toBe('timestamp-gap');
    expect(run([o(Number.NaN)])).toBe('timestamp-invalid');
  });
  it('refuses a capture clock that disagrees with main’s arrival clock', () => {
    expect(run(stream(40, (i) => o(1000 + i * 120, `d${i}`, noise(), 1000 + i * 66)))).toBe('clock-drift');
  });
  it('refuses a looped recording (a frame seen before comes back) and a frozen feed', () => {
    expect(run([...stream(10), o(1000 + 10 * 66, 'd1000')])).toBe('looped-feed');
    const still = noise();
    expect(run(stream(10, (i) => o(1000 + i * 66, i > 4 ? 'same' : `d${i}`, still)))).toBe('frozen-feed');
    // Different bytes, but below the sensor-noise floor for over a second (a still turned into a video).
    expect(run(stream(30, (i) => o(1000 + i * 66, `v${i}`, still)))).toBe('frozen-feed');
  });
  it('refuses a feed that is too slow', () => {
    expect(run(stream(8, (i) => o(1000 + i * 700, `d${i}`, noise(), 1000 + i * 700)))).toBe('frame-rate');
  });
  it('a gap or a slow rate that main itself caused (busy with the previous frame) is no feed failure', () => {
    // Main took 1.8 s over a frame (a loaded machine): the next capture comes 1.9 s later, arrival too.
    const busy = (t: number, a: number, ms: number): FeedObservation => ({
      ...o(t, `b${t}`, noise(), a),
      mainBusyMs: ms,
    });
    expect(run([o(1000), o(1066), busy(2966, 2971, 1800), o(3032)])).toBeUndefined();
    // The same gap with main idle is a stalled feed; main's busy time never excuses more than the gap itself.
    expect(run([o(1000), o(1066), busy(2966, 2971, 100)])).toBe('timestamp-gap');
    // 700 ms per frame with 600 ms of it main's own work: the feed kept up.
    expect(run(stream(8, (i) => busy(1000 + i * 700, 1000 + i * 700, i === 0 ? 0 : 600)))).toBeUndefined();
  });
  it('refuses a slideshow (every frame another scene) and allows one cut, an exposure step and the dark', () => {
    const scene = (k: number): Uint8Array =>
      Uint8Array.from({ length: 64 * 48 }, (_, i) => 30 + ((i * 37 + k * 101 + ((i * k) % 13) * 17) % 200));
    // Each frame another picture: the third cut within four pairs fails, on the fourth frame.
    const slides = stream(10, (i) => o(1000 + i * 66, `s${i}`, scene(i + 1)));
    const g = new FeedIntegrity();
    const at = slides.findIndex((x) => g.offer(x) !== undefined);
    expect([at, g.failed]).toEqual([3, 'scene-cut']);
    // One cut (the scene changes once and stays, sensor noise on top) is no slideshow.
    const once = stream(20, (i) => {
      const base = scene(i < 10 ? 1 : 2);
      return o(
        1000 + i * 66,
        `c${i}`,
        base.map((v, j) => v + ((j * 7 + i * 3) % 5)),
      );
    });
    expect(run(once)).toBeUndefined();
    // Two cuts far apart neither.
    expect(
      run(
        stream(20, (i) =>
          o(
            1000 + i * 66,
            `t${i}`,
            scene(i < 6 ? 1 : i < 16 ? 2 : 3).map((v, j) => v + ((j + i) % 4)),
          ),
        ),
      ),
    ).toBeUndefined();
    // A global exposure step is taken out; a dark scene (everything at or below the floor) says nothing.
    const a = scene(1);
    expect(
      sceneChange(
        a,
        a.map((v) => v + 20),
        20,
        10,
      ),
    ).toBe(0);
    expect(sceneChange(a, scene(2), 20, 10)).toBeGreaterThan(0.55);
    expect(sceneChange(new Uint8Array(3072).fill(4), new Uint8Array(3072).fill(9), 20, 10)).toBe(0);
  });
  it('scene continuity compares lit frames only: a camera starting on black is no cut, black frames hide none', () => {
    const scene = (k: number): Uint8Array =>
      Uint8Array.from({ length: 64 * 48 }, (_, i) => 30 + ((i * 37 + k * 101 + ((i * k) % 13) * 17) % 200));
    const black = new Uint8Array(64 * 48).fill(2);
    // One cut fails (the unlock attempt's limit): black → the scene is none, the scene under noise neither.
    const start = stream(12, (i) =>
      o(1000 + i * 66, `b${i}`, i < 2 ? black : scene(1).map((v, j) => v + ((j + i) % 4))),
    );
    const strict = (obs: FeedObservation[]) => {
      const g = new FeedIntegrity({ sceneCutCount: 1 });
      let r;
      for (const x of obs) r = g.offer(x);
      return r;
    };
    expect(strict(start)).toBeUndefined();
    // A covered lens, then the same scene again: no cut either.
    const covered = stream(12, (i) =>
      o(1000 + i * 66, `c${i}`, i >= 4 && i < 7 ? black : scene(1).map((v, j) => v + ((j + i) % 4))),
    );
    expect(strict(covered)).toBeUndefined();
    // A black frame slipped between two photos: the photos are still compared with each other.
    const hidden = stream(12, (i) =>
      o(1000 + i * 66, `h${i}`, i === 5 ? black : scene(i < 5 ? 1 : 2).map((v, j) => v + ((j + i) % 4))),
    );
    expect(strict(hidden)).toBe('scene-cut');
  });
  it('the luma grid point-samples (keeps single-pixel noise)', () => {
    const data = new Uint8Array(640 * 480 * 4).fill(50);
    const g = lumaGrid({ data, width: 640, height: 480, channels: 4, stride: 2560 });
    expect(g.length).toBe(64 * 48);
    expect(g[0]).toBe(50);
  });
});
