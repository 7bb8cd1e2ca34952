/**
 * Where `npm run models:build` puts what it makes, split by who may read it:
 *
 *   <checkout>/build/                 what the development app reads (app-paths.ts) — nothing secret:
 *     catalog/                        signed, encrypted bundles, demo licences, catalog.json(.sig)
 *     pinned/vendor-keys.json         the public key(s) the app pins; the per-checkout key is marked
 *                                     `development: true`, so the app's status says "development signing key"
 *   <build cache>/                    OUTSIDE the checkout the app runs from, 0700; the app never reads it:
 *     models/                         plaintext ONNX of the default models + manifest.json (converter output)
 *     vendor/vendor.key.json          the per-checkout development signing key (Ed25519, 0600)
 *
 * The build cache defaults to `$XDG_CACHE_HOME/facevault/build-<id>` (else `~/.cache/...`), `<id>` naming
 * this checkout (SHA-256 of its real path), so two checkouts never share a key; FACEVAULT_BUILD_CACHE
 * overrides it (refused when inside the checkout). A release build signs with the vendor's own key instead:
 * FACEVAULT_VENDOR_KEY_FILE=<vendor.key.json> (0600) — no development key is created or used, and the pinned
 * list carries no development mark. The installers' build sets it (docs/catalog-format.md §Development and
 * release keys).
 *
 * Why: with the plaintext models and the signing key beside the bundles, anyone able to read the app's folder
 * could take the models or re-sign a swapped catalog, and the protection would only look real.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { makePrivateDir } from '../src/cli/secret-key-file.ts';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export { makePrivateDir };

export const BUILD_CACHE_ENV = 'FACEVAULT_BUILD_CACHE';
export const RELEASE_VENDOR_KEY_ENV = 'FACEVAULT_VENDOR_KEY_FILE';

export const CHECKOUT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface BuildLayout {
  /** The checkout (the folder the development app runs from). */
  readonly root: string;
  /** What the development app reads: catalog/ and pinned/ (no secret, no plaintext model). */
  readonly appBuildDir: string;
  readonly catalogDir: string;
  readonly pinnedKeysFile: string;
  /** Outside `root`; never read by the app. */
  readonly cacheDir: string;
  /** Plaintext ONNX of the default models and their manifest.json. */
  readonly modelsDir: string;
  /** The per-checkout development signing key. */
  readonly devVendorKeyFile: string;
}

const inside = (child: string, parent: string): boolean => {
  const r = relative(parent, child);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
};

const real = (p: string): string => {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
};

export interface BuildLayoutOptions {
  readonly root?: string;
  readonly appBuildDir?: string;
  readonly cacheDir?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export function buildLayout(o: BuildLayoutOptions = {}): BuildLayout {
  const env = o.env ?? process.env;
  const root = resolve(o.root ?? CHECKOUT_ROOT);
  const appBuildDir = resolve(o.appBuildDir ?? join(root, 'build'));
  const id = createHash('sha256').update(real(root)).digest('hex').slice(0, 16);
  const cacheBase =
    env.XDG_CACHE_HOME !== undefined && isAbsolute(env.XDG_CACHE_HOME)
      ? env.XDG_CACHE_HOME
      : join(homedir(), '.cache');
  const fromEnv = env[BUILD_CACHE_ENV] === '' ? undefined : env[BUILD_CACHE_ENV];
  const cacheDir = resolve(o.cacheDir ?? fromEnv ?? join(cacheBase, 'facevault', `build-${id}`));
  for (const dir of [root, appBuildDir]) {
    if (inside(real(cacheDir), real(dir)) || inside(cacheDir, dir)) {
      throw new Error(
        `the build cache ${cacheDir} must be outside ${dir}: it holds plaintext models and the development signing key`,
      );
    }
  }
  return {
    root,
    appBuildDir,
    catalogDir: join(appBuildDir, 'catalog'),
    pinnedKeysFile: join(appBuildDir, 'pinned', 'vendor-keys.json'),
    cacheDir,
    modelsDir: join(cacheDir, 'models'),
    devVendorKeyFile: join(cacheDir, 'vendor', 'vendor.key.json'),
  };
}

/**
 * Moves what older checkouts kept in the app's folder out of it: build/vendor/vendor.key.json goes to the
 * cache (when the cache has none, so the existing catalog stays valid), build/models and build/vendor are
 * deleted. Returns what it did, for the build log.
 */
export function migrateOldLayout(layout: BuildLayout): string[] {
  const done: string[] = [];
  const oldKey = join(layout.appBuildDir, 'vendor', 'vendor.key.json');
  if (existsSync(oldKey) && statSync(oldKey).isFile() && !existsSync(layout.devVendorKeyFile)) {
    makePrivateDir(dirname(layout.devVendorKeyFile));
    try {
      renameSync(oldKey, layout.devVendorKeyFile);
    } catch {
      // Another file system: drop it; the catalog is then rebuilt with a fresh development key.
      rmSync(oldKey, { force: true });
    }
    if (existsSync(layout.devVendorKeyFile)) chmodSync(layout.devVendorKeyFile, 0o600);
    done.push(
      `moved the development signing key out of ${relative(layout.root, layout.appBuildDir) || '.'}/vendor into ${layout.devVendorKeyFile}`,
    );
  }
  for (const old of [join(layout.appBuildDir, 'vendor'), join(layout.appBuildDir, 'models')]) {
    if (existsSync(old)) {
      rmSync(old, { recursive: true, force: true });
      done.push(
        `removed ${relative(layout.root, old) || old} (plaintext and keys now live in the build cache)`,
      );
    }
  }
  return done;
}
