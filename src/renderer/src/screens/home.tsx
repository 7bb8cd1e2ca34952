/** The unlocked home: what protects this computer right now, at a glance, with the next useful action. */
import type { Route } from '../app.tsx';
import { Icon, Pill } from '../ui/components.tsx';
import type { ScreenProps } from './common.ts';

export function Home({ model, api, go }: ScreenProps & { go: (r: Route) => void }) {
  const e = model.enrolment;
  const d = model.desktop;
  const ks = model.status?.keyStore;
  const until = model.vault?.unlockedUntil;
  return (
    <div className="page" data-testid="screen-home">
      <header className="page-head">
        <div className="hero-mark small good">
          <Icon name="unlock" size={28} />
        </div>
        <div>
          <h1>FaceVault is unlocked</h1>
          <p className="muted">
            {until
              ? `Locks again at ${new Date(until).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}, or when you press Ctrl+L.`
              : 'Locks again when you press Ctrl+L, when you are away, or when your screen locks.'}
          </p>
        </div>
      </header>
      <div className="tiles">
        <article className="tile">
          <Icon name="face" />
          <h2>Face unlock</h2>
          {e?.enrolled ? (
            e.lockedOut ? (
              <Pill tone="bad">Locked after too many tries</Pill>
            ) : (
              <Pill tone="good">On</Pill>
            )
          ) : (
            <Pill tone="warn">Not set up</Pill>
          )}
          <p className="muted small">
            {e?.enrolled ? `${e.remainingAttempts} tries before it locks.` : 'Set it up in Settings.'}
          </p>
        </article>
        <article className="tile">
          <Icon name="monitor" />
          <h2>Desktop unlock</h2>
          {d?.available ? (
            d.enabled ? (
              <Pill tone="good">On</Pill>
            ) : (
              <Pill tone="neutral">Off</Pill>
            )
          ) : (
            <Pill tone="neutral">Unavailable</Pill>
          )}
          <p className="muted small">
            {d?.available ? 'Unlock your computer’s lock screen with your face.' : (d?.reason ?? '…')}
          </p>
        </article>
        <article className="tile">
          <Icon name="chip" />
          <h2>Key protection</h2>
          <Pill tone={ks === 'tpm' || ks === 'keychain' ? 'good' : 'warn'}>
            {ks === 'tpm' ? 'TPM chip' : ks === 'keychain' ? 'System keyring' : 'Not available'}
          </Pill>
          <p className="muted small">
            {model.vault?.rollbackProtection === 'tpm-nv-counter'
              ? 'Rollback-protected by the TPM.'
              : 'Keys never leave this computer.'}
          </p>
        </article>
        <article className="tile">
          <Icon name="shield" />
          <h2>Face models</h2>
          <Pill
            tone={
              model.status?.models === 'ready' ? 'good' : model.status?.models === 'error' ? 'bad' : 'neutral'
            }
          >
            {model.status?.models === 'ready'
              ? 'Verified'
              : model.status?.models === 'error'
                ? 'Problem'
                : 'Loading'}
          </Pill>
          <p className="muted small">Signed and encrypted; checked before each use.</p>
        </article>
      </div>
      <div className="actions left">
        <button type="button" className="btn secondary" onClick={() => go('files')}>
          <Icon name="files" /> Locked files
        </button>
        {d?.available && (
          <button
            type="button"
            className="btn secondary"
            onClick={() => void api.lockDesktopNow().then((r) => r.ok && model.setDesktop(r.value))}
            data-testid="lock-desktop"
          >
            <Icon name="monitor" /> Lock desktop now
          </button>
        )}
      </div>
    </div>
  );
}
