/**
 * The "Locked files" screen: hosts the files panel of the file-locking work (src/renderer/src/files/,
 * self-contained: its own heading, drop zone, pickers, progress, list, unlock / lock again).
 */
import type { FaceVaultBridge } from '../../../shared/ipc-contract.ts';
import { FilesPanel } from '../files/files-panel.tsx';

export function LockedFiles({ bridge }: { bridge: FaceVaultBridge }) {
  return (
    <div className="page" data-testid="screen-files">
      <FilesPanel bridge={bridge} titleLevel={1} />
    </div>
  );
}
