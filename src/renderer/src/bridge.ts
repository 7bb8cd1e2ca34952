/** Typed access to the preload bridge. The renderer knows the preload only through these types. */
import { BRIDGE_GLOBAL, type FaceVaultBridge } from '../../shared/ipc-contract.ts';

declare global {
  interface Window {
    readonly [BRIDGE_GLOBAL]?: FaceVaultBridge;
  }
}

export function getBridge(): FaceVaultBridge | null {
  return window[BRIDGE_GLOBAL] ?? null;
}
