/**
 * Seals the built app's resources, right after `electron-vite build`:
 *   1. hashes (SHA-256) and sizes every file under out/main (except the main entry index.js), out/preload
 *      and out/renderer, refusing symlinks, non-regular entries and oversized files;
 *   2. writes the canonical manifest (sorted relative POSIX paths) to out/resource-manifest.json;
 *   3. replaces the 64-character placeholder (src/main/app/resource-anchor.ts) in out/main/index.js with the
 *      manifest's SHA-256, so the manifest is exactly as trustworthy as main's own code;
 *   4. re-verifies the sealed tree as a packaged app would.
 * Refuses a main entry in which the placeholder does not occur exactly once (so sealing twice fails with a
 * clear error: rebuild first), and a sealed file that contains the placeholder.
 * Usage: node scripts/seal-resources.ts [outDir]   (default: out)
 */
import { rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { RESOURCE_MANIFEST_SHA256 as PLACEHOLDER } from '../src/main/app/resource-anchor.ts';
import {
  checkAppIntegrity,
  isSealedAnchor,
  listResources,
  MAIN_ENTRY,
  MANIFEST_FILE,
  MAX_RESOURCE_BYTES,
  readBounded,
  serializeManifest,
  sha256Hex,
  type ManifestEntry,
} from '../src/main/app/resource-integrity.ts';

export class SealError extends Error {
  override name = 'SealError';
}

export interface SealResult {
  readonly manifestSha256: string;
  readonly files: number;
}

function countOccurrences(hay: Buffer, needle: Buffer): number {
  let n = 0;
  for (let i = hay.indexOf(needle); i !== -1; i = hay.indexOf(needle, i + needle.length)) n++;
  return n;
}

async function atomicWrite(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.seal-tmp`;
  await writeFile(tmp, bytes, { flag: 'w' });
  await rename(tmp, path);
}

export async function sealResources(outDir: string, opts: { maxBytes?: number } = {}): Promise<SealResult> {
  if (isSealedAnchor(PLACEHOLDER))
    throw new SealError('resource-anchor.ts in source must hold the placeholder, not a hash');
  const outRoot = resolve(outDir);
  const needle = Buffer.from(PLACEHOLDER, 'ascii');
  const mainPath = join(outRoot, ...MAIN_ENTRY.split('/'));
  const main = await readBounded(mainPath, MAIN_ENTRY).catch((e: unknown) => {
    throw new SealError(
      `cannot read the main entry ${mainPath}: ${e instanceof Error ? e.message : 'unknown error'}`,
    );
  });
  const count = countOccurrences(main, needle);
  if (count === 0) {
    throw new SealError(
      `${MAIN_ENTRY} holds no resource-manifest placeholder: it is already sealed (run electron-vite build again ` +
        'before sealing) or no longer imports src/main/app/resource-anchor.ts',
    );
  }
  if (count > 1)
    throw new SealError(
      `${MAIN_ENTRY} holds the resource-manifest placeholder ${count} times; expected exactly once`,
    );

  const { files, failures } = await listResources(outRoot);
  if (failures.length > 0) {
    throw new SealError(`cannot seal: ${failures.map((f) => `${f.path ?? '?'} (${f.kind})`).join(', ')}`);
  }
  const entries: ManifestEntry[] = [];
  for (const path of files) {
    const bytes = await readBounded(
      join(outRoot, ...path.split('/')),
      path,
      opts.maxBytes ?? MAX_RESOURCE_BYTES,
    ).catch((e: unknown) => {
      throw new SealError(`cannot seal ${path}: ${e instanceof Error ? e.message : 'unknown error'}`);
    });
    if (bytes.includes(needle))
      throw new SealError(`${path} contains the resource-manifest placeholder; only ${MAIN_ENTRY} may`);
    entries.push({ path, size: bytes.length, sha256: sha256Hex(bytes) });
  }
  const manifest = serializeManifest(entries);
  const digest = sha256Hex(manifest);
  await atomicWrite(join(outRoot, MANIFEST_FILE), manifest);
  const at = main.indexOf(needle);
  const sealedMain = Buffer.concat([
    main.subarray(0, at),
    Buffer.from(digest, 'ascii'),
    main.subarray(at + needle.length),
  ]);
  await atomicWrite(mainPath, sealedMain);

  const check = await checkAppIntegrity({ outRoot, anchor: digest, packaged: true });
  if (check.state !== 'sealed-ok') {
    throw new SealError(
      `sealed tree does not verify: ${check.failures.map((f) => `${f.path ?? '?'} (${f.kind})`).join(', ')}`,
    );
  }
  return { manifestSha256: digest, files: entries.length };
}

if (import.meta.main) {
  const outDir = process.argv[2] ?? 'out';
  sealResources(outDir).then(
    (r) => console.log(`sealed ${r.files} resource files in ${outDir}; manifest sha256 ${r.manifestSha256}`),
    (e: unknown) => {
      console.error(`seal-resources: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
