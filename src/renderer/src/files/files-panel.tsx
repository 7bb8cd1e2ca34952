/**
 * Locked files: drop files or folders here or pick them, watch them lock, unlock them after a face
 * match, lock them again. Self-contained (its own styles, only the bridge as input) so the app shell can
 * place it anywhere. Main does all the work; this panel shows the LockedFilesView it reports and polls
 * quickly only while an operation runs. It never sees a key, a path it did not get from the user's drop,
 * or file contents.
 */
import { useCallback, useEffect, useRef, useState, type DragEvent } from 'react';
import type { FaceVaultBridge, LockedFilesView, LockedItem } from '../../../shared/ipc-contract.ts';
import type { Result } from '../../../shared/result.ts';
import './files-panel.css';

const FAST_POLL_MS = 250;
const SLOW_POLL_MS = 5000;

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

const STATE_TEXT: Record<LockedItem['state'], string> = {
  locked: 'Locked',
  unlocked: 'Unlocked',
  locking: 'Locking…',
  unlocking: 'Unlocking…',
  error: 'Could not lock',
};

/** Plain words for the errors a person can act on; the code stays visible for support. */
function explain(code: string, message: string): string {
  switch (code) {
    case 'FILELOCK_VAULT_LOCKED':
      return 'Verify it’s you first: unlock FaceVault with your face or your recovery passphrase, then try again.';
    case 'IPC_INVALID_PAYLOAD':
      return message.charAt(0).toUpperCase() + message.slice(1) + '.';
    case 'IPC_BUSY':
      return 'Still working on the previous request.';
    case 'FILELOCK_UNSUPPORTED':
      return 'File locking is not available in this copy of FaceVault.';
    default:
      return message;
  }
}

const busy = (it: LockedItem) => it.state === 'locking' || it.state === 'unlocking';

function ItemRow({
  item,
  onUnlock,
  onRelock,
}: {
  item: LockedItem;
  onUnlock: () => void;
  onRelock: () => void;
}) {
  const pct = item.progress === null ? null : Math.round(item.progress * 100);
  return (
    <li className="fv-files-item" data-testid="locked-item" data-state={item.state} data-id={item.id}>
      <span className={`fv-files-icon fv-files-icon-${item.kind}`} aria-hidden="true" />
      <div className="fv-files-main">
        <div className="fv-files-name" title={item.displayName}>
          {item.displayName}
        </div>
        <div className="fv-files-meta">
          <span className={`fv-files-state fv-files-state-${item.state}`}>{STATE_TEXT[item.state]}</span>
          <span>{item.kind === 'folder' ? 'Folder' : 'File'}</span>
          {item.sizeBytes > 0 || item.state === 'locked' || item.state === 'unlocked' ? (
            <span>{formatBytes(item.sizeBytes)}</span>
          ) : null}
        </div>
        {busy(item) && pct !== null ? (
          <div
            className="fv-files-progress"
            role="progressbar"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={pct}
            aria-label={`${STATE_TEXT[item.state]} ${item.displayName}`}
          >
            <div className="fv-files-progress-bar" style={{ width: `${pct}%` }} />
          </div>
        ) : null}
        {item.problem ? (
          <p className="fv-files-problem" data-testid="locked-item-problem">
            {item.problem}
          </p>
        ) : null}
      </div>
      <div className="fv-files-actions">
        {item.state === 'locked' ? (
          <button type="button" className="fv-files-button" onClick={onUnlock} data-testid="unlock-item">
            Unlock
          </button>
        ) : null}
        {item.state === 'unlocked' ? (
          <button type="button" className="fv-files-button" onClick={onRelock} data-testid="relock-item">
            Lock again
          </button>
        ) : null}
      </div>
    </li>
  );
}

export function FilesPanel({
  bridge,
  titleLevel = 2,
}: {
  bridge: FaceVaultBridge;
  /** The panel title's heading level: 1 where the panel is the whole screen (Locked files). */
  titleLevel?: 1 | 2;
}) {
  const Title = titleLevel === 1 ? 'h1' : 'h2';
  const [view, setView] = useState<LockedFilesView | null>(null);
  const [error, setError] = useState<string | null>(null);
  /** Why the list could not be read (file locking unavailable, main busy…), until a read succeeds. */
  const [listError, setListError] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const depth = useRef(0);
  const [tick, setTick] = useState(0);

  const apply = useCallback((r: Result<LockedFilesView>) => {
    if (r.ok) {
      setView(r.value);
      setError(null);
    } else setError(explain(r.error.code, r.error.message));
  }, []);

  const anyBusy = view?.items.some(busy) ?? false;
  useEffect(() => {
    let live = true;
    const t = setTimeout(
      () => {
        void bridge.listLockedItems().then((r) => {
          if (!live) return;
          if (r.ok) {
            setView(r.value);
            setListError(null);
          } else setListError(explain(r.error.code, r.error.message));
          setTick((x) => x + 1);
        });
      },
      // The first read at once; after a failed read, the slow pace (never a tight loop of failing calls).
      view === null && listError === null ? 0 : anyBusy ? FAST_POLL_MS : SLOW_POLL_MS,
    );
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [bridge, anyBusy, tick, view, listError]);

  const act = (call: () => Promise<Result<LockedFilesView>>) => () => void call().then(apply);

  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    depth.current = 0;
    setDragging(false);
    const files = Array.from(e.dataTransfer.files);
    if (files.length === 0) return;
    void bridge.lockDroppedFiles(files).then(apply);
  };

  const items = view?.items ?? [];
  return (
    <section className="fv-files" aria-labelledby="fv-files-title" data-testid="files-panel">
      <header className="fv-files-header">
        <div>
          <Title id="fv-files-title">Locked files</Title>
          <p className="fv-files-sub">Files and folders only your face or your recovery passphrase opens.</p>
        </div>
        <div className="fv-files-pickers">
          <button
            type="button"
            className="fv-files-button fv-files-primary"
            onClick={act(() => bridge.pickAndLock('files'))}
            data-testid="pick-files"
          >
            Lock files…
          </button>
          <button
            type="button"
            className="fv-files-button"
            onClick={act(() => bridge.pickAndLock('folder'))}
            data-testid="pick-folder"
          >
            Lock a folder…
          </button>
        </div>
      </header>
      <div
        className={`fv-files-drop${dragging ? ' fv-files-drop-active' : ''}`}
        data-testid="files-drop"
        onDragEnter={(e) => {
          e.preventDefault();
          depth.current++;
          setDragging(true);
        }}
        onDragOver={(e) => {
          e.preventDefault();
          e.dataTransfer.dropEffect = 'copy';
        }}
        onDragLeave={() => {
          depth.current = Math.max(0, depth.current - 1);
          if (depth.current === 0) setDragging(false);
        }}
        onDrop={onDrop}
      >
        <span className="fv-files-drop-icon" aria-hidden="true" />
        <span>{dragging ? 'Drop to lock' : 'Drag files or folders here to lock them'}</span>
      </div>
      {error ? (
        <p className="fv-files-error" role="alert" data-testid="files-error">
          {error}
        </p>
      ) : null}
      {listError !== null && view === null ? (
        <p className="fv-files-error" role="alert" data-testid="files-list-error">
          {listError}
        </p>
      ) : null}
      {view?.listProblem ? (
        <p className="fv-files-error" role="status" data-testid="files-list-problem">
          {view.listProblem}
        </p>
      ) : null}
      {view !== null && items.length === 0 ? (
        <p className="fv-files-empty" data-testid="files-empty">
          {view.listState === 'vault-locked'
            ? 'Your list of locked items is encrypted. Verify it’s you to see it.'
            : 'Nothing is locked yet.'}
        </p>
      ) : null}
      {items.length > 0 ? (
        <ul className="fv-files-list" aria-label="Locked items">
          {items.map((it) => (
            <ItemRow
              key={it.id}
              item={it}
              onUnlock={act(() => bridge.unlockItem(it.id))}
              onRelock={act(() => bridge.relockItem(it.id))}
            />
          ))}
        </ul>
      ) : null}
      <p className="fv-files-note">
        A locked item becomes one file with a random name (<code>….fvlock</code>) in the same folder; its name
        and contents are encrypted. Nothing is overwritten when you unlock.
      </p>
    </section>
  );
}
