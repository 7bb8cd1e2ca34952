/**
 * Speed benchmark (issue 5 §6): `npm run bench:speed -- [--frames N] [--human-frames N]`.
 * Decodes ../shared/data/video/face-clip.mp4 with ffmpeg to raw RGBA at 15 fps, padded 640x360 → 640x480, then
 *  1. the in-thread pipeline (validate → detect → quality → liveness → embed): latency over ≤ 1000 frames and
 *     main event-loop delay p99 (monitorEventLoopDelay) while verifying frames delivered at 15 fps for 10 s;
 *  2. the same pipeline in a worker thread (the product path): event-loop p99 at 15 fps, then latency
 *     (median, p95) over N frames (default 10,000, cycling the clip) with peak RSS and RSS growth from frame
 *     200 to the end;
 *  2b. the shipped default set (tools/build-default-catalog.ts DEFAULT_SET: every role, read from build/models;
 *     built by `npm run models:build`) through the same worker path on the same 300 frames with every stage
 *     on, plus its event-loop p99 at 15 fps. When DEFAULT_SET has no anti-spoofing model, `default_pad` is
 *     false and the default set runs with the reference MiniFASNet V2 (permissive, 1.7 MB) as a stand-in PAD
 *     model so the per-frame cost still includes one; `ratio_vs_reference` = default / reference median;
 *  3. @vladmandic/human (TF.js wasm) on the first M of the same frames in the same run.
 * Prints figures only (asserts nothing); the last stdout line is one JSON object.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { validateFrame, type Frame } from '../src/main/face/frame.ts';
import { createFacePipeline } from '../src/main/face/pipeline.ts';
import { clipFrames } from '../test/support/pad-sequences.ts';
import { createWorkerPipeline } from '../src/main/face/pipeline-worker-host.ts';
import type { AnalyzeOptions, FrameAnalysis } from '../src/main/face/pipeline.ts';
import { npmModelsDir } from './lib/default-models.ts';
import { DEFAULT_SET } from '../tools/build-default-catalog.ts';
import type { ModelSource, WorkerModels } from '../src/main/face/worker-protocol.ts';
import { createHumanArm } from './lib/human-arm.ts';
import {
  loadReferenceAntispoof,
  loadReferenceDetector,
  loadReferenceEmbedder,
  referenceModelSources,
} from './lib/reference-models.ts';

const { values: args } = parseArgs({
  options: {
    frames: { type: 'string', default: '10000' },
    'human-frames': { type: 'string', default: '100' },
    detector: { type: 'string', default: 'yunet-dynamic' },
    threads: { type: 'string', default: '1' },
  },
});
const totalFrames = Number(args.frames);
const humanFrames = Number(args['human-frames']);
const log = (s: string): void => void process.stderr.write(s + '\n');
if (!(totalFrames >= 300) || !(humanFrames >= 1))
  throw new RangeError('--frames must be ≥ 300 and --human-frames ≥ 1');
const detectorChoice = args.detector ?? 'yunet-dynamic';
// onnxruntime intra-op threads for every session (default 1, the worker's default; 0 = onnxruntime's own default).
const threads = Number(args.threads);
if (!(Number.isInteger(threads) && threads >= 0)) throw new RangeError('--threads must be an integer ≥ 0');
const sessionOptions = threads === 0 ? {} : { intraOpNumThreads: threads };
if (detectorChoice !== 'yunet' && detectorChoice !== 'yunet-dynamic' && detectorChoice !== 'scrfd')
  throw new RangeError(`unknown --detector ${detectorChoice}`);

// ---- frames ----
const W = 640,
  H = 480;
const clip: Frame[] = [];
for (const data of clipFrames()) clip.push(validateFrame({ data, width: W, height: H, format: 'rgba' }));
log(`${clip.length} frames of ${W}x${H} RGBA decoded`);
const frameAt = (i: number): Frame => clip[i % clip.length]!;

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};
const mb = (b: number): number => b / (1024 * 1024);

/** Every stage on every frame with a face: the clip's frames often fail quality (small, two faces), which would hide the cost. */
const FULL: AnalyzeOptions = { embed: 'always', liveness: 'always', mesh: 'always' };

interface Analyzer {
  analyzeFrame(frame: Frame, options?: AnalyzeOptions): Promise<FrameAnalysis>;
}

/** Sequential latency over `count` frames, with RSS sampled every 100 frames. */
async function latencyRun(p: Analyzer, count: number, label: string, options: AnalyzeOptions = FULL) {
  for (let i = 0; i < 20; i++) await p.analyzeFrame(frameAt(i), options); // warm-up: first runs allocate arenas
  const lat: number[] = [],
    det: number[] = [],
    emb: number[] = [],
    live: number[] = [];
  let embedded = 0,
    rssPeak = process.memoryUsage().rss,
    rssAt200 = 0;
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const s = performance.now();
    const r = await p.analyzeFrame(frameAt(i), options);
    lat.push(performance.now() - s);
    det.push(r.timings.detectMs);
    if (r.embedding !== undefined) {
      embedded++;
      emb.push(r.timings.embedMs);
    }
    if (r.liveness !== undefined) live.push(r.timings.livenessMs);
    if (i % 100 === 99) {
      const rss = process.memoryUsage().rss;
      rssPeak = Math.max(rssPeak, rss);
      if (i === 199) rssAt200 = rss;
    }
    if (i % 1000 === 999)
      log(
        `${label}: ${i + 1}/${count} frames, median ${quantile(lat, 0.5).toFixed(1)} ms, rss ${mb(process.memoryUsage().rss).toFixed(0)} MB`,
      );
  }
  const wallMs = performance.now() - t0;
  const rssEnd = process.memoryUsage().rss;
  return { lat, det, emb, live, embedded, rssPeak: Math.max(rssPeak, rssEnd), rssAt200, rssEnd, wallMs };
}

/** Event-loop delay p99 while frames arrive at 15 fps for 10 s (frames are dropped while one is in flight). */
async function eventLoopRun(p: Analyzer) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let delivered = 0,
    dropped = 0,
    busy = false,
    processed = 0;
  const failed: string[] = [];
  histogram.enable();
  await new Promise<void>((done) => {
    const timer = setInterval(() => {
      if (delivered++ >= 150) {
        clearInterval(timer);
        done();
        return;
      }
      if (busy) {
        dropped++;
        return;
      }
      busy = true;
      void p
        .analyzeFrame(frameAt(delivered), FULL)
        .then(
          () => {
            processed++;
          },
          (e: unknown) => {
            failed.push(e instanceof Error ? e.message : String(e));
          },
        )
        .finally(() => {
          busy = false;
        });
    }, 1000 / 15);
  });
  while (busy) await new Promise((r) => setTimeout(r, 5));
  histogram.disable();
  if (failed.length > 0)
    throw new Error(`${failed.length} frames failed during the event-loop run: ${failed[0] ?? ''}`);
  return { p99: histogram.percentile(99) / 1e6, max: histogram.max / 1e6, processed, dropped };
}

// ---- 1. in-thread pipeline: latency (short run) + event loop ----
const inThread = createFacePipeline({
  detector: await loadReferenceDetector(detectorChoice, sessionOptions),
  embedder: await loadReferenceEmbedder(sessionOptions),
  antispoof: await loadReferenceAntispoof(sessionOptions),
});
const inThreadLat = await latencyRun(inThread, Math.min(1000, totalFrames), 'in-thread');
const inThreadLoop = await eventLoopRun(inThread);
log(
  `in-thread: median ${quantile(inThreadLat.lat, 0.5).toFixed(1)} ms, event loop p99 ${inThreadLoop.p99.toFixed(1)} ms`,
);

// ---- 2. worker pipeline (the product path): latency + memory over all frames, event loop ----
const worker = await createWorkerPipeline(referenceModelSources(detectorChoice), {}, threads);
const workerLoop = await eventLoopRun(worker);
log(`worker: event loop p99 ${workerLoop.p99.toFixed(1)} ms`);
const run = await latencyRun(worker, totalFrames, 'worker');
// Like-for-like with Human's configuration here (detect + describe, no anti-spoofing): 300 frames without liveness.
const noLiveness = await latencyRun(worker, 300, 'worker, no liveness', {
  embed: 'always',
  liveness: 'never',
});
await worker.close();

// ---- 2b. the shipped default set, same worker path, same frames ----
const npmDir = npmModelsDir();
const npmFile = (id: string): string => join(npmDir, `${id}.onnx`);
let defaultRun: Awaited<ReturnType<typeof latencyRun>> | null = null;
let defaultLoop: Awaited<ReturnType<typeof eventLoopRun>> | null = null;
const defaultPad = DEFAULT_SET.some((e) => e.role === 'antispoof');
let defaultPadModel: string | null = null;
if (DEFAULT_SET.every((e) => existsSync(npmFile(e.modelId)))) {
  const src = (modelId: string, descriptor: ModelSource['descriptor']): ModelSource => ({
    bytes: new Uint8Array(readFileSync(npmFile(modelId))),
    descriptor,
  });
  const one = (role: string): ModelSource | undefined => {
    const e = DEFAULT_SET.find((x) => x.role === role);
    return e === undefined ? undefined : src(e.modelId, e.descriptor);
  };
  const detector = one('detector');
  if (detector === undefined) throw new Error('DEFAULT_SET has no detector');
  const embedder = one('embedder'),
    landmarks = one('landmarks'),
    mesh = one('mesh'),
    fusion = one('fusion');
  let antispoof: ModelSource[] = DEFAULT_SET.filter((e) => e.role === 'antispoof').map((e) =>
    src(e.modelId, e.descriptor),
  );
  if (antispoof.length > 0)
    defaultPadModel = DEFAULT_SET.filter((e) => e.role === 'antispoof')
      .map((e) => e.modelId)
      .join('+');
  else {
    const ref = referenceModelSources(detectorChoice).antispoof ?? [];
    antispoof = ref.slice(0, 1);
    defaultPadModel = antispoof.length > 0 ? 'stand-in: reference MiniFASNet V2 (not in DEFAULT_SET)' : null;
  }
  const models: WorkerModels = {
    detector,
    ...(embedder ? { embedder } : {}),
    ...(landmarks ? { landmarks } : {}),
    ...(mesh ? { mesh } : {}),
    ...(fusion ? { fusion } : {}),
    antispoof,
  };
  const defaultWorker = await createWorkerPipeline(models, {}, threads);
  defaultLoop = await eventLoopRun(defaultWorker);
  defaultRun = await latencyRun(defaultWorker, 300, 'default worker (every stage)', FULL);
  await defaultWorker.close();
  log(
    `default: median ${quantile(defaultRun.lat, 0.5).toFixed(1)} ms, event loop p99 ${defaultLoop.p99.toFixed(1)} ms (PAD: ${String(defaultPadModel)})`,
  );
} else {
  log('default models not built: run "npm run models:build" (default_* figures stay null)');
}

// ---- 3. Human on the same frames ----
const human = await createHumanArm();
const rgbOf = (f: Frame): Uint8Array => {
  const out = new Uint8Array(f.width * f.height * 3);
  for (let p = 0, q = 0; p < f.data.length; p += 4, q += 3) {
    out[q] = f.data[p]!;
    out[q + 1] = f.data[p + 1]!;
    out[q + 2] = f.data[p + 2]!;
  }
  return out;
};
for (let i = 0; i < 3; i++) await human.embedRgb(rgbOf(frameAt(i)), W, H); // warm-up (wasm compile, first allocations)
const humanLat: number[] = [],
  humanLatWithFace: number[] = [];
let humanFaces = 0;
for (let i = 0; i < humanFrames; i++) {
  const r = await human.embedRgb(rgbOf(frameAt(i)), W, H); // RGBA→RGB copy is outside the timed call
  humanLat.push(r.ms);
  if (r.embedding !== undefined) {
    humanFaces++;
    humanLatWithFace.push(r.ms);
  }
}

const { lat, det, emb, live, embedded } = run;
const median = quantile(lat, 0.5);
const summary = {
  models: 'reference (per_frame_*) + default (default_*)',
  detector: detectorChoice,
  frames: totalFrames,
  frame_size: `${W}x${H}`,
  face_found_fraction: embedded / totalFrames,
  per_frame_ms_median: median,
  per_frame_ms_p95: quantile(lat, 0.95),
  detect_ms_median: quantile(det, 0.5),
  embed_ms_median: quantile(emb, 0.5),
  liveness_ms_median: quantile(live, 0.5),
  throughput_fps: totalFrames / (run.wallMs / 1000),
  execution: 'worker_thread',
  event_loop_p99_ms: workerLoop.p99,
  event_loop_max_ms: workerLoop.max,
  event_loop_frames: { delivered: 150, processed: workerLoop.processed, dropped: workerLoop.dropped },
  in_thread_per_frame_ms_median: quantile(inThreadLat.lat, 0.5),
  in_thread_per_frame_ms_p95: quantile(inThreadLat.lat, 0.95),
  in_thread_event_loop_p99_ms: inThreadLoop.p99,
  in_thread_event_loop_max_ms: inThreadLoop.max,
  rss_mb_peak: mb(Math.max(run.rssPeak, inThreadLat.rssPeak)),
  rss_mb_at_frame_200: mb(run.rssAt200),
  rss_mb_end: mb(run.rssEnd),
  rss_mb_growth_10k: mb(run.rssEnd - run.rssAt200),
  human_frames: humanFrames,
  human_ms_median: quantile(humanLat, 0.5),
  human_ms_p95: quantile(humanLat, 0.95),
  human_faces_fraction: humanFaces / humanFrames,
  human_ms_median_frames_with_face: quantile(humanLatWithFace, 0.5),
  per_frame_ms_median_no_liveness: quantile(noLiveness.lat, 0.5),
  speedup_vs_human: quantile(humanLat, 0.5) / median,
  speedup_vs_human_no_liveness: quantile(humanLat, 0.5) / quantile(noLiveness.lat, 0.5),
  intra_op_threads: threads === 0 ? 'onnxruntime default' : threads,
  default_set: DEFAULT_SET.map((e) => `${e.role}=${e.modelId}`),
  default_pad: defaultPad,
  default_pad_model: defaultPadModel,
  default_event_loop_p99_ms: defaultLoop ? defaultLoop.p99 : null,
  default_detect_ms_median: defaultRun ? quantile(defaultRun.det, 0.5) : null,
  default_embed_ms_median: defaultRun && defaultRun.emb.length > 0 ? quantile(defaultRun.emb, 0.5) : null,
  default_liveness_ms_median:
    defaultRun && defaultRun.live.length > 0 ? quantile(defaultRun.live, 0.5) : null,
  default_per_frame_ms_median: defaultRun ? quantile(defaultRun.lat, 0.5) : null,
  default_per_frame_ms_p95: defaultRun ? quantile(defaultRun.lat, 0.95) : null,
  default_face_found_fraction: defaultRun ? defaultRun.embedded / 300 : null,
  default_speedup_vs_human: defaultRun ? quantile(humanLat, 0.5) / quantile(defaultRun.lat, 0.5) : null,
  ratio_vs_reference: defaultRun ? quantile(defaultRun.lat, 0.5) / median : null,
  ratio_vs_reference_note:
    'default set (every stage, PAD per default_pad_model) over reference (YuNet + w600k_mbf_int8 + MiniFASNet), both in the worker, every stage',
};
console.log(
  `pipeline ${median.toFixed(1)} ms median / ${summary.per_frame_ms_p95.toFixed(1)} ms p95 per 640x480 frame; ` +
    `event loop p99 ${workerLoop.p99.toFixed(1)} ms at 15 fps (worker; in-thread ${inThreadLoop.p99.toFixed(1)} ms); RSS peak ${summary.rss_mb_peak.toFixed(0)} MB, growth ${summary.rss_mb_growth_10k.toFixed(1)} MB; ` +
    `Human ${summary.human_ms_median.toFixed(1)} ms median (${summary.speedup_vs_human.toFixed(1)}x); ` +
    `default set ${String(summary.default_per_frame_ms_median?.toFixed(1))} ms (${String(summary.default_speedup_vs_human?.toFixed(1))}x Human, PAD ${String(defaultPadModel)}, event loop p99 ${String(defaultLoop?.p99.toFixed(1))} ms)`,
);
console.log(JSON.stringify(summary));
