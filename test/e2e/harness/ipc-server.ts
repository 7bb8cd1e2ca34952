/**
 * The harness's main side: serves the built renderer over loopback HTTP with the app's CSP (plus the
 * loopback WebSocket in connect-src, the one stand-in), and runs the REAL main-process services
 * (createMainServices → router → channel handlers → frame sink) behind a WebSocket that plays the part of
 * Electron's IPC transport. The sender is described from the browser-supplied Origin header, as Electron
 * describes it from the browser process's senderFrame.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { WebSocketServer } from 'ws';
import { buildCsp } from '../../../src/main/app/security-policy.ts';
import type { FrameConsumer } from '../../../src/main/camera/frame-sink.ts';
import { createMainServices, type MainServices } from '../../../src/main/create-main-services.ts';
import type { ModelService } from '../../../src/main/model/model-service.ts';
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
  /** Serve the same renderer from another origin (a foreign page) that talks to this harness's IPC. */
  serveForeign(): Promise<{ origin: string; close(): Promise<void> }>;
  close(): Promise<void>;
}

function staticServer(rendererDir: string, csp: () => string): Server {
  return createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const rel = path === '/' ? '/index.html' : path;
    if (rel.includes('..')) {
      res.writeHead(400).end();
      return;
    }
    readFile(join(rendererDir, rel)).then(
      (file) => {
        // The one stand-in: the page may also reach the loopback IPC socket, in the meta tag as in the header.
        const body = rel.endsWith('.html') ? file.toString('utf8').replace(buildCsp(), csp()) : file;
        res.writeHead(200, {
          'Content-Type': TYPES[extname(rel)] ?? 'application/octet-stream',
          'Content-Security-Policy': csp(),
          'X-Content-Type-Options': 'nosniff',
        });
        res.end(body);
      },
      () => res.writeHead(404).end(),
    );
  });
}

const listen = (s: Server): Promise<number> =>
  new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port))); // TCP server: address() is AddressInfo

const closeServer = (s: Server): Promise<void> => new Promise((r) => s.close(() => r()));

export interface HarnessOptions {
  readonly frameConsumer?: FrameConsumer;
  readonly models?: ModelService;
  readonly templatesDir?: string;
}

export async function startHarness(rendererDir: string, opts: HarnessOptions = {}): Promise<Harness> {
  let ipcUrl = '';
  const server = staticServer(rendererDir, () => buildCsp([ipcUrl]));
  const port = await listen(server);
  const origin = `http://127.0.0.1:${port}`;
  ipcUrl = `ws://127.0.0.1:${port}/ipc`;
  const rejections: string[] = [];
  const services = createMainServices({
    appVersion: '0.0.0-e2e',
    trustedOrigins: [origin],
    ...(opts.frameConsumer ? { frameConsumer: opts.frameConsumer } : {}),
    ...(opts.models ? { models: opts.models } : {}),
    ...(opts.templatesDir ? { templatesDir: opts.templatesDir } : {}),
    log: (line) => rejections.push(line),
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });
  let nextSender = 1;
  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/ipc') {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const sender = { url: req.headers.origin ? `${req.headers.origin}/` : null, isMainFrame: true, id: nextSender++ };
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
        void services.router.dispatch(request.channel, sender, request.args).then((result) => {
          if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: request.id, result }));
        });
      });
    });
  });

  return {
    origin,
    ipcUrl,
    services,
    rejections,
    async serveForeign() {
      const foreign = staticServer(rendererDir, () => buildCsp([ipcUrl]));
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
