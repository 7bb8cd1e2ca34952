/**
 * The electron-builder configuration as it is handed to electron-builder: what goes into the package,
 * what must never, where the catalog and pinned keys land (app-paths.ts reads them there), the targets per
 * OS, signing following the environment, and the resources it points at (icons in every size, a valid
 * desktop entry and AppStream metadata, parseable entitlements). No network, no Electron binary.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, matchesGlob } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  APP_FILES,
  APP_ID,
  builderConfig,
  desktopEntry,
  EXECUTABLE_NAME,
  OUT_FILTER,
} from '../../../scripts/release/builder-config.ts';
import { buildIcons, ICNS_TYPES, ICO_SIZES, LINUX_SIZES } from '../../../scripts/build-icons.ts';
import { CATALOG_FILTER } from '../../../scripts/release/package-contents.ts';
import { signingPlan, SigningConfigError, assertSigningFor } from '../../../scripts/release/signing.ts';
import { projectRoot } from '../../support/shared-data.ts';

const cfg = builderConfig({
  root: projectRoot,
  stageDir: '/stage',
  signing: signingPlan({}),
  electronDist: null,
  secrets: [],
});

/** electron-builder's file-pattern semantics for a plain path: last matching pattern wins, `!` excludes. */
function included(path: string, patterns: readonly string[]): boolean {
  let inc = false;
  for (const p of patterns) {
    const neg = p.startsWith('!');
    const glob = (neg ? p.slice(1) : p).replaceAll('${platform}', 'linux').replaceAll('${arch}', 'x64');
    if (matchesGlob(path, glob)) inc = !neg;
  }
  return inc;
}

describe('what goes into app.asar', () => {
  const files = [...APP_FILES];
  it('takes package.json from the project', () => {
    expect(included('package.json', files)).toBe(true);
  });

  it.each([
    'main/index.js',
    'main/pipeline-worker.js',
    'main/chunks/family-x.js',
    'preload/index.cjs',
    'renderer/index.html',
    'renderer/assets/index-abc.js',
    'resource-manifest.json',
  ])('takes the sealed build’s %s into out/', (p) => {
    expect(included(p, [...OUT_FILTER])).toBe(true);
  });

  it.each(['main/index.js.map', 'renderer/assets/index-abc.js.map'])(
    'leaves the source map %s out of the sealed build',
    (p) => {
      expect(included(p, [...OUT_FILTER])).toBe(false);
    },
  );

  it('takes the sealed build from out/ by default, or from the folder it is given', () => {
    const sets = (c: typeof cfg) =>
      (c.files as unknown[]).filter(
        (f): f is { from: string; to: string; filter: string[] } => typeof f === 'object',
      );
    expect(sets(cfg)[0]).toEqual({ from: join(projectRoot, 'out'), to: 'out', filter: [...OUT_FILTER] });
    const other = builderConfig({
      root: projectRoot,
      stageDir: '/stage',
      outDir: '/tmp/sealed',
      signing: signingPlan({}),
      electronDist: null,
      secrets: [],
    });
    expect(sets(other)[0]).toEqual({ from: '/tmp/sealed', to: 'out', filter: [...OUT_FILTER] });
  });

  it.each([
    'out/main/index.js',
    'src/main/index.ts',
    'test/unit/app/resource-integrity.test.ts',
    'tools/build-default-models.ts',
    'scripts/release/package.ts',
    'build/models/human-blazeface.onnx',
    'build/vendor/vendor.key.json',
    'build/catalog/catalog.json',
    'build/pinned/vendor-keys.json',
    'resources/icon.svg',
    '.cache/release/catalog/catalog.json',
    'dist/linux-unpacked/facevault',
    'package-lock.json',
    '.npmrc',
    '.env',
  ])('never takes %s from the checkout', (p) => {
    expect(included(p, files)).toBe(false);
  });

  it.each([
    'node_modules/onnxruntime-node/bin/napi-v6/win32/x64/onnxruntime_binding.node',
    'node_modules/onnxruntime-node/bin/napi-v6/linux/arm64/onnxruntime_binding.node',
    'node_modules/keytar/build/Release/obj.target/keytar.node',
    'node_modules/keytar/src/keytar_posix.cc',
    'node_modules/zod/index.d.ts',
    'node_modules/global-agent/dist/x.test.js',
    'node_modules/@koromix/koffi-linux-x64/musl_x64/koffi.node',
  ])('leaves the development part of a dependency out: %s', (p) => {
    expect(
      included(`node_modules/${p.slice('node_modules/'.length)}`, ['node_modules/**', ...files.slice(1)]),
    ).toBe(false);
  });

  it('takes the pinned key list only from the staged release inputs, to where app-paths.ts reads it', () => {
    const sets = (cfg.files as unknown[]).filter(
      (f): f is { from: string; to: string; filter: string[] } => typeof f === 'object',
    );
    expect(sets.filter((f) => f.to === 'build/pinned')).toEqual([
      { from: '/stage/pinned', to: 'build/pinned', filter: ['vendor-keys.json'] },
    ]);
    expect(sets.map((f) => f.to)).toEqual(['out', 'build/pinned']);
    const src = readFileSync(join(projectRoot, 'src', 'main', 'app', 'app-paths.ts'), 'utf8');
    expect(src).toContain("join(o.appPath, 'build', 'pinned', 'vendor-keys.json')");
  });

  it('ships the catalog only from the staged release inputs, filtered to its signed parts, to <resources>/models', () => {
    expect(cfg.extraResources).toEqual([
      { from: '/stage/catalog', to: 'models', filter: [...CATALOG_FILTER] },
    ]);
    expect(CATALOG_FILTER).not.toContain('build-info.json');
    expect(readFileSync(join(projectRoot, 'src', 'main', 'app', 'app-paths.ts'), 'utf8')).toContain(
      "join(o.resourcesPath, 'models')",
    );
    expect(cfg.extraFiles).toBeUndefined();
  });

  it('packs into an ASAR with integrity, rebuilds nothing (N-API modules), and flips fuses itself (not electron-builder’s older copy)', () => {
    expect(cfg.asar).toBe(true);
    expect(cfg.npmRebuild).toBe(false);
    expect(cfg.nodeGypRebuild).toBe(false);
    expect(cfg.electronFuses).toBeNull();
    expect(typeof cfg.afterPack).toBe('function');
    expect((cfg as { disableAsarIntegrity?: boolean }).disableAsarIntegrity).toBeUndefined();
    expect(cfg.publish).toBeNull();
  });
});

describe('targets and platform settings', () => {
  it('builds AppImage + deb, NSIS, dmg', () => {
    expect(cfg.linux?.target).toEqual(['AppImage', 'deb']);
    expect(cfg.win?.target).toEqual([{ target: 'nsis', arch: ['x64'] }]);
    expect(cfg.mac?.target).toEqual([{ target: 'dmg', arch: ['arm64', 'x64'] }]);
    expect(cfg.appId).toBe(APP_ID);
    expect(cfg.directories?.buildResources).toBe('resources');
  });

  it('installs the AppStream metadata with the deb, and the desktop entry comes from resources/linux', () => {
    expect(cfg.deb?.fpm).toEqual([
      `resources/linux/${APP_ID}.metainfo.xml=/usr/share/metainfo/${APP_ID}.metainfo.xml`,
    ]);
    expect(cfg.linux?.desktop?.entry).toEqual(desktopEntry(projectRoot));
    expect(cfg.linux?.desktop?.entry?.Name).toBe('FaceVault');
    expect(cfg.linux?.executableName).toBe(EXECUTABLE_NAME);
  });

  it('asks macOS users for the camera with a reason, and keeps user data on Windows uninstall', () => {
    expect(cfg.mac?.extendInfo).toMatchObject({ NSCameraUsageDescription: expect.stringMatching(/camera/) });
    expect(cfg.nsis?.deleteAppDataOnUninstall).toBe(false);
  });

  it('points only at resources that exist', () => {
    for (const p of [
      cfg.win?.icon,
      cfg.mac?.icon,
      cfg.mac?.entitlements,
      cfg.mac?.entitlementsInherit,
      cfg.nsis?.installerIcon,
      cfg.linux?.icon,
    ]) {
      expect(p && existsSync(join(projectRoot, p)), String(p)).toBe(true);
    }
  });
});

describe('signing follows the environment', () => {
  it('without credentials: ad-hoc macOS signature, no hardened runtime, no notarisation, unsigned Windows, no keychain discovery', () => {
    const plan = signingPlan({});
    const c = builderConfig({
      root: projectRoot,
      stageDir: '/s',
      signing: plan,
      electronDist: null,
      secrets: [],
    });
    expect(c.mac?.identity).toBe('-');
    expect(c.mac?.hardenedRuntime).toBe(false);
    expect(c.mac?.notarize).toBe(false);
    expect(c.win?.azureSignOptions).toBeUndefined();
    expect(plan.env).toEqual({ CSC_IDENTITY_AUTO_DISCOVERY: 'false' });
  });

  it('with a Developer ID and App Store Connect API key: signed, hardened, notarised', () => {
    const plan = signingPlan({
      CSC_LINK: 'base64cert',
      CSC_KEY_PASSWORD: 'x',
      APPLE_API_KEY: '/k.p8',
      APPLE_API_KEY_ID: 'id',
      APPLE_API_ISSUER: 'iss',
    });
    const c = builderConfig({
      root: projectRoot,
      stageDir: '/s',
      signing: plan,
      electronDist: null,
      secrets: [],
    });
    expect(c.mac?.identity).toBeUndefined();
    expect(c.mac?.hardenedRuntime).toBe(true);
    expect(c.mac?.notarize).toBe(true);
  });

  it('Azure Trusted Signing needs its whole set', () => {
    const full = {
      AZURE_TENANT_ID: 't',
      AZURE_CLIENT_ID: 'c',
      AZURE_CLIENT_SECRET: 's',
      FACEVAULT_AZURE_SIGN_ENDPOINT: 'https://x',
      FACEVAULT_AZURE_SIGN_ACCOUNT: 'a',
      FACEVAULT_AZURE_SIGN_PROFILE: 'p',
      FACEVAULT_AZURE_SIGN_PUBLISHER: 'FaceVault',
    };
    const c = builderConfig({
      root: projectRoot,
      stageDir: '/s',
      signing: signingPlan(full),
      electronDist: null,
      secrets: [],
    });
    expect(c.win?.azureSignOptions).toEqual({
      publisherName: 'FaceVault',
      endpoint: 'https://x',
      certificateProfileName: 'p',
      codeSigningAccountName: 'a',
    });
    expect(() => signingPlan({ ...full, AZURE_CLIENT_SECRET: '' })).toThrow(SigningConfigError);
  });

  it('a half-set credential group is an error, never a silent unsigned build', () => {
    expect(() => signingPlan({ APPLE_ID: 'me', CSC_LINK: 'c' })).toThrow(
      /APPLE_APP_SPECIFIC_PASSWORD, APPLE_TEAM_ID missing/,
    );
    expect(() => signingPlan({ APPLE_API_KEY: 'k', APPLE_API_KEY_ID: 'i', APPLE_API_ISSUER: 'x' })).toThrow(
      /no signing certificate/,
    );
  });

  it('FACEVAULT_REQUIRE_SIGNING=1 refuses an unsigned macOS or Windows package, not a Linux one', () => {
    const env = { FACEVAULT_REQUIRE_SIGNING: '1' };
    const plan = signingPlan(env);
    expect(() => assertSigningFor('mac', plan, env)).toThrow(SigningConfigError);
    expect(() => assertSigningFor('win', plan, env)).toThrow(SigningConfigError);
    expect(() => assertSigningFor('linux', plan, env)).not.toThrow();
  });
});

describe('resources', () => {
  it('icons: every Linux size is an RGBA PNG of that size, and rendering resources/icon.svg is reproducible', async () => {
    const files = await buildIcons(readFileSync(join(projectRoot, 'resources', 'icon.svg')));
    for (const s of LINUX_SIZES) {
      const meta = await sharp(
        readFileSync(join(projectRoot, 'resources', 'icons', `${s}x${s}.png`)),
      ).metadata();
      expect([meta.width, meta.height, meta.hasAlpha]).toEqual([s, s, true]);
    }
    // Rendering twice gives the same bytes (reproducible).
    const again = await buildIcons(readFileSync(join(projectRoot, 'resources', 'icon.svg')));
    for (const [k, v] of files) expect(again.get(k)!.equals(v), k).toBe(true);
  });

  it('the ICO holds 16–256 px and the ICNS every macOS size, each a decodable PNG of the right size', async () => {
    const ico = readFileSync(join(projectRoot, 'resources', 'icon.ico'));
    expect(ico.readUInt16LE(2)).toBe(1);
    expect(ico.readUInt16LE(4)).toBe(ICO_SIZES.length);
    for (let i = 0; i < ICO_SIZES.length; i++) {
      const len = ico.readUInt32LE(6 + 16 * i + 8);
      const off = ico.readUInt32LE(6 + 16 * i + 12);
      const m = await sharp(ico.subarray(off, off + len)).metadata();
      expect(m.width).toBe(ICO_SIZES[i]);
    }
    const icns = readFileSync(join(projectRoot, 'resources', 'icon.icns'));
    expect(icns.subarray(0, 4).toString('ascii')).toBe('icns');
    expect(icns.readUInt32BE(4)).toBe(icns.length);
    let off = 8;
    for (const [type, size] of ICNS_TYPES) {
      expect(icns.subarray(off, off + 4).toString('ascii')).toBe(type);
      const len = icns.readUInt32BE(off + 4);
      expect((await sharp(icns.subarray(off + 8, off + len)).metadata()).width).toBe(size);
      off += len;
    }
    expect(off).toBe(icns.length);
  });

  const tool = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;

  // Linux CI installs both tools (.ci/run, the release workflow); elsewhere a missing tool skips the check.
  const skip = (bin: string) => !tool(bin) && !(process.env.CI === 'true' && process.platform === 'linux');

  it.skipIf(skip('desktop-file-validate'))('the desktop entry validates (desktop-file-validate)', () => {
    const r = spawnSync(
      'desktop-file-validate',
      [join(projectRoot, 'resources', 'linux', `${EXECUTABLE_NAME}.desktop`)],
      { encoding: 'utf8' },
    );
    expect(r.stdout.split('\n').filter((l) => /error:/.test(l))).toEqual([]);
    expect(r.status).toBe(0);
  });

  it.skipIf(skip('appstreamcli'))(
    'the AppStream metadata validates (appstreamcli validate, no network)',
    () => {
      const r = spawnSync(
        'appstreamcli',
        ['validate', '--no-net', join(projectRoot, 'resources', 'linux', `${APP_ID}.metainfo.xml`)],
        { encoding: 'utf8' },
      );
      expect(`${r.stdout}${r.stderr}`).toMatch(/Validation was successful/);
      expect(r.status).toBe(0);
    },
  );

  it('the macOS entitlements grant JIT and the camera, and no library-validation or unsigned-memory exception', () => {
    const plist = readFileSync(join(projectRoot, 'resources', 'mac', 'entitlements.mac.plist'), 'utf8');
    const keys = [...plist.matchAll(/<key>([^<]+)<\/key>/g)].map((m) => m[1]);
    expect(keys.sort()).toEqual(['com.apple.security.cs.allow-jit', 'com.apple.security.device.camera']);
  });

  it('resources/ holds nothing secret', () => {
    const r = spawnSync('git', ['ls-files', 'resources'], { cwd: projectRoot, encoding: 'utf8' });
    const listed = r.stdout.split('\n').filter(Boolean);
    expect(listed.filter((p) => /\.(key|pem|p12|pfx|p8)$|vendor\.key|secret/i.test(p))).toEqual([]);
    for (const p of listed.filter((x) => /\.(json|xml|plist|desktop|md|svg)$/.test(x))) {
      expect(readFileSync(join(projectRoot, p), 'utf8'), p).not.toMatch(/secret-key|PRIVATE KEY|"secretKey"/);
    }
  });
});
