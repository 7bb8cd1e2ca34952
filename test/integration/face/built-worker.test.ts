/**
 * The inference worker as the Electron build ships it (out/main/pipeline-worker.js, a separate electron-vite
 * entry), loaded in a real worker thread: it must start, create a session from transferred model bytes and
 * find a face. Guards the one piece of the main-process bundle that plain-Node tests of src/ cannot reach.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { REFERENCE_DESCRIPTORS } from '../../../src/cli/vendor/reference-descriptors.ts';
import type { WorkerReply, WorkerRequest } from '../../../src/main/face/worker-protocol.ts';
import { lfwFrame } from '../../support/face-frames.ts';
import { projectRoot, referenceModelsDir } from '../../support/shared-data.ts';

describe('built inference worker', () => {
  it('runs from out/main and detects a face from transferred model bytes', async () => {
    const entry = join(projectRoot, 'out', 'main', 'pipeline-worker.js');
    if (!existsSync(entry)) {
      execFileSync(
        process.execPath,
        [join(projectRoot, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'],
        { cwd: projectRoot, stdio: 'pipe' },
      );
    }
    const worker = new Worker(entry);
    const replies = new Map<number, (r: WorkerReply) => void>();
    worker.on('message', (r: WorkerReply) => replies.get(r.id)?.(r));
    const ask = (req: WorkerRequest, transfer: ArrayBuffer[] = []) =>
      new Promise<WorkerReply>((resolve) => {
        replies.set(req.id, resolve);
        worker.postMessage(req, transfer);
      });
    try {
      const bytes = new Uint8Array(
        await readFile(join(referenceModelsDir(), 'yunet', 'face_detection_yunet_2023mar.onnx')),
      );
      const early = await ask({
        kind: 'analyze',
        id: 1,
        frame: { data: new Uint8Array(4), width: 1, height: 1, format: 'rgba', stride: 4 },
        options: {},
      });
      expect(early).toMatchObject({ ok: false }); // no pipeline before `start`
      const load = await ask(
        { kind: 'load', id: 2, slot: 'detector', model: { bytes, descriptor: REFERENCE_DESCRIPTORS.yunet } },
        [bytes.buffer],
      );
      expect(load).toMatchObject({ ok: true });
      expect(bytes.byteLength).toBe(0); // transferred, not copied
      expect(await ask({ kind: 'start', id: 3, options: {} })).toMatchObject({ ok: true });
      expect(await ask({ kind: 'start', id: 4, options: {} })).toMatchObject({ ok: false }); // only once
      const f = await lfwFrame('Aaron_Patterson');
      const r = await ask({
        kind: 'analyze',
        id: 5,
        frame: { ...f, format: 'rgba' },
        options: { embed: 'never', liveness: 'never' },
      });
      expect(r.ok).toBe(true);
      expect(r.ok && r.value?.faces.length).toBe(1);
    } finally {
      await worker.terminate();
    }
  });
});
