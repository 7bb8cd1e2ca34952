/**
 * The lock screen's answer to the command line (docs/filelock-format.md "CLI channel"): while
 * `facevault unlock <path>` waits for the vault, this card says which path and which process asked, and
 * offers the three answers — look at the camera, use the recovery passphrase (both are the lock screen's
 * own unlock: the key is released in main as always, then every waiting command goes on) or deny (the
 * command fails with "denied"). It only displays what main reports (files:cli-requests) and can only deny.
 */
import { useEffect, useState } from 'react';
import type { CliRequest, FaceVaultBridge } from '../../../shared/ipc-contract.ts';
import { Icon } from '../ui/components.tsx';
import './files-panel.css';

const POLL_MS = 1000;

/** The requests main reports, polled while `active` (the lock screen is up). */
export function useCliRequests(bridge: FaceVaultBridge, active: boolean): readonly CliRequest[] {
  const [requests, setRequests] = useState<readonly CliRequest[]>([]);
  useEffect(() => {
    if (!active || typeof bridge.getCliRequests !== 'function') return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = () => {
      void bridge.getCliRequests().then((r) => {
        if (!live) return;
        if (r.ok) setRequests(r.value.requests);
        timer = setTimeout(poll, POLL_MS);
      });
    };
    poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [bridge, active]);
  return active ? requests : [];
}

export function CliRequestPrompt({
  bridge,
  requests,
  now,
  faceUsable,
  mode,
  onFace,
  onPassphrase,
  onDenied,
}: {
  bridge: FaceVaultBridge;
  requests: readonly CliRequest[];
  now: number;
  faceUsable: boolean;
  mode: 'face' | 'passphrase';
  onFace: () => void;
  onPassphrase: () => void;
  onDenied: (left: readonly CliRequest[]) => void;
}) {
  const [denying, setDenying] = useState(false);
  const r = requests[0];
  if (!r) return null;
  const left = Math.max(0, Math.ceil((r.expiresAt - now) / 1000));
  const who = r.processName
    ? `${r.processName}${r.pid !== null ? ` (process ${r.pid})` : ''}`
    : r.pid !== null
      ? `process ${r.pid}`
      : 'a program FaceVault could not identify';
  const deny = () => {
    setDenying(true);
    void bridge.denyCliRequest(r.id).then((res) => {
      setDenying(false);
      if (res.ok) onDenied(res.value.requests);
    });
  };
  return (
    <section
      className="cli-request"
      role="alertdialog"
      aria-labelledby="cli-request-title"
      aria-describedby="cli-request-path"
      data-testid="cli-request"
      data-request-id={r.id}
    >
      <div className="cli-request-head">
        <Icon name="lock" />
        <h2 id="cli-request-title">The command line asks to {r.op} this item</h2>
      </div>
      <p className="cli-request-path" id="cli-request-path" data-testid="cli-request-path">
        {r.path}
      </p>
      <p className="cli-request-who" data-testid="cli-request-who">
        Asked by {who}. If you did not run this, deny it.
      </p>
      <p className="cli-request-expiry" id="cli-request-how" data-testid="cli-request-how">
        {faceUsable ? 'Unlocking FaceVault answers it' : 'Face unlock is off now: the passphrase answers it'}
        {left > 0 ? ` · waits ${left}s more` : ''}
        {requests.length > 1 ? ` · ${requests.length - 1} more waiting` : ''}
      </p>
      <div className="cli-request-actions">
        <button
          type="button"
          className="btn primary"
          onClick={onFace}
          disabled={!faceUsable}
          aria-pressed={mode === 'face'}
          data-testid="cli-request-face"
          aria-describedby={faceUsable ? undefined : 'cli-request-how'}
        >
          Look at the camera
        </button>
        <button
          type="button"
          className="btn secondary"
          onClick={onPassphrase}
          aria-pressed={mode === 'passphrase'}
          data-testid="cli-request-passphrase"
        >
          Use passphrase
        </button>
        <button
          type="button"
          className="btn danger"
          onClick={deny}
          disabled={denying}
          data-testid="cli-request-deny"
        >
          Deny
        </button>
      </div>
    </section>
  );
}
