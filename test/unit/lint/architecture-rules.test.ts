/**
 * The architecture's lint rules fail on deliberate violations, with the rule's own message (and pass on the
 * same code where the convention allows it). Lints text as if it were an existing file of the tree, through
 * the project's real eslint.config.js (type-aware, as `npm test` runs it).
 */
import { ESLint } from 'eslint';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../support/shared-data.ts';

const eslint = new ESLint({ cwd: projectRoot });

async function lint(file: string, text: string): Promise<Array<{ ruleId: string | null; message: string }>> {
  const [r] = await eslint.lintText(text, { filePath: join(projectRoot, file) });
  return (r?.messages ?? []).map((m) => ({ ruleId: m.ruleId, message: m.message }));
}

const source = (file: string) => readFileSync(join(projectRoot, file), 'utf8');

describe('runtime layering (facevault/runtime-imports)', () => {
  it.each([
    [
      'src/main/face/match.ts',
      'node:fs',
      "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n",
    ],
    [
      'src/main/auth/face-flow.ts',
      'node:child_process',
      "import { spawn } from 'node:child_process';\nexport const x = spawn;\n",
    ],
    [
      'src/main/model/model-set.ts',
      'onnxruntime-node',
      "import * as ort from 'onnxruntime-node';\nexport const x = ort;\n",
    ],
    ['src/main/keys/key-service.ts', 'keytar', "export const x = await import('keytar');\n"],
    ['src/main/face/pipeline.ts', 'node:worker_threads', "export { Worker } from 'node:worker_threads';\n"],
    [
      'src/main/model/model-service.ts',
      'electron',
      "import { app } from 'electron';\nexport const x = app;\n",
    ],
  ])('%s may not import %s at run time', async (file, module, text) => {
    const messages = await lint(file, text);
    expect(messages).toContainEqual({
      ruleId: 'facevault/runtime-imports',
      message: expect.stringContaining(`'${module}' is a native/Node-only import: only `),
    });
  });

  it('the same imports pass in the files named for them, and type-only imports pass anywhere', async () => {
    expect(
      await lint('src/main/storage/bounded-read.ts', source('src/main/storage/bounded-read.ts')),
    ).toEqual([]);
    expect(
      await lint('src/main/keys/tpm/tools-runner.ts', source('src/main/keys/tpm/tools-runner.ts')),
    ).toEqual([]);
    expect(
      await lint(
        'src/main/face/match.ts',
        "import type { InferenceSession } from 'onnxruntime-node';\nexport type S = InferenceSession;\n",
      ),
    ).toEqual([]);
  });
});

describe('exhaustive switches (@typescript-eslint/switch-exhaustiveness-check)', () => {
  it('a switch over a union that misses a member fails', async () => {
    const text =
      "type K = 'a' | 'b';\nexport function f(k: K): number {\n  switch (k) {\n    case 'a':\n      return 1;\n  }\n  return 0;\n}\n";
    const messages = await lint('src/main/face/match.ts', text);
    expect(messages.map((m) => m.ruleId)).toContain('@typescript-eslint/switch-exhaustiveness-check');
    expect(
      messages.find((m) => m.ruleId === '@typescript-eslint/switch-exhaustiveness-check')?.message,
    ).toMatch(/not exhaustive/);
  });
});
