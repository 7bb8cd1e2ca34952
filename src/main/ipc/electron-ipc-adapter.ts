/**
 * Connects Electron's ipcMain to the transport-agnostic router: one `handle` per contract channel, the
 * sender described from what the browser process reports (senderFrame URL, whether it is the top frame).
 */
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import type { IpcRouter } from './router.ts';
import type { SenderInfo } from './sender-policy.ts';

export function senderOf(event: IpcMainInvokeEvent): SenderInfo {
  const frame = event.senderFrame;
  return {
    url: frame?.url ?? null,
    isMainFrame: frame !== null && frame.parent === null,
    id: event.sender.id,
  };
}

export function registerIpc(ipcMain: IpcMain, router: IpcRouter): void {
  for (const channel of router.channels) {
    ipcMain.handle(channel, (event, ...args: unknown[]) => router.dispatch(channel, senderOf(event), args));
  }
}
