/**
 * Electron entry point: wiring only. Builds the main services, registers IPC through the one router,
 * serves the renderer from app://facevault and opens the hardened window.
 */
import { app, ipcMain, powerMonitor } from 'electron';
import { join } from 'node:path';
import { appPaths } from './app/app-paths.ts';
import { registerAppScheme, serveRenderer } from './app/electron-protocol.ts';
import { createMainWindow, denyNavigationEverywhere, hardenSessions } from './app/electron-window.ts';
import { RESOURCE_MANIFEST_SHA256 } from './app/resource-anchor.ts';
import { createIntegrityMonitor, preloadTrusted } from './app/resource-guard.ts';
import { APP_ORIGIN } from './app/security-policy.ts';
import { createMainServices } from './create-main-services.ts';
import { electronFilePicker } from './filelock/electron-file-picker.ts';
import { startLocalChannel, type LocalChannel } from './filelock/local-channel/local-channel-server.ts';
import { channelTokenPath, defaultSocketPath, isNamedPipe } from './filelock/local-channel/socket-path.ts';
import { createChannelToken } from './storage/filelock/channel-token-file.ts';
import type { BrowserWindow } from 'electron';
import { platformUnavailableReason, unavailableSession } from './desktop/desktop-session.ts';
import { logindSession } from './desktop/logind-dbus.ts';
import { freedesktopNotifier } from './desktop/notifications-dbus.ts';
import { registerIpc } from './ipc/electron-ipc-adapter.ts';
import { createKeyService } from './keys/key-service.ts';
import { openDeviceKeys } from './keys/open-device-keys.ts';
import { readCatalog, readPinnedKeys, readPinnedSigning } from './model/model-catalog.ts';
import { createModelService } from './model/model-service.ts';
import { openModelSet } from './model/model-set.ts';
import { startIdleLock } from './vault/idle-lock.ts';

/** Bundles and the app's own sealed files on disk are re-verified this often while the app runs. */
const VERIFY_EVERY_MS = 5 * 60 * 1000;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  registerAppScheme();
  denyNavigationEverywhere();

  const log = (line: string) => console.log(line);
  const paths = appPaths({
    appPath: app.getAppPath(),
    resourcesPath: process.resourcesPath,
    userData: app.getPath('userData'),
    packaged: app.isPackaged,
  });
  // One owner of the device keys; the model service and auth both receive it.
  const keys = createKeyService({ open: () => openDeviceKeys({ dataDir: paths.keysDir }) });
  const models = createModelService({
    verifyEveryMs: VERIFY_EVERY_MS,
    log,
    keys,
    // Each model goes to the inference worker as soon as it is decrypted (model-service.ts unlockIntoWorker).
    openModels: async (keys, onModel) => {
      const pinnedVendorKeys = await readPinnedKeys(paths.pinnedKeysFile);
      return openModelSet({
        onModel,
        catalog: await readCatalog(paths.catalogDir, pinnedVendorKeys), // authenticated first
        pinnedVendorKeys,
        deviceKeys: keys,
        licenceDir: paths.licenceDir,
      });
    },
  });
  // The built app: out/main/index.js (this file), out/preload, out/renderer, out/resource-manifest.json.
  const outRoot = join(import.meta.dirname, '..');
  const integrity = createIntegrityMonitor({
    outRoot,
    anchor: RESOURCE_MANIFEST_SHA256,
    packaged: app.isPackaged,
    everyMs: VERIFY_EVERY_MS,
    log,
    // A later failure unloads the models (the worker files are among the sealed ones); the status says why.
    onTampered: (r) =>
      void models.refuse(
        `APP_INTEGRITY: ${r.failures.length} app file(s) failed their integrity check; face unlock is off until the app is reinstalled`,
      ),
  });
  let mainWindow: BrowserWindow | null = null;
  // Read once at start: the list is part of the app (ASAR when packaged, build/pinned in development).
  const signing = readPinnedSigning(paths.pinnedKeysFile);
  const services = createMainServices({
    // File locking: the vault key is lent by services.vault (createMainServices' default), only while the
    // vault is unlocked by a face match or the recovery passphrase.
    files: {
      dataDir: paths.filelockDir,
      picker: electronFilePicker(() => mainWindow),
      // `facevault unlock` while locked: the lock screen shows the request; bring the window forward.
      onCliRequest: () => {
        const w = mainWindow;
        if (!w) return;
        if (w.isMinimized()) w.restore();
        w.show();
        w.focus();
      },
    },
    appVersion: app.getVersion(),
    trustedOrigins: [APP_ORIGIN],
    models,
    keys,
    templatesDir: paths.templatesDir,
    appIntegrity: () => integrity.status(),
    signing: () => signing,
    log,
    // The OS session for desktop unlock: logind on Linux; elsewhere unavailable, with the reason.
    desktopSession: ((reason) => (reason === null ? logindSession() : unavailableSession(reason)))(
      platformUnavailableReason(process.platform),
    ),
    // Its prompts on the OS lock screen: Desktop Notifications on the session bus (Linux only; see
    // docs/desktop-unlock.md for what GNOME and KDE show, and why Windows and macOS have no equivalent).
    ...(process.platform === 'linux' ? { desktopNotifier: freedesktopNotifier() } : {}),
  });

  void app.whenReady().then(async () => {
    hardenSessions();
    // Renderer, preload and worker files are checked against the sealed manifest before anything loads.
    const report = await integrity.checkNow();
    serveRenderer({ rendererRoot: join(outRoot, 'renderer'), outRoot, integrity: () => integrity.latest() });
    registerIpc(ipcMain, services.router);
    // Models load in the background; the window shows 'loading' and then the outcome via app:get-status.
    // With any resource failing (the worker among them), they are not started; the status says why.
    if (report.state !== 'tampered') void models.start();
    integrity.start();
    void services.desktop.start();
    // Suspend and the OS screen lock end any running attempt.
    powerMonitor.on('suspend', () => void services.flow.cancel());
    powerMonitor.on('lock-screen', () => void services.flow.cancel());
    // The vault key is wiped on suspend and OS screen lock (and before quit, below), and after the idle time.
    powerMonitor.on('suspend', () => services.vault.lock('suspend'));
    powerMonitor.on('lock-screen', () => services.vault.lock('lock-screen'));
    const idle = startIdleLock({
      idleSeconds: () => powerMonitor.getSystemIdleTime(),
      vault: () => services.vaults?.current() ?? null,
    });
    app.on('will-quit', () => idle.stop());
    const win = createMainWindow(preloadTrusted(report) ? join(outRoot, 'preload', 'index.cjs') : null);
    mainWindow = win;
    // The CLI's `facevault lock|unlock` talks to this instance over a same-user socket (docs/filelock-format.md §CLI).
    void services
      .files()
      .then(async (files) => {
        const socketPath = defaultSocketPath(paths.userData);
        localChannel = await startLocalChannel({
          socketPath,
          files,
          log,
          // Windows named pipe: no peer credentials in Node, so a fresh per-user token is proved both ways.
          ...(isNamedPipe(socketPath)
            ? { token: await createChannelToken(channelTokenPath(paths.userData)) }
            : {}),
        });
      })
      .catch((e: unknown) =>
        log(`filelock: local channel not started: ${e instanceof Error ? e.message : 'unknown'}`),
      );
    app.on('second-instance', () => {
      if (win.isMinimized()) win.restore();
      win.focus();
    });
  });

  let localChannel: LocalChannel | null = null;
  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', () => services.vault.lock('quit'));
  app.on('will-quit', () => {
    void localChannel?.close();
    services.faceAuth?.close();
    services.vaults?.close();
    services.desktop.close();
    integrity.stop();
    void models.stop().then(() => keys.close());
  });
}
