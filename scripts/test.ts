/**
 * `npm test`: everything the suite needs, in order, failing fast with a clear message.
 *   1. the system tools the real-parts tests use are present (else: which Debian packages to install);
 *   2. typecheck (one project per runtime), prettier --check, and lint (architecture boundaries are lint rules);
 *   3. production build of the app, sealed (scripts/seal-resources.ts; the e2e and Electronegativity tests use it);
 *   4. the default models and their catalog (`npm run models:build`, a no-op when up to date), as
 *      `npm start` builds them;
 *   5. vitest over unit, security, integration and e2e.
 * Extra arguments go to vitest (e.g. `npm test -- --project unit`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

const tools: Array<[string, string]> = [
  ['chromium', 'chromium'],
  ['ffmpeg', 'ffmpeg'],
  ['dbus-daemon', 'dbus'],
  ['gnome-keyring-daemon', 'gnome-keyring'],
  ['swtpm', 'swtpm swtpm-tools'],
  ['tpm2_createprimary', 'tpm2-tools'],
  ['desktop-file-validate', 'desktop-file-utils'],
  ['appstreamcli', 'appstream'],
  ['gdbus', 'libglib2.0-bin'],
];

const missing = tools.filter(([bin]) => spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0);
if (missing.length > 0) {
  console.error(
    `npm test needs these system tools: ${missing.map(([b]) => b).join(', ')}.\n` +
      `On Debian/Ubuntu: sudo apt-get install ${missing.map(([, p]) => p).join(' ')}  (or run .ci/run)`,
  );
  process.exit(2);
}

function step(name: string, cmd: string, args: string[], after?: () => void): void {
  const t0 = performance.now();
  console.log(`\n▶ ${name}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  const s = ((performance.now() - t0) / 1000).toFixed(1);
  after?.();
  if (r.status !== 0) {
    console.error(`✖ ${name} failed after ${s}s`);
    process.exit(r.status ?? 1);
  }
  console.log(`✔ ${name} (${s}s)`);
}

const bin = (name: string) => `node_modules/.bin/${name}`;
// One project per runtime (docs/architecture.md "TypeScript projects"): the web one has DOM and no Node types,
// the Node one has Node types and no DOM; the e2e harness drives both.
for (const project of ['tsconfig.web.json', 'tsconfig.node.json', 'tsconfig.e2e.json']) {
  step(`typecheck (${project})`, bin('tsc'), ['--noEmit', '-p', project]);
}
step('format', bin('prettier'), ['--check', '.']);
step('lint', bin('eslint'), ['.']);
step('build app', bin('electron-vite'), ['build']);
step('seal app resources', process.execPath, ['scripts/seal-resources.ts']);
step('build default models', 'npm', ['run', '--silent', 'models:build']);
// A plain closing line ("tests: N passed, N failed, N skipped") from vitest's JSON report, for CI logs.
mkdirSync('.cache', { recursive: true });
const report = '.cache/vitest-report.json';
rmSync(report, { force: true });
step(
  'tests',
  bin('vitest'),
  ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)],
  () => {
    if (!existsSync(report)) return;
    // vitest's JSON reporter (jest-compatible shape): only these three counters are read.
    const r = JSON.parse(readFileSync(report, 'utf8')) as {
      numPassedTests: number;
      numFailedTests: number;
      numPendingTests: number;
    };
    console.log(
      `tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`,
    );
  },
);
