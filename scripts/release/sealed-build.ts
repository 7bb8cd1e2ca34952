/**
 * A package is made only from a sealed build: out/main/index.js carries the SHA-256 of
 * out/resource-manifest.json (scripts/seal-resources.ts) and every sealed file verifies as the packaged
 * app will verify it at start (src/main/app/resource-integrity.ts, packaged = true). An unsealed or
 * modified out/ would otherwise only be noticed by users, as a "damaged, reinstall" page.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RESOURCE_MANIFEST_SHA256 as PLACEHOLDER } from '../../src/main/app/resource-anchor.ts';
import { checkAppIntegrity, MAIN_ENTRY, MANIFEST_FILE } from '../../src/main/app/resource-integrity.ts';

export async function assertSealedBuild(outRoot: string): Promise<string> {
  let main: Buffer;
  let manifest: Buffer;
  try {
    main = readFileSync(join(outRoot, ...MAIN_ENTRY.split('/')));
    manifest = readFileSync(join(outRoot, MANIFEST_FILE));
  } catch {
    throw new Error(`no sealed build in ${outRoot}: run \`npm run build\` (electron-vite build + seal)`);
  }
  if (main.includes(Buffer.from(PLACEHOLDER)))
    throw new Error(`${outRoot}/${MAIN_ENTRY} is not sealed: run \`npm run build\``);
  const anchor = createHash('sha256').update(manifest).digest('hex');
  if (!main.includes(Buffer.from(anchor)))
    throw new Error(
      `${outRoot}/${MAIN_ENTRY} does not carry the hash of ${MANIFEST_FILE}: rebuild (npm run build)`,
    );
  const r = await checkAppIntegrity({ outRoot, anchor, packaged: true });
  if (r.state !== 'sealed-ok')
    throw new Error(
      `the sealed build in ${outRoot} does not verify: ${r.failures.map((f) => `${f.path ?? '?'} ${f.kind}`).join(', ')}`,
    );
  return anchor;
}
