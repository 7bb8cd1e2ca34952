/**
 * Serves the renderer from the privileged custom scheme `app://facevault/` instead of file:// or a dev
 * URL (Electron security checklist item 18), with the strict CSP as a response header on every document.
 * Path resolution and traversal checks live in security-policy.ts, the integrity decision (read once,
 * check those bytes against the sealed manifest, serve the same buffer; else the built-in damaged page) in
 * resource-guard.ts; both are unit-tested. This file only wires them.
 */
import { protocol } from 'electron';
import type { AppIntegrityReport } from './resource-integrity.ts';
import { rendererResponse } from './resource-guard.ts';
import { APP_SCHEME, buildCsp, resolveAppAsset } from './security-policy.ts';

/** Must run before `app.whenReady()`. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      privileges: { standard: true, secure: true, supportFetchAPI: false, corsEnabled: false },
    },
  ]);
}

export function serveRenderer(o: {
  rendererRoot: string;
  outRoot: string;
  integrity: () => AppIntegrityReport | null;
}): void {
  const csp = buildCsp();
  protocol.handle(APP_SCHEME, async (request) => {
    const r = await rendererResponse({
      outRoot: o.outRoot,
      file: resolveAppAsset(o.rendererRoot, request.url),
      report: o.integrity(),
    });
    if (r.status === 404) return new Response('not found', { status: 404 });
    const headers = new Headers({
      'Content-Type': r.contentType,
      'Content-Security-Policy': csp,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
    });
    return new Response(r.body, { status: r.status, headers });
  });
}
