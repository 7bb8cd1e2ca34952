/**
 * Stand-in for the `electron` module inside the preload bundle used by the browser e2e harness. Only the
 * transport is replaced: `ipcRenderer.invoke` goes over a loopback WebSocket to the harness server, which
 * calls the real main-process router. `contextBridge.exposeInMainWorld` defines a frozen, non-writable
 * global, like Electron does. As in Electron (nodeIntegrationInSubFrames: false), only the top frame gets
 * the bridge.
 */
import { encodeRequest } from './wire.ts';

declare global {
  interface Window {
    __FV_IPC_URL__?: string;
    /** Test stand-in for the browser process's knowledge of where a dropped File lives on disk. */
    __FV_FILE_PATHS__?: WeakMap<File, string>;
  }
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };
const pending = new Map<number, Pending>();
let nextId = 1;
let socket: Promise<WebSocket> | null = null;

function connect(): Promise<WebSocket> {
  if (socket) return socket;
  socket = new Promise((resolve, reject) => {
    const url = window.__FV_IPC_URL__;
    if (!url) {
      reject(new Error('no IPC url'));
      return;
    }
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => resolve(ws);
    ws.onerror = () => reject(new Error('IPC transport failed'));
    ws.onclose = () => {
      socket = null;
      for (const p of pending.values()) p.reject(new Error('IPC transport closed'));
      pending.clear();
    };
    ws.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return;
      const msg = JSON.parse(ev.data) as { id: number; result: unknown }; // the harness server's reply shape
      pending.get(msg.id)?.resolve(msg.result);
      pending.delete(msg.id);
    };
  });
  return socket;
}

export const ipcRenderer = {
  async invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    const ws = await connect();
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      ws.send(encodeRequest({ id, channel, args }));
    });
  },
};

export const contextBridge = {
  exposeInMainWorld(key: string, api: unknown): void {
    if (window.top !== window) return;
    Object.defineProperty(window, key, { value: Object.freeze(api), writable: false, configurable: false });
  },
};

/** Electron's webUtils.getPathForFile: '' for a File that is not on disk (as Electron answers). */
export const webUtils = {
  getPathForFile(file: File): string {
    return window.__FV_FILE_PATHS__?.get(file) ?? '';
  },
};
