/**
 * Runtime integrity of the app's own resources: the renderer (out/renderer/**), the preload
 * (out/preload/**) and every main-process file except the main entry itself (the inference worker entry and
 * any chunks under out/main/**). Plain Node, no Electron: the protocol handler, the start-up check and the
 * periodic re-check all call these functions, and they are unit-tested here.
 *
 * What it guarantees, given an intact main entry:
 *   - the manifest (out/resource-manifest.json) is accepted only if its bytes hash (SHA-256) to the value
 *     embedded in main at seal time (resource-anchor.ts), and only in its canonical form (sorted, unique,
 *     relative POSIX paths inside the sealed folders; re-serialising must give the same bytes);
 *   - a file is accepted only if its bytes, read once through a bounded, no-follow read of a regular file,
 *     have the manifest's size and SHA-256; a missing file, an extra file in a sealed folder, a symlink or
 *     other non-regular entry, a path outside the root and an oversized file are each a typed failure
 *     (AppIntegrityError, code APP_INTEGRITY, with a stable `kind`);
 *   - callers that serve bytes (the app:// handler) check and serve the same buffer: no time-of-check /
 *     time-of-use gap.
 * What it does not guarantee: anything if main itself is rewritten (that is what the ASAR-integrity fuse
 * and code signing are for, see SECURITY.md), nor protection of files already loaded into memory.
 * An unsealed build (placeholder never replaced) is allowed only when the app is not packaged, and is then
 * reported as the visible state 'unsealed'; in a packaged app it is a failure.
 * Packaged, out/ lies inside app.asar and every file is read from the archive on every check (asar-read.ts).
 * Hashing follows FIPS 180-4 SHA-256 via node:crypto; JSON per RFC 8259.
 */
import { createHash } from 'node:crypto';
import { join, resolve, sep } from 'node:path';
import { FaceVaultError } from '../errors/facevault-error.ts';
import { readBoundedFile, type ReadRefusal } from '../storage/bounded-read.ts';
import { listDirectory } from '../storage/list-dir.ts';
import { insideAsarArchive, readArchivedFile } from '../storage/asar-read.ts';

/** The manifest lives next to the sealed folders, outside them (out/resource-manifest.json). */
export const MANIFEST_FILE = 'resource-manifest.json';
/** Folders under out/ whose every file is sealed. */
export const SEALED_DIRS = ['main', 'preload', 'renderer'] as const;
/** The main entry carries the manifest's hash, so it cannot be in the manifest; the fuse/signature covers it. */
export const MAIN_ENTRY = 'main/index.js';
export const MANIFEST_VERSION = 1;
/** Largest single resource read (the bundles are a few MB at most). */
export const MAX_RESOURCE_BYTES = 64 * 1024 * 1024;
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
export const MAX_RESOURCE_FILES = 10_000;
const MAX_DEPTH = 16;

export type IntegrityFailureKind =
  | 'manifest-missing'
  | 'manifest-mismatch'
  | 'manifest-malformed'
  | 'unsealed-packaged'
  | 'missing'
  | 'extra'
  | 'size-mismatch'
  | 'hash-mismatch'
  | 'not-regular'
  | 'outside-root'
  | 'too-large'
  | 'io';

export interface IntegrityFailure {
  readonly kind: IntegrityFailureKind;
  /** Relative POSIX path under out/ (or the manifest's name); null when no single file is at fault. */
  readonly path: string | null;
}

export class AppIntegrityError extends FaceVaultError {
  readonly kind: IntegrityFailureKind;
  readonly path: string | null;

  constructor(kind: IntegrityFailureKind, path: string | null, message?: string) {
    super('APP_INTEGRITY', message ?? `app resource ${path ?? '(app)'} failed its integrity check: ${kind}`);
    this.kind = kind;
    this.path = path;
  }

  failure(): IntegrityFailure {
    return { kind: this.kind, path: this.path };
  }
}

export interface ManifestEntry {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

export interface ResourceManifest {
  readonly files: ReadonlyMap<string, ManifestEntry>;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** True when the embedded anchor is a real SHA-256 (the placeholder contains upper case and '_'). */
export const isSealedAnchor = (anchor: string): boolean => HEX64.test(anchor);

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** A relative POSIX path inside one sealed folder, with no '.', '..', empty segment, backslash or NUL. */
export function isSealablePath(p: string): boolean {
  if (typeof p !== 'string' || p.length === 0 || p.length > 1024) return false;
  if (p.includes('\\') || p.includes('\0') || p.startsWith('/')) return false;
  const parts = p.split('/');
  if (parts.some((s) => s === '' || s === '.' || s === '..')) return false;
  if (parts.length < 2 || !(SEALED_DIRS as readonly string[]).includes(parts[0]!)) return false;
  return p !== MAIN_ENTRY;
}

const byPath = (a: ManifestEntry, b: ManifestEntry) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/** Canonical bytes: fixed key order, entries sorted by path, no whitespace, UTF-8. */
export function serializeManifest(entries: readonly ManifestEntry[]): Buffer {
  const files = [...entries].sort(byPath).map((e) => ({ path: e.path, size: e.size, sha256: e.sha256 }));
  return Buffer.from(JSON.stringify({ version: MANIFEST_VERSION, algorithm: 'sha256', files }), 'utf8');
}

const malformed = (why: string) =>
  new AppIntegrityError('manifest-malformed', MANIFEST_FILE, `resource manifest is malformed: ${why}`);

/** Parses and validates manifest bytes (already hash-checked by the caller or not: this checks shape only). */
export function parseManifest(bytes: Uint8Array): ResourceManifest {
  if (bytes.length > MAX_MANIFEST_BYTES) throw malformed('too large');
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw malformed('not JSON');
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw malformed('not an object');
  const d = doc as Record<string, unknown>; // a plain JSON object, checked just above
  if (d.version !== MANIFEST_VERSION || d.algorithm !== 'sha256' || !Array.isArray(d.files))
    throw malformed('header');
  if (d.files.length > MAX_RESOURCE_FILES) throw malformed('too many files');
  const files = new Map<string, ManifestEntry>();
  const list: ManifestEntry[] = [];
  let prev: string | null = null;
  for (const f of d.files as unknown[]) {
    if (f === null || typeof f !== 'object') throw malformed('entry');
    const e = f as Record<string, unknown>; // checked to be an object just above
    const { path, size, sha256 } = e;
    if (typeof path !== 'string' || !isSealablePath(path)) throw malformed('entry path');
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0 || size > MAX_RESOURCE_BYTES)
      throw malformed('entry size');
    if (typeof sha256 !== 'string' || !HEX64.test(sha256)) throw malformed('entry hash');
    if (prev !== null && !(prev < path)) throw malformed('entries not sorted and unique');
    prev = path;
    const entry = { path, size, sha256 };
    files.set(path, entry);
    list.push(entry);
  }
  if (!serializeManifest(list).equals(Buffer.from(bytes))) throw malformed('not canonical');
  return { files };
}

/**
 * Reads one regular file through the storage concern's bounded reader, refusing symlinks (O_NOFOLLOW on
 * the last component), non-regular files and anything larger than `max` bytes, and reporting each refusal
 * in this module's terms (AppIntegrityError kinds). Returns exactly the bytes read; the caller hashes and
 * uses that one buffer.
 */
export async function readBounded(
  absPath: string,
  relPath: string,
  max: number = MAX_RESOURCE_BYTES,
): Promise<Buffer<ArrayBuffer>> {
  // Packaged (out/ inside app.asar): read through the archive itself on every call (asar-read.ts).
  if (insideAsarArchive(absPath))
    return readArchivedFile(absPath, max, (why) => new AppIntegrityError(why, relPath));
  const kindOf = (why: ReadRefusal): IntegrityFailureKind => {
    switch (why.kind) {
      case 'missing':
        return 'missing';
      case 'symlink':
      case 'not-regular':
        return 'not-regular';
      case 'too-large':
        return 'too-large';
      // A file that shrank or grew while being read is refused rather than half-trusted.
      case 'changed':
        return 'size-mismatch';
      case 'io':
        return 'io';
    }
  };
  return readBoundedFile(absPath, {
    maxBytes: max,
    symlinks: 'refuse',
    refuse: (why) => new AppIntegrityError(kindOf(why), relPath),
  });
}

/** Maps an absolute path to its relative POSIX path under `outRoot`, or null when it is outside. */
export function relativeResourcePath(outRoot: string, absPath: string): string | null {
  const root = resolve(outRoot);
  const full = resolve(absPath);
  if (!full.startsWith(root + sep)) return null;
  return full
    .slice(root.length + 1)
    .split(sep)
    .join('/');
}

const abs = (outRoot: string, rel: string) => join(outRoot, ...rel.split('/'));

/**
 * Every entry under the sealed folders, as relative POSIX paths. Symlinks and other non-regular entries
 * are reported as failures (never followed); the main entry is skipped.
 */
export async function listResources(
  outRoot: string,
): Promise<{ files: string[]; failures: IntegrityFailure[] }> {
  const files: string[] = [];
  const failures: IntegrityFailure[] = [];
  const walk = async (rel: string, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH) {
      failures.push({ kind: 'not-regular', path: rel });
      return;
    }
    let entries;
    try {
      entries = await listDirectory(abs(outRoot, rel));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code; // node:fs errors carry an errno code
      failures.push({
        kind: code === 'ENOENT' ? 'missing' : code === 'ENOTDIR' ? 'not-regular' : 'io',
        path: rel,
      });
      return;
    }
    for (const ent of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const child = `${rel}/${ent.name}`;
      if (ent.isDirectory()) await walk(child, depth + 1);
      else if (ent.isFile()) {
        if (child !== MAIN_ENTRY) files.push(child);
      } else failures.push({ kind: 'not-regular', path: child });
      if (files.length > MAX_RESOURCE_FILES) {
        failures.push({ kind: 'too-large', path: rel });
        return;
      }
    }
  };
  for (const dir of SEALED_DIRS) await walk(dir, 0);
  return { files, failures };
}

/** Checks bytes against the manifest entry for `relPath`; null when they match. */
export function checkResourceBytes(
  manifest: ResourceManifest,
  relPath: string,
  bytes: Uint8Array,
): IntegrityFailure | null {
  const entry = manifest.files.get(relPath);
  if (!entry) return { kind: 'extra', path: relPath };
  if (bytes.length !== entry.size) return { kind: 'size-mismatch', path: relPath };
  if (sha256Hex(bytes) !== entry.sha256) return { kind: 'hash-mismatch', path: relPath };
  return null;
}

/** Reads one sealed file and returns its bytes only if they match the manifest (else AppIntegrityError). */
export async function readVerifiedResource(
  outRoot: string,
  manifest: ResourceManifest,
  relPath: string,
): Promise<Buffer<ArrayBuffer>> {
  if (!isSealablePath(relPath)) throw new AppIntegrityError('outside-root', relPath);
  const entry = manifest.files.get(relPath);
  if (!entry) throw new AppIntegrityError('extra', relPath);
  let bytes: Buffer<ArrayBuffer>;
  try {
    // Never read more than the manifest says: a grown file is refused without being read.
    bytes = await readBounded(abs(outRoot, relPath), relPath, entry.size);
  } catch (e) {
    if (e instanceof AppIntegrityError && e.kind === 'too-large')
      throw new AppIntegrityError('size-mismatch', relPath);
    throw e;
  }
  const bad = checkResourceBytes(manifest, relPath, bytes);
  if (bad) throw new AppIntegrityError(bad.kind, bad.path);
  return bytes;
}

export type LoadedManifest =
  { readonly kind: 'sealed'; readonly manifest: ResourceManifest } | { readonly kind: 'unsealed' };

/**
 * Loads the manifest and checks it against the anchor embedded in main. Unsealed (placeholder) is accepted
 * only when `packaged` is false. Throws AppIntegrityError.
 */
export async function loadManifest(o: {
  outRoot: string;
  anchor: string;
  packaged: boolean;
}): Promise<LoadedManifest> {
  if (!isSealedAnchor(o.anchor)) {
    if (o.packaged)
      throw new AppIntegrityError(
        'unsealed-packaged',
        null,
        'packaged app carries no sealed resource manifest',
      );
    return { kind: 'unsealed' };
  }
  let bytes: Buffer;
  try {
    bytes = await readBounded(join(o.outRoot, MANIFEST_FILE), MANIFEST_FILE, MAX_MANIFEST_BYTES);
  } catch (e) {
    if (e instanceof AppIntegrityError && e.kind === 'missing')
      throw new AppIntegrityError('manifest-missing', MANIFEST_FILE);
    throw e;
  }
  if (sha256Hex(bytes) !== o.anchor) throw new AppIntegrityError('manifest-mismatch', MANIFEST_FILE);
  return { kind: 'sealed', manifest: parseManifest(bytes) };
}

/**
 * Verifies every sealed file (or only those `only` selects) against the manifest: each listed file must
 * exist and match, and no unlisted file may exist in a sealed folder. Never throws; returns the failures.
 */
export async function verifyResources(
  outRoot: string,
  manifest: ResourceManifest,
  only: (relPath: string) => boolean = () => true,
): Promise<IntegrityFailure[]> {
  const { files, failures } = await listResources(outRoot);
  const out = failures.filter((f) => f.path === null || only(f.path));
  for (const f of files) if (only(f) && !manifest.files.has(f)) out.push({ kind: 'extra', path: f });
  for (const entry of manifest.files.values()) {
    if (!only(entry.path)) continue;
    try {
      await readVerifiedResource(outRoot, manifest, entry.path);
    } catch (e) {
      out.push(e instanceof AppIntegrityError ? e.failure() : { kind: 'io', path: entry.path });
    }
  }
  return out;
}

export type AppIntegrityState = 'sealed-ok' | 'unsealed' | 'tampered';

export interface AppIntegrityReport {
  readonly state: AppIntegrityState;
  readonly failures: readonly IntegrityFailure[];
  /** The verified manifest when sealed (also when some files failed), else null. */
  readonly manifest: ResourceManifest | null;
}

/** Manifest + files in one call; never throws. */
export async function checkAppIntegrity(o: {
  outRoot: string;
  anchor: string;
  packaged: boolean;
  only?: (relPath: string) => boolean;
}): Promise<AppIntegrityReport> {
  let loaded: LoadedManifest;
  try {
    loaded = await loadManifest(o);
  } catch (e) {
    const failure =
      e instanceof AppIntegrityError ? e.failure() : { kind: 'io' as const, path: MANIFEST_FILE };
    return { state: 'tampered', failures: [failure], manifest: null };
  }
  if (loaded.kind === 'unsealed') return { state: 'unsealed', failures: [], manifest: null };
  const failures = await verifyResources(o.outRoot, loaded.manifest, o.only);
  return { state: failures.length === 0 ? 'sealed-ok' : 'tampered', failures, manifest: loaded.manifest };
}

/** A short, user-presentable line for the status bar; null when all is well. Paths only, never contents. */
export function describeIntegrity(r: Pick<AppIntegrityReport, 'state' | 'failures'>): string | null {
  if (r.state === 'sealed-ok') return null;
  if (r.state === 'unsealed')
    return 'Unsealed development build: the app’s own files are not integrity-checked.';
  const first = r.failures[0];
  const detail = first
    ? ` (${first.path ?? 'app'}: ${first.kind}${r.failures.length > 1 ? `, +${r.failures.length - 1} more` : ''})`
    : '';
  return `FaceVault’s files are damaged or were modified after installation${detail}. Reinstall FaceVault.`;
}
