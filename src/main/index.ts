/**
 * Electron entry point: wiring only. Builds the main services, registers IPC through the one router,
 * serves the renderer from app://facevault and opens the hardened window.
 */
import { app, ipcMain } from 'electron';
import { join } from 'node:path';
import { registerAppScheme, serveRenderer } from './app/electron-protocol.ts';
import { createMainWindow, denyNavigationEverywhere, hardenSessions } from './app/electron-window.ts';
import { APP_ORIGIN } from './app/security-policy.ts';
import { createMainServices } from './create-main-services.ts';
import { registerIpc } from './ipc/electron-ipc-adapter.ts';

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  registerAppScheme();
  denyNavigationEverywhere();

  const services = createMainServices({
    appVersion: app.getVersion(),
    trustedOrigins: [APP_ORIGIN],
    log: (line) => console.log(line),
  });

  void app.whenReady().then(() => {
    hardenSessions();
    serveRenderer(join(import.meta.dirname, '..', 'renderer'));
    registerIpc(ipcMain, services.router);
    const win = createMainWindow(join(import.meta.dirname, '..', 'preload', 'index.cjs'));
    app.on('second-instance', () => {
      if (win.isMinimized()) win.restore();
      win.focus();
    });
  });

  app.on('window-all-closed', () => app.quit());
}
