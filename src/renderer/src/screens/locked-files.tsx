/**
 * The "Locked files" screen: hosts the files panel of the file-locking work (src/renderer/src/files/,
 * self-contained: drop zone, pickers, progress, list, unlock / lock again) under the app's page header.
 */
import type { FaceVaultBridge } from '../../../shared/ipc-contract.ts';
import { FilesPanel } from '../files/files-panel.tsx';
import { Icon } from '../ui/components.tsx';

export function LockedFiles({ bridge }: { bridge: FaceVaultBridge }) {
  return (
    <div className="page" data-testid="screen-files">
      <header className="page-head">
        <div className="hero-mark small">
          <Icon name="files" size={28} />
        </div>
        <div>
          <h1>Locked files</h1>
          <p className="muted">Files and folders that only your face or your recovery passphrase opens.</p>
        </div>
      </header>
      <FilesPanel bridge={bridge} />
    </div>
  );
}
