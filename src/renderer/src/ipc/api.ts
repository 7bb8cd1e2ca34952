/**
 * The calls the screens make, over the preload bridge, through one CallQueue (ipc/client.ts). The vault /
 * settings calls belong to the vault work (issue 11); they are used when the preload offers them and the
 * screens say plainly when this build has none — nothing here pretends to unlock without main.
 */
import type {
  AppSettings,
  AppSettingsPatch,
  AppStatus,
  AuthFlowState,
  DesktopUnlockStatus,
  EnrolmentStatus,
  FaceVaultBridge,
  VaultStatus,
} from '../../../shared/ipc-contract.ts';
import type { Result } from '../../../shared/result.ts';
import { createCallQueue, type CallQueue } from './client.ts';

/** The vault / settings half of the planned contract (src/shared/ipc-contract.ts), as the preload names it. */
export interface VaultBridge {
  getVaultStatus(): Promise<Result<VaultStatus>>;
  setupVault(passphrase: string): Promise<Result<VaultStatus>>;
  unlockWithPassphrase(passphrase: string): Promise<Result<VaultStatus>>;
  proveOwner(passphrase: string): Promise<Result<VaultStatus>>;
  lockVault(): Promise<Result<VaultStatus>>;
  getSettings(): Promise<Result<AppSettings>>;
  setSettings(patch: AppSettingsPatch): Promise<Result<AppSettings>>;
}

const VAULT_METHODS = [
  'getVaultStatus',
  'setupVault',
  'unlockWithPassphrase',
  'proveOwner',
  'lockVault',
  'getSettings',
  'setSettings',
] as const;

/** The preload of a build with the vault offers these; an older or partial preload may not. */
function vaultOf(bridge: FaceVaultBridge): VaultBridge | null {
  const b: Partial<VaultBridge> = bridge;
  return VAULT_METHODS.every((m) => typeof b[m] === 'function') ? bridge : null;
}

export interface Api {
  readonly queue: CallQueue;
  readonly bridge: FaceVaultBridge;
  /** Null when this build's main has no vault (issue 11 not landed): passphrase and settings are unavailable. */
  readonly vault: VaultBridge | null;
  status(): Promise<Result<AppStatus>>;
  enrolment(): Promise<Result<EnrolmentStatus>>;
  startEnrolment(): Promise<Result<AuthFlowState>>;
  startUnlock(): Promise<Result<AuthFlowState>>;
  cancel(): Promise<Result<AuthFlowState>>;
  deleteEnrolment(): Promise<Result<EnrolmentStatus>>;
  /**
   * The decision of the running flow, as its own reply (held open by main). Not queued: it may wait for
   * seconds, and the control calls behind it (cancel, lock) must not wait for it.
   */
  awaitDecision(): Promise<Result<AuthFlowState>>;
  desktopStatus(): Promise<Result<DesktopUnlockStatus>>;
  lockDesktopNow(): Promise<Result<DesktopUnlockStatus>>;
  vaultStatus(): Promise<Result<VaultStatus>> | null;
}

export function createApi(bridge: FaceVaultBridge): Api {
  const queue = createCallQueue();
  const vault = vaultOf(bridge);
  return {
    queue,
    bridge,
    vault,
    status: () => queue.run(() => bridge.getStatus(), 'status'),
    enrolment: () => queue.run(() => bridge.getEnrolment(), 'enrolment'),
    startEnrolment: () => queue.run(() => bridge.startEnrolment()),
    startUnlock: () => queue.run(() => bridge.startUnlock()),
    cancel: () => queue.run(() => bridge.cancel()),
    deleteEnrolment: () => queue.run(() => bridge.deleteEnrolment()),
    awaitDecision: () => bridge.awaitDecision(),
    desktopStatus: () => queue.run(() => bridge.getDesktopStatus(), 'desktop'),
    lockDesktopNow: () => queue.run(() => bridge.lockDesktopNow()),
    vaultStatus: () => (vault ? queue.run(() => vault.getVaultStatus(), 'vault') : null),
  };
}
