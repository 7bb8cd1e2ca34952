/**
 * electron-builder configuration for every FaceVault package: Linux AppImage + deb, Windows NSIS, macOS
 * dmg. Built as a function so the release script (scripts/release/package.ts) passes the staged catalog,
 * the signing plan and the hooks, and the configuration tests read exactly what ships.
 *
 * - App code: only package.json and the sealed build (out/, no source maps), the pinned vendor key list
 *   at build/pinned/vendor-keys.json (where src/main/app/app-paths.ts reads it from the app's ASAR), and
 *   production node_modules without development files; everything else is excluded by listing only these.
 * - Native modules (onnxruntime-node, keytar, koffi and its per-platform @koromix package) are unpacked
 *   from the ASAR; all are N-API, so no rebuild against Electron's headers is needed (npmRebuild off: a
 *   rebuild would need headers from outside the npm registry). onnxruntime-node's other platforms'
 *   binaries are left out.
 * - The shipped catalog (encrypted bundles, demo licences, catalog.json + its signature, the demo
 *   bootstrap key) goes to <resources>/models, as app-paths.ts expects.
 * - afterPack flips the fuses (fuse-policy.ts) before anything is signed, reads them back, and inspects
 *   the package (package-contents.ts); a violation fails the build.
 */
import { flipFuses } from '@electron/fuses';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Arch, type AfterPackContext, type Configuration } from 'electron-builder';
import { describeMismatches, FUSES, verifyFuses } from './fuse-policy.ts';
import { CATALOG_FILTER, findResourcesDir, inspectPackage } from './package-contents.ts';
import type { SigningPlan } from './signing.ts';

export const APP_ID = 'com.facevault.FaceVault';
export const PRODUCT_NAME = 'FaceVault';
/** Linux executable, desktop file and deb package name. */
export const EXECUTABLE_NAME = 'facevault';

/** Every package with native code in the shipped tree (test/unit/release/native-modules.test.ts walks it). */
export const ASAR_UNPACK = [
  '**/node_modules/onnxruntime-node/**',
  '**/node_modules/keytar/**',
  '**/node_modules/koffi/**',
  '**/node_modules/@koromix/**',
] as const;

/**
 * Patterns over the project folder for app.asar: package.json, and production node_modules (which
 * electron-builder adds itself) without their development files. The sealed build comes in as a file set
 * (`OUT_FILTER`), from out/ or from another sealed build folder.
 */
export const APP_FILES = [
  'package.json',
  // Development files inside shipped packages.
  '!**/node_modules/**/*.{map,ts,tsx,mts,cts,md,markdown,gyp,gypi,cc,cpp,c,h,hpp,o,obj}',
  '!**/node_modules/**/*.d.{ts,mts,cts}',
  '!**/node_modules/**/*.{test,spec}.{js,cjs,mjs}',
  '!**/node_modules/**/{test,tests,__tests__,__mocks__,example,examples,benchmark,benchmarks,.github}/**',
  '!**/node_modules/**/build/Release/{obj.target,.deps}/**',
  '!**/node_modules/keytar/src/**',
  // onnxruntime-node ships every platform's binaries; keep only this package's platform and arch.
  '!**/node_modules/onnxruntime-node/bin/napi-v*/!(${platform})/**',
  '!**/node_modules/onnxruntime-node/bin/napi-v*/${platform}/!(${arch})/**',
  // koffi's musl build is for musl distributions, which Electron does not support.
  '!**/node_modules/@koromix/*/musl_*/**',
] as const;

/** What of the sealed build goes to app.asar/out: everything but source maps. */
export const OUT_FILTER = ['**/*', '!**/*.map'] as const;

/** The canonical desktop entry (resources/linux/facevault.desktop); electron-builder writes Exec and Icon. */
export function desktopEntry(root: string): Record<string, string> {
  const text = readFileSync(join(root, 'resources', 'linux', `${EXECUTABLE_NAME}.desktop`), 'utf8');
  const entry: Record<string, string> = {};
  let inEntry = false;
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    if (t.startsWith('[')) {
      inEntry = t === '[Desktop Entry]';
      continue;
    }
    const eq = t.indexOf('=');
    if (inEntry && eq > 0) entry[t.slice(0, eq)] = t.slice(eq + 1);
  }
  delete entry.Exec;
  delete entry.Icon;
  delete entry.Type;
  return entry;
}

export interface BuilderConfigOptions {
  readonly root: string;
  /** Folder with catalog/ and pinned/ (release-catalog.ts). */
  readonly stageDir: string;
  /** The sealed build to ship (default <root>/out). */
  readonly outDir?: string;
  readonly signing: SigningPlan;
  /** An unpacked Electron dist (ELECTRON_OVERRIDE_DIST_PATH); null: electron-builder downloads it. */
  readonly electronDist: string | null;
  /** Secret key bytes that must not appear anywhere in the package (release and development keys). */
  readonly secrets: readonly Uint8Array[];
  readonly log?: (line: string) => void;
}

/** The Electron binary inside an unpacked app, as @electron/fuses expects it. */
export function electronBinary(
  ctx: Pick<AfterPackContext, 'appOutDir' | 'electronPlatformName'>,
  productFilename = PRODUCT_NAME,
): string {
  switch (ctx.electronPlatformName) {
    case 'darwin':
    case 'mas':
      return join(ctx.appOutDir, `${productFilename}.app`);
    case 'win32':
      return join(ctx.appOutDir, `${productFilename}.exe`);
    default:
      return join(ctx.appOutDir, EXECUTABLE_NAME);
  }
}

export class PackageCheckError extends Error {
  override name = 'PackageCheckError';
}

/** Fuses, read-back, then the contents inspection: the same steps the packaging test repeats on its own. */
export function afterPackHook(o: Pick<BuilderConfigOptions, 'secrets' | 'log'>) {
  return async (ctx: AfterPackContext): Promise<void> => {
    const log = o.log ?? ((l: string) => console.log(l));
    const binary = electronBinary(ctx, ctx.packager.appInfo.productFilename);
    // Apple silicon refuses code whose ad-hoc signature no longer matches; a real identity re-signs after this.
    const resetAdHocDarwinSignature = ctx.electronPlatformName === 'darwin' && ctx.arch === Arch.arm64;
    await flipFuses(binary, { ...FUSES, resetAdHocDarwinSignature });
    const wrong = await verifyFuses(binary);
    if (wrong.length > 0)
      throw new PackageCheckError(`fuses did not take in ${binary}: ${describeMismatches(wrong)}`);
    log(`  • fuses flipped and read back: ${binary}`);
    const report = inspectPackage(findResourcesDir(ctx.appOutDir), o.secrets);
    if (report.violations.length > 0)
      throw new PackageCheckError(
        `package contents refused:\n${report.violations.map((v) => `  ${v.path}: ${v.why}`).join('\n')}`,
      );
    if (!report.asarHasIntegrity)
      throw new PackageCheckError('app.asar carries no per-file integrity hashes');
    log(
      `  • package contents checked: ${report.asarFiles.length} files in app.asar, ${report.unpackedFiles.length} unpacked, ${report.resourceFiles.length} resources`,
    );
  };
}

export function builderConfig(o: BuilderConfigOptions): Configuration {
  const { mac, win } = o.signing;
  return {
    appId: APP_ID,
    productName: PRODUCT_NAME,
    copyright: 'Copyright © FaceVault contributors',
    directories: { output: 'dist', buildResources: 'resources' },
    electronDist: o.electronDist ?? undefined,
    asar: true,
    asarUnpack: [...ASAR_UNPACK],
    npmRebuild: false,
    nodeGypRebuild: false,
    buildDependenciesFromSource: false,
    // electron-builder's own fuse step stays off: afterPack flips with the policy above and checks the result.
    electronFuses: null,
    files: [
      ...APP_FILES,
      { from: o.outDir ?? join(o.root, 'out'), to: 'out', filter: [...OUT_FILTER] },
      { from: join(o.stageDir, 'pinned'), to: 'build/pinned', filter: ['vendor-keys.json'] },
    ],
    extraResources: [{ from: join(o.stageDir, 'catalog'), to: 'models', filter: [...CATALOG_FILTER] }],
    afterPack: afterPackHook(o),
    publish: null,
    linux: {
      target: ['AppImage', 'deb'],
      executableName: EXECUTABLE_NAME,
      // The desktop file is named after package.json desktopName (facevault.desktop), which Electron also
      // uses as the Wayland app_id / WM_CLASS, and which the AppStream metadata names as its launchable.
      syncDesktopName: true,
      icon: 'resources/icons',
      category: 'Security',
      synopsis: 'Face authentication with encrypted, device-bound models',
      description: 'FaceVault unlocks your desktop and your files with your face, on this device only.',
      maintainer: 'FaceVault maintainers <security@facevault.invalid>',
      desktop: { entry: desktopEntry(o.root) },
    },
    deb: {
      priority: 'optional',
      // Electron's own runtime libraries (electron-builder's default list) plus the Secret Service client.
      depends: [
        'libgtk-3-0',
        'libnotify4',
        'libnss3',
        'libxss1',
        'libxtst6',
        'xdg-utils',
        'libatspi2.0-0',
        'libuuid1',
        'libsecret-1-0',
      ],
      // TPM 2.0 through tpm2-tss (ESAPI in-process via koffi); without it the keychain backend is used.
      recommends: [
        'libtss2-esys-3.0.2-0 | libtss2-esys-3.0.2-0t64',
        'libtss2-tctildr0 | libtss2-tctildr0t64',
        'gnome-keyring | kwalletmanager',
      ],
      fpm: [`resources/linux/${APP_ID}.metainfo.xml=/usr/share/metainfo/${APP_ID}.metainfo.xml`],
    },
    appImage: { artifactName: '${productName}-${version}-${arch}.${ext}' },
    win: {
      target: [{ target: 'nsis', arch: ['x64'] }],
      icon: 'resources/icon.ico',
      ...(win.azure ? { azureSignOptions: win.azure } : {}),
    },
    nsis: {
      oneClick: false,
      perMachine: true,
      allowToChangeInstallationDirectory: true,
      installerIcon: 'resources/icon.ico',
      uninstallerIcon: 'resources/icon.ico',
      // Face templates and device keys stay unless the user removes them in the app (owner proof).
      deleteAppDataOnUninstall: false,
      artifactName: '${productName}-Setup-${version}-${arch}.${ext}',
    },
    mac: {
      target: [{ target: 'dmg', arch: ['arm64', 'x64'] }],
      icon: 'resources/icon.icns',
      category: 'public.app-category.utilities',
      identity: mac.identity,
      // Hardened runtime with a Developer ID signature; an ad-hoc build cannot pass library validation.
      hardenedRuntime: mac.signed,
      entitlements: 'resources/mac/entitlements.mac.plist',
      entitlementsInherit: 'resources/mac/entitlements.mac.inherit.plist',
      notarize: mac.notarize,
      extendInfo: {
        NSCameraUsageDescription:
          'FaceVault uses the camera to recognise your face. Frames never leave this device.',
      },
    },
    dmg: { artifactName: '${productName}-${version}-${arch}.${ext}' },
  };
}
