/**
 * Which packages of the shipped dependency tree carry native code, found by looking rather than by a list:
 * the production dependencies of package.json (with installed optional ones, e.g. koffi's per-platform
 * `@koromix/koffi-*`), resolved the way Node resolves them (nearest node_modules first), and in each a
 * `*.node` binary or a `binding.gyp`. A native module must sit outside the ASAR on disk (the OS loader
 * cannot dlopen from inside an archive, and onnxruntime's binding loads libonnxruntime next to it), so
 * the packaging config's asarUnpack must cover every one (test/unit/release/native-modules.test.ts).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, matchesGlob, relative, sep } from 'node:path';

interface PackageJson {
  readonly name?: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
}

const readPkg = (dir: string): PackageJson =>
  JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson; // package.json is JSON

/** Node's lookup: <from>/node_modules/<name>, then each parent's node_modules, up to `root`. */
function resolvePackage(name: string, fromDir: string, root: string): string | null {
  for (let d = fromDir; ; d = dirname(d)) {
    const candidate = join(d, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (d === root || dirname(d) === d) return null;
  }
}

/** Every installed package the app ships (production + installed optional dependencies), as absolute dirs. */
export function productionPackageDirs(root: string): Map<string, string> {
  const out = new Map<string, string>(); // dir -> name
  const visit = (pkgDir: string, isRoot: boolean): void => {
    const pkg = readPkg(pkgDir);
    const deps = { ...pkg.dependencies, ...pkg.optionalDependencies };
    for (const name of Object.keys(deps)) {
      const dir = resolvePackage(name, pkgDir, root);
      if (dir === null) {
        // A missing optional dependency is normal (another platform's binary); a missing required one is not.
        if (pkg.optionalDependencies?.[name] !== undefined) continue;
        throw new Error(
          `${isRoot ? 'package.json' : pkgDir} depends on ${name}, which is not installed (run npm ci)`,
        );
      }
      if (out.has(dir)) continue;
      out.set(dir, name);
      visit(dir, false);
    }
  };
  visit(root, true);
  return out;
}

export interface NativeModule {
  readonly name: string;
  /** The package folder relative to the project root, POSIX separators (e.g. node_modules/keytar). */
  readonly dir: string;
  /** Native files found (relative to the package folder): *.node binaries and binding.gyp. */
  readonly files: readonly string[];
}

function nativeFiles(pkgDir: string): string[] {
  const found: string[] = [];
  const walk = (d: string, depth: number): void => {
    if (depth > 12) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === 'node_modules') continue; // nested packages are visited as packages of their own
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p, depth + 1);
      else if (e.name.endsWith('.node') || e.name === 'binding.gyp')
        found.push(relative(pkgDir, p).split(sep).join('/'));
    }
  };
  walk(pkgDir, 0);
  return found.sort();
}

/** The native modules among the shipped packages, sorted by folder. */
export function findNativeModules(root: string): NativeModule[] {
  const mods: NativeModule[] = [];
  for (const [dir, name] of productionPackageDirs(root)) {
    const files = nativeFiles(dir);
    if (files.length > 0) mods.push({ name, dir: relative(root, dir).split(sep).join('/'), files });
  }
  return mods.sort((a, b) => (a.dir < b.dir ? -1 : 1));
}

/** True when every file of the module matches one of the asarUnpack globs (electron-builder's semantics: relative to the app folder). */
export const coveredByAsarUnpack = (m: NativeModule, globs: readonly string[]): boolean =>
  m.files.every((f) => globs.some((g) => matchesGlob(`${m.dir}/${f}`, g)));
