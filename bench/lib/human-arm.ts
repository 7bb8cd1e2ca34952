/**
 * The `human` comparison arm: @vladmandic/human 3.3 in Node on TF.js's wasm backend, through Human's own API
 * (BlazeFace → FaceMesh crop → faceres 1024-D descriptor). Benchmark-only. Node's fetch cannot read file://
 * URLs, so model files are served from node_modules by a small fetch shim installed for this process only.
 * Frame caching is disabled so every call really runs the models.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as Tf from '@tensorflow/tfjs';
import type { Human as HumanClass, Config } from '@vladmandic/human';

export interface HumanArm {
  readonly human: HumanClass;
  readonly modelsDir: string;
  /** Descriptor of the largest face, or undefined when Human finds none; ms = Human's detect() wall time. */
  embedRgb(rgb: Uint8Array, width: number, height: number): Promise<{ embedding?: Float32Array; ms: number }>;
}

function installFileFetch(): void {
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (url.startsWith('file://')) return new Response(await readFile(fileURLToPath(url)));
    return realFetch(input, init);
  };
}

export async function createHumanArm(): Promise<HumanArm> {
  const require = createRequire(import.meta.url);
  // The package's "exports" map lacks "./" on its subpaths, so resolve the Node build next to the main entry.
  const distDir = dirname(fileURLToPath(import.meta.resolve('@vladmandic/human')));
  const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + '/';
  const modelsDir = join(distDir, '..', 'models');
  installFileFetch();
  // CommonJS bundle loaded by path; its export shape is the package's published typings.
  const mod = require(join(distDir, 'human.node-wasm.js')) as { Human: typeof HumanClass };
  const config: Partial<Config> = {
    backend: 'wasm',
    wasmPath: wasmDir,
    modelBasePath: pathToFileURL(modelsDir).href + '/',
    debug: false,
    cacheSensitivity: 0,
    face: {
      enabled: true,
      detector: { rotation: false, maxDetected: 1, skipFrames: 0, skipTime: 0 },
      mesh: { enabled: true },
      iris: { enabled: false },
      description: { enabled: true, skipFrames: 0, skipTime: 0 },
      emotion: { enabled: false },
      antispoof: { enabled: false },
      liveness: { enabled: false },
    },
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    gesture: { enabled: false },
    segmentation: { enabled: false },
    filter: { enabled: false },
  };
  const human = new mod.Human(config);
  await human.load();
  // Human types its `tf` handle as any; it is the bundled @tensorflow/tfjs API.
  const tf = human.tf as typeof Tf;
  return {
    human,
    modelsDir,
    async embedRgb(rgb, width, height) {
      const t = tf.tensor3d(rgb, [height, width, 3], 'int32');
      try {
        const t0 = performance.now();
        const r = await human.detect(t);
        const ms = performance.now() - t0;
        const e = r.face[0]?.embedding;
        return e === undefined || e.length === 0 ? { ms } : { embedding: Float32Array.from(e), ms };
      } finally {
        t.dispose();
      }
    },
  };
}
