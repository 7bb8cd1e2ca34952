/**
 * The liveness challenge of a shipped build is always the CSPRNG draw (src/main/liveness/challenge.ts): the
 * test harness's `challengeSource` (createMainServices) is injected by the e2e journeys only, never by the app's
 * entry, and no environment variable or command-line flag reaches it anywhere in src/.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../support/shared-data.ts';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : /\.tsx?$/.test(n) ? [p] : [];
  });
}

describe('the challenge source is a test-harness injection only', () => {
  it('the app entry never passes it, and only createMainServices hands it to the flow', () => {
    const main = readFileSync(join(projectRoot, 'src', 'main', 'index.ts'), 'utf8');
    expect(main).not.toMatch(/challengeSource|challengeOverride/);
    const users = sources(join(projectRoot, 'src'))
      .filter((f) => /challengeSource|challengeOverride/.test(readFileSync(f, 'utf8')))
      .map((f) => f.slice(projectRoot.length + 1))
      .sort();
    expect(users).toEqual(['src/main/auth/face-flow.ts', 'src/main/create-main-services.ts']);
  });

  it('no environment variable or process argument feeds the challenge in src/main', () => {
    for (const f of [
      'src/main/auth/face-flow.ts',
      'src/main/create-main-services.ts',
      'src/main/liveness/challenge.ts',
    ]) {
      const text = readFileSync(join(projectRoot, f), 'utf8');
      expect(text, f).not.toMatch(/process\.env|process\.argv/);
    }
  });
});
