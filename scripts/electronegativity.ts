/**
 * Runs Electronegativity (Doyensec) over a folder and prints its findings as JSON lines. Called through
 * the package's runner module, not its CLI: the CLI relies on an undeclared, hoisted `commander@2`, which
 * breaks next to our own commander. The Electron version is passed so it never fetches release data.
 * Output is SARIF: its CSV writer races a header write against the rows (two unawaited writeFile calls)
 * and can garble the file. Usage: node scripts/electronegativity.ts <input dir> <output.sarif>
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const require = createRequire(import.meta.url);
// Offline: Electronegativity fetches UI translations with `got` at start, and got's retry timer then
// crashes the process on Node 24 (p-cancelable "onCancel attached after the promise settled"). Hand it a
// `got` that fails at once; it falls back to its bundled en-US strings. Nothing else uses got here.
const engRequire = createRequire(require.resolve('@doyensec/electronegativity/package.json'));
const gotPath = engRequire.resolve('got');
require.cache[gotPath] = {
  id: gotPath,
  filename: gotPath,
  loaded: true,
  exports: () => Promise.reject(new Error('offline')),
} as unknown as NodeJS.Module; // a minimal cache entry: only `exports` is ever read
// CommonJS module without types: its default export is `async run(options, forCli)`.
const run = require('@doyensec/electronegativity/dist/runner.js') as (
  o: Record<string, unknown>,
  cli: boolean,
) => Promise<unknown>;

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: electronegativity.ts <input dir> <output.sarif>');
  process.exit(1);
}
const electronVersion = (
  JSON.parse(readFileSync(resolve('node_modules/electron/package.json'), 'utf8')) as { version: string }
).version;
await run(
  {
    input: resolve(input),
    output: resolve(output),
    isSarif: true,
    customScan: [],
    // The only check that needs the network (it downloads Electron's release list): CI has none.
    excludeFromScan: ['AvailableSecurityFixesGlobalCheck'],
    severitySet: undefined,
    confidenceSet: undefined,
    isRelative: true,
    isVerbose: process.env.ENG_VERBOSE === '1',
    electronUpgrade: undefined,
    electronVersionOverride: electronVersion,
    parserPlugins: [],
  },
  false,
);
