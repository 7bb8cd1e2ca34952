/**
 * Builds the `window.faceVault` API from an invoke function. A few named functions over the typed contract;
 * nothing generic, no access to ipcRenderer, no way to name a channel from the page. What the page passes is
 * validated and copied (validate-frame.ts): only the contract's fields and an exact-size pixel buffer are
 * forwarded; functions without parameters ignore whatever the page passes. Main re-validates everything.
 */
import type { FaceVaultBridge, IpcChannel, IpcRequest, IpcResponse } from '../shared/ipc-contract.ts';
import type { Result } from '../shared/result.ts';
import { checkFramePixels, copyFrameMeta } from './validate-frame.ts';

export type Invoke = <C extends IpcChannel>(
  channel: C,
  ...args: IpcRequest<C>
) => Promise<Result<IpcResponse<C>>>;

const fail = <T>(message: string): Promise<Result<T>> =>
  Promise.resolve({ ok: false, error: { code: 'FRAME_INVALID', message } });
const invalid = <T>(message: string): Promise<Result<T>> =>
  Promise.resolve({ ok: false, error: { code: 'IPC_INVALID_PAYLOAD', message } });

/** Electron's webUtils.getPathForFile in the real preload: '' for a File that is not on disk. */
export type PathForFile = (file: File) => string;

export const MAX_DROPPED_FILES = 64;

/**
 * Turns dropped File objects into absolute paths, in the preload (the page never sees or sends a path it
 * typed itself: only what the user dropped). Refuses non-File values, files without a path on disk
 * (dragged from a browser or made in the page) and more than MAX_DROPPED_FILES at once.
 */
export function droppedPaths(
  files: unknown,
  pathForFile: PathForFile,
): { ok: true; paths: string[] } | { ok: false; message: string } {
  if (!Array.isArray(files) || files.length === 0) return { ok: false, message: 'nothing was dropped' };
  if (files.length > MAX_DROPPED_FILES)
    return { ok: false, message: `drop at most ${MAX_DROPPED_FILES} items at a time` };
  const paths: string[] = [];
  for (const f of files as unknown[]) {
    if (typeof File === 'undefined' || !(f instanceof File))
      return { ok: false, message: 'only files and folders from your disk can be locked' };
    let p = '';
    try {
      p = pathForFile(f);
    } catch {
      p = '';
    }
    if (typeof p !== 'string' || p.length === 0 || p.includes('\0') || p.length > 4096) {
      return { ok: false, message: `${f.name || 'this item'} is not a file on your disk` };
    }
    paths.push(p);
  }
  return { ok: true, paths };
}

const ITEM_ID = /^[a-z2-7]{26}$/;

export function createBridge(invoke: Invoke, pathForFile: PathForFile = () => ''): FaceVaultBridge {
  const bridge: FaceVaultBridge = {
    getStatus: () => invoke('app:get-status'),
    submitFrame: (meta: unknown, pixels: unknown) => {
      const copy = copyFrameMeta(meta);
      if (typeof copy === 'string') return fail(copy);
      const bad = checkFramePixels(copy, pixels);
      if (bad !== null) return fail(bad);
      return invoke('camera:submit-frame', copy, pixels as ArrayBuffer);
    },
    getEnrolment: () => invoke('face:get-enrolment'),
    startEnrolment: () => invoke('face:start-enrolment'),
    startUnlock: () => invoke('face:start-unlock'),
    cancel: () => invoke('face:cancel'),
    deleteEnrolment: () => invoke('face:delete-enrolment'),
    getVaultStatus: () => invoke('vault:get-status'),
    setupVault: (passphrase) => invoke('vault:setup', passphrase),
    unlockWithPassphrase: (passphrase) => invoke('vault:unlock-passphrase', passphrase),
    proveOwner: (passphrase) => invoke('vault:prove-owner', passphrase),
    lockVault: () => invoke('vault:lock'),
    changePassphrase: (current, next) => invoke('vault:change-passphrase', current, next),
    getSettings: () => invoke('settings:get'),
    setSettings: (patch) => invoke('settings:set', patch),
    awaitDecision: () => invoke('face:await-decision'),
    listLockedItems: () => invoke('files:list'),
    lockDroppedFiles: (files) => {
      const r = droppedPaths(files, pathForFile);
      return r.ok ? invoke('files:lock', r.paths) : invalid(r.message);
    },
    pickAndLock: (kind) =>
      kind === 'files' || kind === 'folder'
        ? invoke('files:pick-and-lock', kind)
        : invalid('kind must be files or folder'),
    unlockItem: (id) =>
      typeof id === 'string' && ITEM_ID.test(id) ? invoke('files:unlock', id) : invalid('unknown item'),
    relockItem: (id) =>
      typeof id === 'string' && ITEM_ID.test(id) ? invoke('files:relock', id) : invalid('unknown item'),
    getCliRequests: () => invoke('files:cli-requests'),
    denyCliRequest: (id) =>
      typeof id === 'string' && /^[0-9a-f]{24}$/.test(id)
        ? invoke('files:deny-cli-request', id)
        : invalid('unknown request'),
    getDesktopStatus: () => invoke('desktop:get-status'),
    lockDesktopNow: () => invoke('desktop:lock-now'),
  };
  return Object.freeze(bridge);
}
