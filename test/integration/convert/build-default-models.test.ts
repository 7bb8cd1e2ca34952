/**
 * The default-model build is reproducible and incremental: two clean builds give byte-identical ONNX files
 * and manifests; a rebuild skips up-to-date outputs and redoes a tampered one.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDefaultModels, DEFAULT_MODELS } from '../../../tools/build-default-models.ts';

const hashes = (dir: string): Record<string, string> =>
  Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((f) => [
        f,
        createHash('sha256')
          .update(readFileSync(join(dir, f)))
          .digest('hex'),
      ]),
  );

describe('build-default-models', () => {
  const dirs = [mkdtempSync(join(tmpdir(), 'fv-models-a-')), mkdtempSync(join(tmpdir(), 'fv-models-b-'))];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const quiet = { log: () => undefined };

  it('two clean builds are byte-identical, and the manifest records every output sha256', () => {
    const [a, b] = dirs;
    if (a === undefined || b === undefined) throw new Error('no temp dirs');
    const ra = buildDefaultModels({ outDir: a, force: true, ...quiet });
    buildDefaultModels({ outDir: b, force: true, ...quiet });
    const ha = hashes(a);
    expect(ha).toEqual(hashes(b));
    expect(Object.keys(ha)).toHaveLength(DEFAULT_MODELS.length + 1);
    for (const m of ra.manifest.models) {
      expect(ha[m.file]).toBe(m.sha256);
      // A .tflite or .onnx file is self-contained; TF.js / face-api entries name their weight shards too.
      const single = /\.(tflite|onnx)$/.test(m.source.files[0]?.path ?? '');
      expect(m.source.files.length).toBeGreaterThanOrEqual(single ? 1 : 2);
      expect(m.license).toMatch(/^MIT/);
    }
    console.log(
      Object.entries(ha)
        .map(([f, h]) => `${h.slice(0, 16)}  ${f}`)
        .join('\n'),
    );
  });

  it('skips up-to-date outputs and rebuilds a tampered one to the same bytes', () => {
    const [a] = dirs;
    if (a === undefined) throw new Error('no temp dir');
    const before = hashes(a);
    const again = buildDefaultModels({ outDir: a, ...quiet });
    expect(again.built).toEqual([]);
    expect(again.skipped).toHaveLength(DEFAULT_MODELS.length);
    writeFileSync(join(a, 'human-liveness.onnx'), 'tampered');
    const fixed = buildDefaultModels({ outDir: a, ...quiet });
    expect(fixed.built).toEqual(['human-liveness']);
    expect(hashes(a)).toEqual(before);
  });
});
