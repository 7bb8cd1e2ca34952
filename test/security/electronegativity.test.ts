/**
 * Attack surface review with Electronegativity (Doyensec) over the sources and the production build.
 * Every finding must be listed, with its reason, in electronegativity-findings.json; anything new fails.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../support/shared-data.ts';

interface Accepted {
  readonly issue: string;
  readonly file: string;
  readonly why: string;
}
const accepted = JSON.parse(
  readFileSync(join(import.meta.dirname, 'electronegativity-findings.json'), 'utf8'),
) as {
  src: Accepted[];
  out: Accepted[];
}; // our own JSON file, shape above

function scan(dir: string): Array<{ issue: string; file: string; line: string }> {
  const outDir = join(projectRoot, '.cache', 'electronegativity');
  mkdirSync(outDir, { recursive: true });
  const sarif = join(outDir, `${dir}.sarif`);
  execFileSync(
    process.execPath,
    [join(projectRoot, 'scripts', 'electronegativity.ts'), join(projectRoot, dir), sarif],
    {
      cwd: projectRoot,
      stdio: 'pipe',
    },
  );
  // SARIF 2.1.0 as Electronegativity writes it; "file:///" stands for a global finding (no file).
  const report = JSON.parse(readFileSync(sarif, 'utf8')) as {
    runs: Array<{
      results: Array<{
        ruleId: string;
        locations?: Array<{ physicalLocation?: { artifactLocation?: { uri?: string } } }>;
      }>;
    }>;
  };
  return (report.runs[0]?.results ?? []).map((r) => {
    const uri = r.locations?.[0]?.physicalLocation?.artifactLocation?.uri ?? 'file:///';
    const file = uri === 'file:///' ? 'N/A' : uri;
    return { issue: r.ruleId, file, line: `${r.ruleId} ${file}` };
  });
}

beforeAll(() => {
  execFileSync(
    process.execPath,
    [join(projectRoot, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'],
    {
      cwd: projectRoot,
      stdio: 'pipe',
    },
  );
});

describe.each(['src', 'out'] as const)('Electronegativity over %s', (dir) => {
  it('reports nothing that is not explained in electronegativity-findings.json', () => {
    const findings = scan(dir);
    console.log(
      `[electronegativity] ${dir}: ${findings.length} finding(s): ${findings.map((f) => f.issue).join(', ')}`,
    );
    const unexplained = findings.filter(
      (f) => !accepted[dir].some((a) => a.issue === f.issue && a.file === f.file),
    );
    expect(unexplained.map((f) => f.line)).toEqual([]);
    const stale = accepted[dir].filter(
      (a) => !findings.some((f) => f.issue === a.issue && f.file === a.file),
    );
    expect(stale).toEqual([]);
  });
});
