/**
 * Where `npm run models:build` leaves what a release must read or refuse: the plaintext ONNX of the default
 * models and the per-checkout development signing key. Today both sit in build/ (build/models,
 * build/vendor/vendor.key.json); the development layout of issue 10 moves them to a build cache outside the
 * checkout (tools/build-layout.ts, `buildLayout()`). This asks that module when the checkout has it, so the
 * release build follows whichever layout the checkout uses, and refuses the development key in both places.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface DevLayout {
  readonly modelsDir: string;
  /** Every place a development signing key may be (old and new layout). */
  readonly devKeyFiles: readonly string[];
}

interface BuildLayoutModule {
  buildLayout?: (o: { root: string }) => { modelsDir: string; devVendorKeyFile: string };
}

export async function devLayout(root: string): Promise<DevLayout> {
  const legacyKey = join(root, 'build', 'vendor', 'vendor.key.json');
  const layoutModule = join(root, 'tools', 'build-layout.ts');
  if (existsSync(layoutModule)) {
    // Loaded by path: the module exists only in checkouts that have the new layout.
    const m = (await import(pathToFileURL(layoutModule).href)) as BuildLayoutModule;
    if (typeof m.buildLayout === 'function') {
      const l = m.buildLayout({ root });
      return { modelsDir: l.modelsDir, devKeyFiles: [l.devVendorKeyFile, legacyKey] };
    }
  }
  return { modelsDir: join(root, 'build', 'models'), devKeyFiles: [legacyKey] };
}
