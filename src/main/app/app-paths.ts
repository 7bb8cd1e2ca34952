/**
 * Where the app finds its model catalog and pinned vendor keys, and where it keeps per-user state.
 * Packaged: the catalog ships as an extra resource (`<resources>/models`), the pinned-key list inside the
 * app's ASAR (integrity-checked when the ASAR-integrity fuse is on), so replacing bundles on disk cannot
 * also change which vendor keys are trusted. Development: both come from `build/` (npm run models:build).
 * Overrides for tests and vendors: FACEVAULT_MODELS_DIR, FACEVAULT_VENDOR_KEYS.
 */
import { join } from 'node:path';

export interface AppPaths {
  readonly catalogDir: string;
  readonly pinnedKeysFile: string;
  readonly keysDir: string;
  readonly licenceDir: string;
  readonly templatesDir: string;
  /** File locking: journal of operations in flight and the list of locked items. */
  readonly filelockDir: string;
  /** The per-user data folder (the CLI socket falls back to `<userData>/run` without XDG_RUNTIME_DIR). */
  readonly userData: string;
}

export function appPaths(o: {
  appPath: string;
  resourcesPath: string;
  userData: string;
  packaged: boolean;
}): AppPaths {
  const env = process.env;
  return {
    catalogDir:
      env.FACEVAULT_MODELS_DIR ??
      (o.packaged ? join(o.resourcesPath, 'models') : join(o.appPath, 'build', 'catalog')),
    pinnedKeysFile: env.FACEVAULT_VENDOR_KEYS ?? join(o.appPath, 'build', 'pinned', 'vendor-keys.json'),
    keysDir: join(o.userData, 'keys'),
    licenceDir: join(o.userData, 'licences'),
    templatesDir: join(o.userData, 'templates'),
    filelockDir: join(o.userData, 'filelock'),
    userData: o.userData,
  };
}
