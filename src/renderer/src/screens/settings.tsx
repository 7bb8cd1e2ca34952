/**
 * Settings. Anything that changes who can unlock — set up the face again, delete the face data, the
 * strictness level, desktop unlock — asks for the owner's proof first (the recovery passphrase, checked by
 * main: vault:prove-owner); deletion also asks for confirmation. Also shows what protects the keys and
 * which models are loaded.
 */
import { useId, useState } from 'react';
import type { AppSettingsPatch, StrictnessLevel, VaultStatus } from '../../../shared/ipc-contract.ts';
import type { ErrorInfo } from '../../../shared/result.ts';
import type { Route } from '../app.tsx';
import { explain } from '../errors/error-text.ts';
import { SIGNING_TEXT } from '../status-text.ts';
import { Banner, Dialog, Icon, Pill, Toggle } from '../ui/components.tsx';
import { desktopUnlockStatus, faceModelsStatus, faceUnlockStatus } from '../ui/status.ts';
import { StatusItem } from '../ui/status-item.tsx';
import type { ScreenProps } from './common.ts';

const STRICTNESS: { readonly [K in StrictnessLevel]: { label: string; detail: string } } = {
  convenience: { label: 'Convenience', detail: 'Fastest. Resists photos less well.' },
  balanced: {
    label: 'Balanced',
    detail: 'Recommended. Checks that a real person is in front of the camera.',
  },
  strict: { label: 'Strict', detail: 'Asks for a short head movement or blink. Needed for desktop unlock.' },
};
const IDLE_CHOICES = [1, 5, 15, 30, 0] as const;
const NO_VAULT = 'Needs FaceVault’s vault service, which this build does not include yet.';

const TABS = [
  ['face', 'Face', 'face'],
  ['security', 'Security', 'shield'],
  ['desktop', 'Desktop unlock', 'monitor'],
  ['protection', 'Protection', 'chip'],
] as const;
export type SettingsTab = (typeof TABS)[number][0];

type Action = { kind: 'reenrol' } | { kind: 'delete' } | { kind: 'patch'; patch: AppSettingsPatch };
type Pending = { action: Action; needProof: boolean };

/** What the lock screen shows of the background check (DesktopUnlockStatus.lockScreenPrompt). */
const LOCK_SCREEN_PROMPT = {
  notifications:
    'What it asks of you (a head movement, a blink) is shown as a notification on your lock screen where your desktop lists them (GNOME does; KDE does not).',
  unavailable:
    'At the last lock your desktop did not take FaceVault’s notifications, so the lock screen could not show what to do; face unlock still works.',
  none: 'Your lock screen cannot show what it asks of you.',
} as const;

export function Settings({ api, model, camera, go }: ScreenProps & { go: (r: Route) => void }) {
  const [pending, setPending] = useState<Pending | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [tab, setTab] = useState<SettingsTab>('face');
  const vault = api.vault;

  const { settings, setSettings } = model;

  const act = async (p: Action) => {
    setError(null);
    if (p.kind === 'reenrol') return go('reenrol');
    if (p.kind === 'delete') {
      const r = await api.deleteEnrolment();
      if (!r.ok) return setError(r.error);
      setNotice(
        'Your face data was deleted. Your recovery passphrase still unlocks FaceVault and your files.',
      );
      await model.refreshEnrolment();
      return;
    }
    if (!vault) return;
    const r = await api.queue.run(() => vault.setSettings(p.patch));
    if (!r.ok) return setError(r.error);
    setSettings(r.value);
    void model.refreshDesktop();
  };
  // Deletion always asks for confirmation; every gated change asks for the passphrase unless a proof is fresh.
  const gated = (p: Action) => {
    const needProof = vault !== null && (model.vault?.ownerProofUntil ?? 0) <= Date.now();
    if (p.kind === 'delete' || needProof) setPending({ action: p, needProof });
    else void act(p);
  };

  const d = model.desktop;
  const info = model.status?.modelSet;
  const ks = model.status?.keyStore;
  const models = faceModelsStatus(model.status);
  return (
    <div className="page settings" data-testid="screen-settings">
      <header className="page-head">
        <div className="hero-mark small">
          <Icon name="settings" size={28} />
        </div>
        <div>
          <h1>Settings</h1>
          <p className="muted">Changes marked with a key ask for your recovery passphrase first.</p>
        </div>
      </header>
      <div
        className="tabs"
        role="tablist"
        aria-label="Settings sections"
        onKeyDown={(e) => {
          // Arrow keys move between tabs, Home / End to the first / last (WAI-ARIA tabs pattern).
          const i = TABS.findIndex(([t]) => t === tab);
          const to =
            e.key === 'ArrowRight'
              ? i + 1
              : e.key === 'ArrowLeft'
                ? i - 1
                : e.key === 'Home'
                  ? 0
                  : e.key === 'End'
                    ? TABS.length - 1
                    : null;
          if (to === null) return;
          e.preventDefault();
          const next = TABS[(to + TABS.length) % TABS.length]![0];
          setTab(next);
          document.getElementById(`tab-${next}`)?.focus();
        }}
      >
        {TABS.map(([t, label, icon]) => (
          <button
            key={t}
            id={`tab-${t}`}
            type="button"
            role="tab"
            aria-selected={tab === t}
            aria-controls={`panel-${t}`}
            tabIndex={tab === t ? 0 : -1}
            onClick={() => setTab(t)}
            data-testid={`tab-${t}`}
          >
            <Icon name={icon} size={16} /> {label}
          </button>
        ))}
      </div>
      {error && <Banner message={explain(error)} detail={error.message} />}
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}

      {tab === 'face' && (
        <section className="card group" id="panel-face" role="tabpanel" aria-labelledby="tab-face">
          <StatusItem
            layout="row"
            title="Face unlock"
            status={faceUnlockStatus(model.enrolment)}
            testId="settings-face-status"
          >
            <button
              type="button"
              className="btn secondary"
              onClick={() => gated({ kind: 'reenrol' })}
              data-testid="reenrol"
            >
              <Icon name="key" size={16} /> {model.enrolment?.enrolled ? 'Set up again' : 'Set up'}
            </button>
          </StatusItem>
          <Row
            title="Delete all face data"
            detail="Removes your face template from this computer. The passphrase keeps working."
          >
            <button
              type="button"
              className="btn danger"
              onClick={() => gated({ kind: 'delete' })}
              disabled={!model.enrolment?.enrolled}
              data-testid="delete-face"
            >
              <Icon name="key" size={16} /> Delete
            </button>
          </Row>
          <Row title="Camera" detail={camera.devices.length ? undefined : 'Shown when the camera is on.'}>
            <select
              aria-label="Camera"
              value={camera.deviceId ?? ''}
              onChange={(e) => camera.select(e.target.value)}
              disabled={camera.devices.length === 0}
              data-testid="settings-camera"
            >
              {camera.devices.length === 0 && <option value="">Default camera</option>}
              {camera.devices.map((c) => (
                <option key={c.deviceId} value={c.deviceId}>
                  {c.label}
                </option>
              ))}
            </select>
          </Row>
        </section>
      )}

      {tab === 'security' && (
        <section className="card group" id="panel-security" role="tabpanel" aria-labelledby="tab-security">
          <fieldset className="row" disabled={!vault}>
            <legend>
              Strictness <Icon name="key" size={14} />
            </legend>
            <div className="segmented" role="radiogroup" aria-label="Strictness">
              {(Object.keys(STRICTNESS) as StrictnessLevel[]).map((k) => (
                <label key={k} data-on={settings?.strictness === k}>
                  <input
                    type="radio"
                    name="strictness"
                    value={k}
                    checked={settings?.strictness === k}
                    onChange={() => gated({ kind: 'patch', patch: { strictness: k } })}
                  />
                  {STRICTNESS[k].label}
                </label>
              ))}
            </div>
            <p className="muted small">
              {vault ? STRICTNESS[settings?.strictness ?? 'balanced'].detail : NO_VAULT}
            </p>
          </fieldset>
          <Row
            title="Lock when idle"
            detail={vault ? undefined : `${NO_VAULT} Locks after 5 minutes meanwhile.`}
          >
            <select
              aria-label="Lock when idle"
              value={settings?.idleLockMinutes ?? 5}
              disabled={!vault}
              onChange={(e) =>
                void act({ kind: 'patch', patch: { idleLockMinutes: Number(e.target.value) } })
              }
              data-testid="idle-select"
            >
              {IDLE_CHOICES.map((m) => (
                <option key={m} value={m}>
                  {m === 0 ? 'Never' : `After ${m} minute${m === 1 ? '' : 's'}`}
                </option>
              ))}
            </select>
          </Row>
        </section>
      )}

      {tab === 'desktop' && (
        <section
          className="card group"
          id="panel-desktop"
          role="tabpanel"
          aria-labelledby="tab-desktop"
          data-testid="desktop-settings"
        >
          <StatusItem
            layout="row"
            title="Unlock my desktop with my face"
            status={desktopUnlockStatus(d)}
            testId="settings-desktop-status"
            {...(d?.available
              ? {
                  detail: `When your screen locks, FaceVault looks for you in the background and unlocks it. Strict liveness is always used. ${LOCK_SCREEN_PROMPT[d.lockScreenPrompt]}`,
                }
              : {})}
          >
            <Toggle
              checked={d?.enabled === true}
              disabled={!d?.available || !vault}
              label="Unlock my desktop with my face"
              onChange={(v) => gated({ kind: 'patch', patch: { desktopUnlock: v } })}
              testId="desktop-toggle"
            />
          </StatusItem>
          {d?.available && !vault && <p className="muted small">{NO_VAULT}</p>}
          <Row
            title="Lock my desktop now"
            detail="Locks your computer’s screen (your desktop’s own lock screen)."
          >
            <button
              type="button"
              className="btn secondary"
              disabled={!d?.available}
              onClick={() =>
                void api.lockDesktopNow().then((r) => (r.ok ? model.setDesktop(r.value) : setError(r.error)))
              }
              data-testid="settings-lock-desktop"
            >
              Lock now
            </button>
          </Row>
        </section>
      )}

      {tab === 'protection' && (
        <section
          className="card group"
          id="panel-protection"
          role="tabpanel"
          aria-labelledby="tab-protection"
        >
          <dl className="facts">
            <dt>Key store</dt>
            <dd data-testid="keystore">
              {ks === 'tpm'
                ? 'TPM 2.0 security chip'
                : ks === 'keychain'
                  ? 'System keyring (Secret Service)'
                  : ks === 'unavailable'
                    ? 'None available'
                    : 'Not opened yet'}
            </dd>
            <dt>Rollback protection</dt>
            <dd>
              {model.vault
                ? model.vault.rollbackProtection === 'tpm-nv-counter'
                  ? 'TPM monotonic counter'
                  : 'None on this key store'
                : '—'}
            </dd>
            <dt>Face models</dt>
            <dd data-testid="model-status">
              <Pill tone={models.tone}>{models.label}</Pill>
              {info && ` ${info.models.map((m) => `${m.role}: ${m.modelId} ${m.modelVersion}`).join(' · ')}`}
            </dd>
            <dt>Model signing</dt>
            <dd data-testid="signing">{model.status ? SIGNING_TEXT[model.status.signing] : '—'}</dd>
            <dt>Vendor key</dt>
            <dd className="mono">{info?.vendorKeyId ?? '—'}</dd>
            <dt>Last verified</dt>
            <dd>{info?.verifiedAt ? new Date(info.verifiedAt).toLocaleString() : '—'}</dd>
            <dt>App version</dt>
            <dd>{model.status?.appVersion}</dd>
          </dl>
        </section>
      )}

      {pending && (
        <OwnerProof
          api={api}
          needProof={pending.needProof}
          del={pending.action.kind === 'delete'}
          onClose={() => setPending(null)}
          onProved={(v) => {
            if (v) model.setVault(v);
            const p = pending.action;
            setPending(null);
            void act(p);
          }}
        />
      )}
    </div>
  );
}

function Row({
  title,
  detail,
  children,
}: {
  title: string;
  detail?: string | undefined;
  children: React.ReactNode;
}) {
  return (
    <div className="row">
      <div>
        <div className="row-title">{title}</div>
        {detail && <div className="muted small">{detail}</div>}
      </div>
      <div className="row-control">{children}</div>
    </div>
  );
}

function OwnerProof({
  api,
  needProof,
  del,
  onClose,
  onProved,
}: {
  api: ScreenProps['api'];
  needProof: boolean;
  del: boolean;
  onClose: () => void;
  onProved: (v: VaultStatus | null) => void;
}) {
  const [pass, setPass] = useState('');
  const [error, setError] = useState<ErrorInfo | null>(null);
  const id = useId();
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!needProof || !api.vault) {
      // Without a vault service main enforces nothing more here; deletion still asks for confirmation.
      onProved(null);
      return;
    }
    const vault = api.vault;
    const r = await api.queue.run(() => vault.proveOwner(pass));
    setPass('');
    if (!r.ok) return setError(r.error);
    onProved(r.value);
  };
  return (
    <Dialog
      title={del ? 'Delete your face data?' : 'Confirm it’s you'}
      onClose={onClose}
      testId="owner-proof"
    >
      <form onSubmit={(e) => void submit(e)}>
        <p>
          {del
            ? 'Face unlock stops working until you set it up again. Your locked files stay locked; your recovery passphrase still opens them.'
            : 'This changes who can unlock FaceVault.'}
        </p>
        {needProof && (
          <label className="field" htmlFor={id}>
            <span>Recovery passphrase</span>
            <input
              id={id}
              type="password"
              autoComplete="current-password"
              value={pass}
              onChange={(e) => setPass(e.target.value)}
              data-testid="proof-passphrase"
            />
          </label>
        )}
        {error && <Banner message={explain(error)} detail={error.message} />}
        <div className="actions">
          <button type="button" className="btn secondary" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            className={`btn ${del ? 'danger' : 'primary'}`}
            disabled={needProof && !pass}
            data-testid="proof-confirm"
          >
            {del ? 'Delete face data' : 'Continue'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
