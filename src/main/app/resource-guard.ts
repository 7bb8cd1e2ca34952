/**
 * The app-resource integrity policy the Electron glue applies, as plain Node (unit-tested):
 *   - `createIntegrityMonitor`: runs the full check (resource-integrity.ts) at start-up and on the same
 *     timer as the bundle re-verification, keeps the latest outcome for app:get-status, and reports a new
 *     failure once through `onTampered`;
 *   - `rendererResponse`: what the app:// handler answers for one renderer file. It reads the file once,
 *     checks exactly those bytes against the manifest and serves that same buffer (no time-of-check /
 *     time-of-use gap). A damaged file, or (for the document) a failed renderer or preload file in the
 *     last full check, gets DAMAGED_PAGE: a constant, script-free page that passes the app's CSP.
 * Unsealed builds are only possible unpackaged (loadManifest refuses them packaged); their files are
 * served unchecked and the state is reported as 'unsealed', never silently.
 */
import { extname } from 'node:path';
import type { AppIntegrity } from '../../shared/ipc-contract.ts';
import {
  AppIntegrityError,
  checkAppIntegrity,
  describeIntegrity,
  MAX_RESOURCE_BYTES,
  readBounded,
  readVerifiedResource,
  relativeResourcePath,
  type AppIntegrityReport,
} from './resource-integrity.ts';

/** Shown instead of the renderer when its files fail their check. No script, no style, no remote reference. */
export const DAMAGED_PAGE =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>FaceVault cannot start</title></head>' +
  '<body><h1>FaceVault cannot start</h1><p>The app’s files are damaged or were modified after installation, ' +
  'so FaceVault refused to load them.</p><p>Please reinstall FaceVault.</p></body></html>';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

export const contentTypeOf = (path: string): string =>
  CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';

export interface IntegrityMonitorOptions {
  /** The built app's out/ folder (the parent of out/main, out/preload, out/renderer). */
  readonly outRoot: string;
  /** RESOURCE_MANIFEST_SHA256 as built into main (resource-anchor.ts). */
  readonly anchor: string;
  readonly packaged: boolean;
  /** Periodic full re-check; 0 disables the timer (tests call `checkNow`). */
  readonly everyMs: number;
  readonly log?: (line: string) => void;
  /** Called once per transition into 'tampered' (start-up or a later re-check). */
  readonly onTampered?: (report: AppIntegrityReport) => void;
}

export interface IntegrityMonitor {
  checkNow(): Promise<AppIntegrityReport>;
  /** The latest full report, or null before the first check finished. */
  latest(): AppIntegrityReport | null;
  /** For app:get-status. */
  status(): AppIntegrity;
  start(): void;
  stop(): void;
}

export function createIntegrityMonitor(o: IntegrityMonitorOptions): IntegrityMonitor {
  const log = o.log ?? (() => {});
  let report: AppIntegrityReport | null = null;
  let timer: ReturnType<typeof setInterval> | undefined;
  let running: Promise<AppIntegrityReport> | null = null;

  const run = async (): Promise<AppIntegrityReport> => {
    const r = await checkAppIntegrity({ outRoot: o.outRoot, anchor: o.anchor, packaged: o.packaged });
    const wasTampered = report?.state === 'tampered';
    // Once tampered, stays tampered for this run of the app: restoring the files does not undo what loaded.
    report = wasTampered && r.state !== 'tampered' ? report : r;
    if (r.state === 'tampered') {
      // Paths and failure kinds only.
      log(`app integrity: ${r.failures.map((f) => `${f.path ?? 'app'} ${f.kind}`).join(', ')}`);
      if (!wasTampered) o.onTampered?.(r);
    } else if (r.state === 'unsealed' && !wasTampered)
      log('app integrity: unsealed development build (not checked)');
    return report!;
  };

  const checkNow = (): Promise<AppIntegrityReport> => {
    running ??= run().finally(() => {
      running = null;
    });
    return running;
  };

  return {
    checkNow,
    latest: () => report,
    status: () =>
      report === null
        ? { state: 'checking', problem: null }
        : { state: report.state, problem: describeIntegrity(report) },
    start() {
      if (o.everyMs > 0 && !timer) {
        timer = setInterval(() => void checkNow(), o.everyMs);
        timer.unref?.();
      }
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}

/**
 * Whether the window may load the preload: only from a verified manifest with no preload failure, or in an
 * unsealed (unpackaged development) build. Electron reads the file itself after this check, so a swap in
 * that instant is caught by the next periodic check, not prevented (see SECURITY.md).
 */
export function preloadTrusted(report: AppIntegrityReport): boolean {
  if (report.state === 'unsealed') return true;
  return (
    report.manifest !== null && !report.failures.some((f) => f.path === null || f.path.startsWith('preload/'))
  );
}

/**
 * Whether the last full check forbids loading the document at all: the renderer's own files or the preload
 * (without which the page cannot work) failed. A failure elsewhere (the worker, a main chunk) still lets
 * the verified page load, so it can show why face unlock is off.
 */
export function documentBlocked(report: AppIntegrityReport): boolean {
  if (report.state === 'unsealed') return false;
  return !preloadTrusted(report) || report.failures.some((f) => f.path?.startsWith('renderer/') === true);
}

export type RendererResponse =
  | { readonly status: 200; readonly contentType: string; readonly body: Buffer<ArrayBuffer> }
  | { readonly status: 404 }
  | { readonly status: 500; readonly contentType: string; readonly body: string };

const damaged: RendererResponse = {
  status: 500,
  contentType: 'text/html; charset=utf-8',
  body: DAMAGED_PAGE,
};

/**
 * The answer for one resolved renderer file (an absolute path from resolveAppAsset, or null).
 * `report` is the latest full check (null: none yet, which is treated as a failure).
 */
export async function rendererResponse(o: {
  outRoot: string;
  file: string | null;
  report: AppIntegrityReport | null;
}): Promise<RendererResponse> {
  if (o.file === null) return { status: 404 };
  const rel = relativeResourcePath(o.outRoot, o.file);
  if (rel === null || !rel.startsWith('renderer/')) return { status: 404 };
  const isDocument = rel.endsWith('.html');
  const r = o.report;
  if (r === null) return damaged;
  if (r.state !== 'unsealed' && (r.manifest === null || (isDocument && documentBlocked(r)))) return damaged;
  try {
    if (r.state === 'unsealed') {
      return {
        status: 200,
        contentType: contentTypeOf(rel),
        body: await readBounded(o.file, rel, MAX_RESOURCE_BYTES),
      };
    }
    if (!r.manifest) return damaged;
    return {
      status: 200,
      contentType: contentTypeOf(rel),
      body: await readVerifiedResource(o.outRoot, r.manifest, rel),
    };
  } catch (e) {
    // Not in the manifest: never served (an unknown URL, or a file planted in the renderer folder).
    if (e instanceof AppIntegrityError && e.kind === 'extra') return { status: 404 };
    if (r.state === 'unsealed' && e instanceof AppIntegrityError && e.kind === 'missing')
      return { status: 404 };
    return damaged;
  }
}
