import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';
import type { Plugin } from 'vite';
import { buildCsp } from './src/main/app/security-policy.ts';

/**
 * Where the built app goes: `out/` (package.json "main"). FACEVAULT_OUT_DIR lets a test build a throw-away
 * copy elsewhere (test/unit/app/seal-real-build.test.ts) without racing the e2e build of `out/`.
 */
const outRoot = resolve(process.env.FACEVAULT_OUT_DIR ?? 'out');

/** One source for the CSP: the meta tag in index.html is filled from the same function main uses. */
const cspMeta = (): Plugin => ({
  name: 'facevault-csp-meta',
  transformIndexHtml: (html) => html.replace('__FACEVAULT_CSP__', buildCsp()),
});

// main: ESM, dependencies stay external (native modules: onnxruntime-node, keytar).
// preload: CommonJS, because sandboxed preloads cannot be ES modules.
// renderer: plain static bundle served from app://facevault (no dev server URL in production).
export default defineConfig({
  main: {
    build: {
      outDir: resolve(outRoot, 'main'),
      // The inference worker is its own entry: worker threads load a file, not a bundle chunk.
      rollupOptions: {
        input: {
          index: resolve('src/main/index.ts'),
          'pipeline-worker': resolve('src/main/face/pipeline-worker.ts'),
          // The lock's decrypt-check runs on its own thread (src/main/storage/filelock/verify-worker-host.ts).
          'filelock-verify-worker': resolve('src/main/storage/filelock/filelock-verify-worker.ts'),
          // Lock / unlock seal and open chunks on a pool of these (storage/filelock/cipher-pool-worker-host.ts).
          'filelock-cipher-worker': resolve('src/main/storage/filelock/filelock-cipher-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(outRoot, 'preload'),
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src/renderer',
    base: './',
    plugins: [react(), cspMeta()],
    build: {
      outDir: resolve(outRoot, 'renderer'),
      emptyOutDir: true,
      // No inline <script>/modulepreload polyfill: the CSP forbids inline script.
      modulePreload: false,
      minify: true,
      assetsInlineLimit: 0,
      rollupOptions: { input: { index: resolve('src/renderer/index.html') } },
    },
  },
});
