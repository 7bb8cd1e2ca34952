/**
 * Builds the `window.faceVault` API from an invoke function. A few named functions over the typed contract;
 * nothing generic, no access to ipcRenderer, no way to name a channel from the page. Cheap local checks
 * fail early for honest bugs; main re-validates everything (the page is not trusted).
 */
import { FRAME_MAX_BYTES } from '../shared/frame-limits.ts';
import type { FaceVaultBridge, IpcChannel, IpcRequest, IpcResponse } from '../shared/ipc-contract.ts';
import type { Result } from '../shared/result.ts';

export type Invoke = <C extends IpcChannel>(
  channel: C,
  ...args: IpcRequest<C>
) => Promise<Result<IpcResponse<C>>>;

const fail = <T>(message: string): Promise<Result<T>> =>
  Promise.resolve({ ok: false, error: { code: 'FRAME_INVALID', message } });

export function createBridge(invoke: Invoke): FaceVaultBridge {
  const bridge: FaceVaultBridge = {
    getStatus: () => invoke('app:get-status'),
    submitFrame: (meta, pixels) => {
      if (!(pixels instanceof ArrayBuffer)) return fail('pixels must be an ArrayBuffer');
      if (pixels.byteLength > FRAME_MAX_BYTES) return fail(`frame larger than ${FRAME_MAX_BYTES} bytes`);
      return invoke('camera:submit-frame', meta, pixels);
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
  };
  return Object.freeze(bridge);
}
