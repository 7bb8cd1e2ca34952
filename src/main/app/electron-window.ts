/**
 * Electron glue for the one FaceVault window: secure webPreferences, session permission handlers,
 * navigation / new-window / webview denial. All decisions come from security-policy.ts (unit-tested);
 * this file only wires them. Electron security checklist items 2–6, 11–15.
 */
import { app, BrowserWindow, session, type WebContents } from 'electron';
import { APP_ENTRY_URL, isNavigationAllowed, isPermissionAllowed } from './security-policy.ts';

export function hardenSessions(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, permission, callback, details) => {
    const mediaTypes = 'mediaTypes' in details ? details.mediaTypes : undefined;
    callback(
      isPermissionAllowed({
        permission,
        requestingOrigin: details.requestingUrl,
        isMainFrame: details.isMainFrame,
        ...(mediaTypes ? { mediaTypes } : {}),
      }),
    );
  });
  ses.setPermissionCheckHandler((_wc, permission, requestingOrigin, details) =>
    isPermissionAllowed({
      permission,
      requestingOrigin,
      isMainFrame: details.isMainFrame,
      ...(details.mediaType ? { mediaTypes: [details.mediaType] } : {}),
    }),
  );
  ses.setDevicePermissionHandler(() => false);
  // No extension, no spellchecker downloads, no remote fetches from the window's session.
  ses.setSpellCheckerEnabled(false);
}

/** Applies to every web contents ever created (including any a bug might open). */
export function denyNavigationEverywhere(): void {
  app.on('web-contents-created', (_e, contents: WebContents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isNavigationAllowed(url)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!isNavigationAllowed(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
}

/** `preloadPath` null: the preload failed its integrity check and is not loaded (the renderer then has no bridge). */
export function createMainWindow(preloadPath: string | null): BrowserWindow {
  const win = new BrowserWindow({
    width: 960,
    height: 720,
    show: false,
    title: 'FaceVault',
    webPreferences: {
      preload: preloadPath ?? undefined,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      // A background desktop unlock needs camera frames while the window is hidden or minimised.
      backgroundThrottling: false,
      // Middle-click must not open windows (Electronegativity AUXCLICK_JS_CHECK); window.open is denied too.
      disableBlinkFeatures: 'Auxclick',
      // Developer tools only in unpackaged (development) runs.
      devTools: !app.isPackaged,
    },
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(APP_ENTRY_URL);
  return win;
}
