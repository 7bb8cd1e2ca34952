/**
 * The harness's main side: serves the built renderer over loopback HTTP with the app's CSP (plus the
 * loopback WebSocket in connect-src, the one stand-in), and runs the REAL main-process services
 * (createMainServices → router → channel handlers → frame sink) behind a WebSocket that plays the part of
 * Electron's IPC transport. The sender is described from the browser-supplied Origin header, as Electron
 * describes it from the browser process's senderFrame. Renderer files go through the app's own integrity
 * answer (resource-guard.ts rendererResponse) against the sealed build, as app:// serves them, and the
 * status carries the real integrity monitor's state.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { WebSocketServer } from 'ws';
import {
  createIntegrityMonitor,
  rendererResponse,
  type IntegrityMonitor,
} from '../../../src/main/app/resource-guard.ts';
import { buildCsp } from '../../../src/main/app/security-policy.ts';
import type { FrameConsumer } from '../../../src/main/camera/frame-sink.ts';
import type { KeyService } from '../../../src/main/keys/key-service.ts';
import {
  createMainServices,
  type MainServices,
  type MainServicesOptions,
} from '../../../src/main/create-main-services.ts';
import type { DesktopSession } from '../../../src/main/desktop/desktop-session.ts';
import type { ModelService } from '../../../src/main/model/model-service.ts';
import { projectRoot } from '../../support/shared-data.ts';
import { decodeRequest } from './wire.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
};

export interface Harness {
  readonly origin: string;
  readonly ipcUrl: string;
  readonly services: MainServices;
  readonly rejections: string[];
  /** The real app-resource monitor over the served build (tests call checkNow after tampering). */
  readonly integrity: IntegrityMonitor;
  /**
   * Holds every call whose channel `pick` chooses, when it arrives and when its answer is ready, until the
   * returned release is called: a main that is slow to answer, as the page sees it, so a screen that is
   * normally passed through in a moment (the splash, "Welcome back", an attempt still looking) holds still
   * for a check. Then each held call runs and every held answer is sent.
   */
  holdCalls(pick: (channel: string) => boolean): () => void;
  /** Serve the same renderer from another origin (a foreign page) that talks to this harness's IPC. */
  serveForeign(): Promise<{ origin: string; close(): Promise<void> }>;
  close(): Promise<void>;
}

function staticServer(
  rendererDir: string,
  csp: () => string,
  outRoot: string,
  integrity: IntegrityMonitor,
): Server {
  return createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const rel = path === '/' ? '/index.html' : path;
    if (rel.includes('..')) {
      res.writeHead(400).end();
      return;
    }
    rendererResponse({ outRoot, file: join(rendererDir, rel), report: integrity.latest() }).then(
      (r) => {
        if (r.status === 404) {
          res.writeHead(404).end();
          return;
        }
        const file = r.body;
        // The one stand-in: the page may also reach the loopback IPC socket, in the meta tag as in the header.
        const body =
          r.status === 200 && rel.endsWith('.html')
            ? r.body.toString('utf8').replace(buildCsp(), csp())
            : file;
        res.writeHead(r.status, {
          'Content-Type':
            r.status === 200 ? (TYPES[extname(rel)] ?? 'application/octet-stream') : r.contentType,
          'Content-Security-Policy': csp(),
          'X-Content-Type-Options': 'nosniff',
        });
        res.end(body);
      },
      () => res.writeHead(500).end(),
    );
  });
}

const listen = (s: Server): Promise<number> =>
  new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port))); // TCP server: address() is AddressInfo

const closeServer = (s: Server): Promise<void> => new Promise((r) => s.close(() => r()));

export interface HarnessOptions {
  readonly frameConsumer?: FrameConsumer;
  readonly models?: ModelService;
  /** The key service `models` was built with (auth derives its template and counter keys from it). */
  readonly keys?: KeyService;
  readonly templatesDir?: string;
  /** The sealed build whose renderer is served (default: the project's out/). */
  readonly outRoot?: string;
  /** File locking (files:* channels) as createMainServices takes it. */
  readonly files?: MainServicesOptions['files'];
  /** The OS session for desktop unlock (the tests pass logind on a private dbusmock bus). */
  readonly desktopSession?: DesktopSession;
  /** Where a background desktop unlock's lock-screen prompts go (the tests pass dbusmock's notification daemon). */
  readonly desktopNotifier?: MainServicesOptions['desktopNotifier'];
  /** The challenges every unlock asks for (createMainServices' test-only challengeSource). */
  readonly challengeSource?: MainServicesOptions['challengeSource'];
}

/** The manifest hash sealed into the built main entry (as the app reads its own constant). */
async function sealedAnchor(outRoot: string): Promise<string> {
  const main = await readFile(join(outRoot, 'main', 'index.js'), 'utf8');
  return /RESOURCE_MANIFEST_SHA256 = "([^"]{64})"/.exec(main)?.[1] ?? '';
}

export async function startHarness(rendererDir: string, opts: HarnessOptions = {}): Promise<Harness> {
  let ipcUrl = '';
  const outRoot = opts.outRoot ?? join(projectRoot, 'out');
  const integrity = createIntegrityMonitor({
    outRoot,
    anchor: await sealedAnchor(outRoot),
    packaged: true,
    everyMs: 0,
  });
  await integrity.checkNow();
  const server = staticServer(rendererDir, () => buildCsp([ipcUrl]), outRoot, integrity);
  const port = await listen(server);
  const origin = `http://127.0.0.1:${port}`;
  ipcUrl = `ws://127.0.0.1:${port}/ipc`;
  const rejections: string[] = [];
  const services = createMainServices({
    appVersion: '0.0.0-e2e',
    trustedOrigins: [origin],
    ...(opts.frameConsumer ? { frameConsumer: opts.frameConsumer } : {}),
    ...(opts.models ? { models: opts.models } : {}),
    ...(opts.keys ? { keys: opts.keys } : {}),
    ...(opts.templatesDir ? { templatesDir: opts.templatesDir } : {}),
    ...(opts.files ? { files: opts.files } : {}),
    ...(opts.desktopSession ? { desktopSession: opts.desktopSession } : {}),
    ...(opts.desktopNotifier ? { desktopNotifier: opts.desktopNotifier } : {}),
    ...(opts.challengeSource ? { challengeSource: opts.challengeSource } : {}),
    appIntegrity: () => integrity.status(),
    log: (line) => {
      rejections.push(line);
      // FACEVAULT_E2E_LOG=1 prints main's log lines (codes only: attempt ends, refused enrolments) while debugging.
      if (process.env.FACEVAULT_E2E_LOG) console.log(`[main] ${line}`);
    },
  });

  let hold: { pick: (channel: string) => boolean; released: Promise<void> } | null = null;
  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });
  let nextSender = 1;
  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/ipc') {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const sender = {
        url: req.headers.origin ? `${req.headers.origin}/` : null,
        isMainFrame: true,
        id: nextSender++,
      };
      ws.on('message', (data, isBinary) => {
        if (!isBinary || !(data instanceof Buffer)) {
          ws.close(1003);
          return;
        }
        let request;
        try {
          request = decodeRequest(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
        } catch {
          ws.close(1007);
          return;
        }
        const call = request;
        void (async () => {
          // Held when it arrives (main answers later, from its state then) and when its answer is ready
          // (a call already running when the hold began: its answer waits too).
          const before = hold;
          if (before?.pick(call.channel)) await before.released;
          const result = await services.router.dispatch(call.channel, sender, call.args);
          const after = hold;
          if (after?.pick(call.channel)) await after.released;
          if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: call.id, result }));
        })();
      });
    });
  });

  return {
    origin,
    ipcUrl,
    services,
    rejections,
    integrity,
    holdCalls(pick) {
      let release = () => {};
      const released = new Promise<void>((r) => (release = r));
      const mine = { pick, released };
      hold = mine;
      return () => {
        if (hold === mine) hold = null;
        release();
      };
    },
    async serveForeign() {
      const foreign = staticServer(rendererDir, () => buildCsp([ipcUrl]), outRoot, integrity);
      const fport = await listen(foreign);
      return { origin: `http://127.0.0.1:${fport}`, close: () => closeServer(foreign) };
    },
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      await closeServer(server);
    },
  };
}
