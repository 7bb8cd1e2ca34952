/**
 * The recovery passphrase step: type it twice, see its strength, then main wraps the vault key with it
 * (vault:setup). Without a vault service in this build, the step says so instead of pretending.
 */
import { useEffect, useId, useState } from 'react';
import type { ErrorInfo } from '../../../shared/result.ts';
import { explain } from '../errors/error-text.ts';
import type { Api } from '../ipc/api.ts';
import type { AppModel } from '../state/use-app-model.ts';
import { Banner, Icon } from '../ui/components.tsx';
import { STRENGTH_LABEL, strengthOf, type Strength } from './passphrase-strength.ts';

export function PassphraseSetup({ api, model, onDone }: { api: Api; model: AppModel; onDone: () => void }) {
  const [pass, setPass] = useState('');
  const [again, setAgain] = useState('');
  const [strength, setStrength] = useState<Strength>({ score: 0, ok: false, advice: null });
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();

  useEffect(() => {
    let live = true;
    void strengthOf(pass).then((s) => live && setStrength(s));
    return () => {
      live = false;
    };
  }, [pass]);

  const matches = pass.length > 0 && pass === again;
  const alreadySetUp = model.vault?.setUp === true;
  const strongEnough = strength.ok;
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!api.vault || !matches || !strongEnough) return;
    setBusy(true);
    const r = await api.queue.run(() => api.vault!.setupVault(pass)); // api.vault checked above
    setBusy(false);
    if (!r.ok) return setError(r.error);
    model.setVault(r.value);
    setPass('');
    setAgain('');
    onDone();
  };

  if (alreadySetUp) {
    return (
      <div className="passphrase" data-testid="passphrase-step">
        <h1 tabIndex={-1}>Your recovery passphrase is set</h1>
        <p className="lead">It was chosen earlier in this setup. Keep it somewhere safe.</p>
        <div className="actions">
          <button type="button" className="btn primary" onClick={onDone} data-testid="passphrase-continue">
            Continue
          </button>
        </div>
      </div>
    );
  }
  return (
    <form className="passphrase" onSubmit={(e) => void submit(e)} data-testid="passphrase-step">
      <h1 tabIndex={-1}>Create a recovery passphrase</h1>
      <p className="lead">
        If the camera cannot see you — bad light, a new camera, too many tries — this passphrase unlocks
        FaceVault and your files. Nobody can reset it for you: write it down somewhere safe.
      </p>
      {!api.vault && (
        <div className="banner" data-tone="warn" role="status" data-testid="no-vault">
          <Icon name="alert" />
          <div>
            <strong>This build has no vault service yet.</strong>
            <p>
              The recovery passphrase is set up by FaceVault’s vault service, which this version does not
              include. Face unlock works without it; there is no fallback if the camera cannot see you.
            </p>
          </div>
        </div>
      )}
      <label className="field" htmlFor={`${id}-p`}>
        <span>Passphrase</span>
        <input
          id={`${id}-p`}
          type="password"
          autoComplete="new-password"
          value={pass}
          onChange={(e) => setPass(e.target.value)}
          disabled={!api.vault}
          aria-describedby={`${id}-m`}
          autoFocus
          data-testid="passphrase"
        />
      </label>
      <div
        className="meter"
        id={`${id}-m`}
        data-score={pass ? strength.score : -1}
        aria-live="polite"
        data-testid="strength"
      >
        <div className="meter-bar">
          {[0, 1, 2, 3].map((i) => (
            <span key={i} data-on={pass.length > 0 && strength.score > i} />
          ))}
        </div>
        <span className="meter-label">
          {pass ? STRENGTH_LABEL[strength.score] : 'Use four or more unrelated words'}
        </span>
        {pass && strength.advice && <p className="muted small">{strength.advice}</p>}
      </div>
      <label className="field" htmlFor={`${id}-a`}>
        <span>Type it again</span>
        <input
          id={`${id}-a`}
          type="password"
          autoComplete="new-password"
          value={again}
          onChange={(e) => setAgain(e.target.value)}
          disabled={!api.vault}
          aria-invalid={again.length > 0 && !matches}
          data-testid="passphrase-again"
        />
      </label>
      {again.length > 0 && !matches && <p className="hint warn">The two passphrases are different.</p>}
      {error && <Banner message={explain(error)} detail={error.message} />}
      <div className="actions">
        {api.vault ? (
          <button
            type="submit"
            className="btn primary"
            disabled={!matches || !strongEnough || busy}
            data-testid="passphrase-submit"
          >
            {busy ? 'Protecting your vault…' : 'Set passphrase'}
          </button>
        ) : (
          <button type="button" className="btn primary" onClick={onDone} data-testid="passphrase-skip">
            Continue without
          </button>
        )}
      </div>
    </form>
  );
}
