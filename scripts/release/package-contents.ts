/**
 * What a FaceVault package may contain, and the inspection that enforces it on a real unpacked build
 * (electron-builder's `--dir` output, or the app folder of any target before it is wrapped).
 *
 * Inside app.asar: package.json, the sealed build (out/main, out/preload, out/renderer and
 * out/resource-manifest.json), the pinned vendor key list (build/pinned/vendor-keys.json, read by
 * src/main/app/app-paths.ts), and production node_modules. In resources/models: the signed catalog and
 * its encrypted bundles, demo licences and the documented demo bootstrap key, nothing else.
 * Never, anywhere: source maps, TypeScript sources, tests, plaintext ONNX, any vendor secret key (by
 * name, by structure, or by its bytes), certificates / private keys, the development build folders.
 */
import { extractFile, getRawHeader, listPackage } from '@electron/asar';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** Files the shipped catalog folder (<resources>/models) may hold: electron-builder's extraResources filter. */
export const CATALOG_FILTER = [
  '*.fvb',
  '*.demo.lic',
  'catalog.json',
  'catalog.json.sig',
  'bootstrap.key.json',
] as const;
const CATALOG_ALLOWED = [
  /^[A-Za-z0-9._-]+\.fvb$/,
  /^[A-Za-z0-9._-]+\.demo\.lic$/,
  /^catalog\.json$/,
  /^catalog\.json\.sig$/,
  /^bootstrap\.key\.json$/,
];

/** Paths inside app.asar (POSIX, no leading slash) that must be there. */
export const REQUIRED_IN_ASAR = [
  'package.json',
  'out/main/index.js',
  'out/main/pipeline-worker.js',
  'out/preload/index.cjs',
  'out/renderer/index.html',
  'out/resource-manifest.json',
  'build/pinned/vendor-keys.json',
] as const;

/** What Electron and the installers themselves put next to app.asar (icons, macOS .lproj folders, NSIS's elevate.exe). */
const ELECTRON_RESOURCE_FILES = [
  /^[^/]+\.(pak|dat|bin|icns|ico|png)$/,
  /^[A-Za-z_-]+\.lproj\//,
  /^elevate\.exe$/,
  /^apparmor-profile$/,
];

export interface ForbiddenRule {
  readonly why: string;
  readonly test: (path: string) => boolean;
}

const inNodeModules = (p: string) => p.startsWith('node_modules/') || p.includes('/node_modules/');

/** Rules on paths (POSIX, relative to app.asar's root or to the resources folder). */
export const FORBIDDEN: readonly ForbiddenRule[] = [
  { why: 'source map', test: (p) => /\.map$/i.test(p) },
  { why: 'plaintext ONNX model', test: (p) => /\.onnx$/i.test(p) || /\.ort$/i.test(p) },
  { why: 'TypeScript source', test: (p) => /\.(m|c)?tsx?$/i.test(p) && !/\.d\.(m|c)?ts$/i.test(p) },
  {
    why: 'test files',
    test: (p) =>
      /(^|\/)(test|tests|__tests__|__mocks__)\//i.test(p) || /\.(test|spec)\.[cm]?[jt]sx?$/i.test(p),
  },
  {
    why: 'vendor secret key file',
    test: (p) =>
      /(^|\/)vendor\.key(\.json)?$/i.test(p) ||
      (/(^|\/)[^/]*\.key\.json$/i.test(p) && !/^models\/bootstrap\.key\.json$/.test(p)),
  },
  {
    why: 'certificate or private key',
    test: (p) => /\.(pem|p12|pfx|key|crt|cer|der|p8|keystore|jks)$/i.test(p),
  },
  { why: 'environment file', test: (p) => /(^|\/)\.env(\.|$)/i.test(p) || /(^|\/)\.npmrc$/i.test(p) },
  {
    why: 'development tree (sources, tools, tests, build inputs)',
    test: (p) =>
      !inNodeModules(p) &&
      /^(src|test|tools|scripts|bench|docs|resources|coverage|\.cache|\.ci|\.github|build\/(models|catalog|vendor))(\/|$)/.test(
        p,
      ),
  },
  {
    why: 'lock file or editor/VCS metadata',
    test: (p) =>
      !inNodeModules(p) && /(^|\/)(package-lock\.json|\.git|\.gitignore|\.vscode|\.idea)(\/|$)/.test(p),
  },
  {
    why: 'native build intermediates',
    test: (p) =>
      /\/build\/Release\/(obj\.target|\.deps)\//.test(p) ||
      (/\.(o|obj|lib|exp|pdb|gypi?)$/i.test(p) && inNodeModules(p)),
  },
];

export interface Violation {
  readonly path: string;
  readonly why: string;
}

/** Path rules only: pure, used by the configuration tests and by `inspectPackage`. */
export function pathViolations(paths: readonly string[], where: 'asar' | 'resources'): Violation[] {
  const out: Violation[] = [];
  for (const p of paths) {
    for (const r of FORBIDDEN)
      if (r.test(p)) out.push({ path: `${where === 'asar' ? 'app.asar/' : ''}${p}`, why: r.why });
  }
  return out;
}

/** JSON key files that must never ship (the demo bootstrap key in the catalog is the documented exception). */
const SECRET_TYPES = ['facevault/vendor-secret-key', 'facevault/model-key', 'facevault/device-secret-key'];

/** A small file's content tells whether it is a FaceVault secret key file, or holds one of the given secret bytes. */
export function contentViolation(path: string, bytes: Buffer, secrets: readonly Uint8Array[]): string | null {
  for (const s of secrets) {
    if (s.length < 16) continue;
    if (
      bytes.includes(Buffer.from(s)) ||
      bytes.includes(Buffer.from(Buffer.from(s).toString('base64'))) ||
      bytes.includes(Buffer.from(Buffer.from(s).toString('hex')))
    )
      return 'contains vendor secret key material';
  }
  if (path.endsWith('.json') && bytes.length < 64 * 1024) {
    try {
      const doc = JSON.parse(bytes.toString('utf8')) as { type?: unknown }; // any JSON value; only .type is read
      if (
        doc !== null &&
        typeof doc === 'object' &&
        typeof doc.type === 'string' &&
        SECRET_TYPES.includes(doc.type) &&
        path !== 'models/bootstrap.key.json'
      )
        return `secret key file (${doc.type})`;
    } catch {
      // not JSON: nothing to parse (node_modules ships JSON-like fixtures)
    }
  }
  return null;
}

export interface PackageLayout {
  /** The folder holding app.asar (Linux/Windows: <appOutDir>/resources; macOS: <App>.app/Contents/Resources). */
  readonly resourcesDir: string;
}

/** Finds the resources folder of an unpacked build (electron-builder's `--dir` output folder). */
export function findResourcesDir(appOutDir: string): string {
  const direct = join(appOutDir, 'resources');
  if (existsSync(join(direct, 'app.asar'))) return direct;
  for (const e of readdirSync(appOutDir)) {
    if (e.endsWith('.app')) {
      const mac = join(appOutDir, e, 'Contents', 'Resources');
      if (existsSync(join(mac, 'app.asar'))) return mac;
    }
  }
  throw new Error(
    `no app.asar under ${appOutDir} (expected resources/app.asar or <App>.app/Contents/Resources/app.asar)`,
  );
}

const walkFiles = (root: string, dir = root): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? walkFiles(root, p) : [relative(root, p).split(sep).join('/')];
  });

export interface InspectionReport {
  readonly violations: Violation[];
  readonly asarFiles: string[];
  readonly unpackedFiles: string[];
  readonly resourceFiles: string[];
  /** True when the archive's header carries per-file integrity hashes (what ASAR integrity validates). */
  readonly asarHasIntegrity: boolean;
}

/**
 * Inspects a built package's resources folder: every path against FORBIDDEN, the catalog folder against
 * its allow-list, REQUIRED_IN_ASAR present, and every JSON file and small file's content for secret key
 * material (`secrets`: the vendor secret keys that must not be inside, e.g. the release and development keys).
 */
export function inspectPackage(resourcesDir: string, secrets: readonly Uint8Array[] = []): InspectionReport {
  const asar = join(resourcesDir, 'app.asar');
  const entries = listPackage(asar, { isPack: false }).map((p) => p.replace(/\\/g, '/').replace(/^\//, ''));
  const violations: Violation[] = [];
  const asarFiles: string[] = [];
  const header = getRawHeader(asar).header;
  type Node = {
    files?: Record<string, Node>;
    size?: number;
    unpacked?: boolean;
    link?: string;
    integrity?: unknown;
  };
  let integrityOk = true;
  const nodeAt = (p: string): Node | undefined =>
    p.split('/').reduce<Node | undefined>((n, seg) => n?.files?.[seg], header as Node);
  for (const p of entries) {
    const n = nodeAt(p);
    if (n === undefined || n.files !== undefined) continue;
    if (n.link !== undefined) {
      violations.push({ path: `app.asar/${p}`, why: 'symlink inside the archive' });
      continue;
    }
    asarFiles.push(p);
    if (!n.unpacked && n.integrity === undefined) integrityOk = false;
  }
  violations.push(...pathViolations(asarFiles, 'asar'));
  for (const req of REQUIRED_IN_ASAR)
    if (!asarFiles.includes(req)) violations.push({ path: `app.asar/${req}`, why: 'required file missing' });

  // Content scan of the archive's small files (not node_modules binaries).
  for (const p of asarFiles) {
    const n = nodeAt(p);
    if (n?.unpacked || (n?.size ?? 0) > 4 * 1024 * 1024) continue;
    if (inNodeModules(p) && !p.endsWith('.json')) continue;
    const why = contentViolation(p, extractFile(asar, p), secrets);
    if (why) violations.push({ path: `app.asar/${p}`, why });
  }

  const unpackedDir = join(resourcesDir, 'app.asar.unpacked');
  const unpackedFiles = existsSync(unpackedDir) ? walkFiles(unpackedDir) : [];
  violations.push(
    ...pathViolations(unpackedFiles, 'asar').map((v) => ({
      ...v,
      path: v.path.replace('app.asar/', 'app.asar.unpacked/'),
    })),
  );

  const resourceFiles = walkFiles(resourcesDir).filter(
    (p) => p !== 'app.asar' && !p.startsWith('app.asar.unpacked/'),
  );
  for (const p of resourceFiles) {
    if (p.startsWith('models/')) {
      const name = p.slice('models/'.length);
      if (!CATALOG_ALLOWED.some((re) => re.test(name)))
        violations.push({ path: p, why: 'not part of the signed catalog' });
    } else if (!ELECTRON_RESOURCE_FILES.some((re) => re.test(p))) {
      violations.push({ path: p, why: 'unexpected file next to app.asar' });
    }
    if (statSync(join(resourcesDir, p)).size <= 4 * 1024 * 1024) {
      const why = contentViolation(p, readFileSync(join(resourcesDir, p)), secrets);
      if (why) violations.push({ path: p, why });
    }
  }
  for (const f of ['catalog.json', 'catalog.json.sig'])
    if (!resourceFiles.includes(`models/${f}`))
      violations.push({ path: `models/${f}`, why: 'required file missing' });
  if (!resourceFiles.some((p) => p.startsWith('models/') && p.endsWith('.fvb')))
    violations.push({ path: 'models/*.fvb', why: 'no encrypted model bundle' });
  violations.push(...pathViolations(resourceFiles, 'resources'));
  return { violations, asarFiles, unpackedFiles, resourceFiles, asarHasIntegrity: integrityOk };
}
