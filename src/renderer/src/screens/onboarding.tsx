/**
 * First run, Windows Hello style: welcome → choose the camera (live preview) → recovery passphrase
 * (vault:setup, which main requires before the first enrolment) → guided face capture → what is stored where. Each step has one primary action, the step
 * indicator says where you are, and every failure says what to do.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { PersonMessage } from '../errors/error-text.ts';
import { CameraView } from '../camera/camera-view.tsx';
import { Banner, Icon, Pill } from '../ui/components.tsx';
import { GUIDANCE } from '../ui/guidance.ts';
import type { ScreenProps } from './common.ts';
import { EnrolView } from './enrol-view.tsx';
import { PassphraseSetup } from './passphrase-setup.tsx';
import { usePreview } from './use-preview.ts';

// The passphrase comes before the face: main creates the vault key with it (vault:setup), and that first
// proof is what lets the first enrolment run (as Windows Hello asks for a PIN before the face).
const STEPS = ['Welcome', 'Camera', 'Recovery', 'Your face', 'Done'] as const;
type Step = 0 | 1 | 2 | 3 | 4;

export function Onboarding(
  p: ScreenProps & { modelMessage: PersonMessage | null; modelProblem: string | null; onDone: () => void },
) {
  const [step, setStep] = useState<Step>(0);
  const next = useCallback(() => setStep((s) => Math.min(4, s + 1) as Step), []);
  // A new step: unless one of its controls took the focus (autoFocus), the focus goes to its heading, so a
  // screen reader announces the step and Tab continues from there (not from the top of the window).
  const card = useRef<HTMLElement | null>(null);
  useEffect(() => {
    const el = card.current;
    if (!el || el.contains(document.activeElement)) return;
    el.querySelector<HTMLElement>('h1')?.focus();
  }, [step]);
  return (
    <main className="onboarding" data-testid={`screen-onboarding-${step}`}>
      <ol className="steps" aria-label="Setup steps">
        {STEPS.map((s, i) => (
          <li
            key={s}
            data-state={i < step ? 'done' : i === step ? 'current' : 'todo'}
            aria-current={i === step ? 'step' : undefined}
          >
            <span className="dot">{i < step ? <Icon name="check" size={14} /> : i + 1}</span>
            {s}
          </li>
        ))}
      </ol>
      <section className="card step-card" ref={card}>
        {step === 0 && <Welcome {...p} onNext={next} />}
        {step === 1 && <CameraStep {...p} onNext={next} />}
        {step === 2 && <PassphraseSetup api={p.api} model={p.model} onDone={next} />}
        {step === 3 && (
          <>
            <h1 tabIndex={-1}>Look at the camera</h1>
            <p className="lead">
              Keep your face inside the circle. FaceVault takes a few views as you move your head a little.
            </p>
            <EnrolView {...p} onEnrolled={next} />
          </>
        )}
        {step === 4 && <Summary {...p} />}
      </section>
    </main>
  );
}

function Welcome({
  model,
  modelMessage,
  modelProblem,
  onNext,
}: ScreenProps & { modelMessage: PersonMessage | null; modelProblem: string | null; onNext: () => void }) {
  // FaceVault's own files were changed after install (the banner above says so and what to do): no set-up
  // on an install that cannot be trusted with a face or a passphrase.
  const damaged = model.status?.appIntegrity.state === 'tampered';
  return (
    <div className="welcome">
      <div className="hero-mark">
        <Icon name="face" size={56} />
      </div>
      <h1>Unlock with your face</h1>
      <p className="lead">
        Set up FaceVault to unlock this app, your locked files and — if you want — your desktop, just by
        looking at the camera.
      </p>
      {modelMessage ? (
        <Banner message={modelMessage} detail={modelProblem} testId="model-banner" />
      ) : (
        <ul className="features">
          <li>
            <Icon name="chip" />{' '}
            <span>
              <strong>Stays on this computer.</strong> Your face is checked here, never uploaded.
            </span>
          </li>
          <li>
            <Icon name="shield" />{' '}
            <span>
              <strong>Encrypted and bound to this device.</strong> Your face data is useless if copied
              elsewhere.
            </span>
          </li>
          <li>
            <Icon name="key" />{' '}
            <span>
              <strong>A recovery passphrase</strong> always works when the camera cannot.
            </span>
          </li>
        </ul>
      )}
      <div className="actions">
        <button
          type="button"
          className="btn primary"
          onClick={onNext}
          disabled={modelMessage !== null || damaged}
          data-testid="get-started"
          aria-describedby={damaged ? 'setup-blocked' : undefined}
          autoFocus
        >
          Get started
        </button>
      </div>
      {damaged && (
        <p className="muted small" id="setup-blocked" data-testid="setup-blocked">
          Set-up is off until FaceVault is reinstalled.
        </p>
      )}
      <p className="muted small">Takes about a minute. You need a camera and good light.</p>
    </div>
  );
}

function CameraStep({ camera, model, setPreviewWanted, onNext }: ScreenProps & { onNext: () => void }) {
  usePreview(setPreviewWanted);
  const streaming = camera.state.kind === 'streaming';
  const g = model.feedback.guidance ? GUIDANCE[model.feedback.guidance] : null;
  return (
    <div className="camera-step">
      <h1 tabIndex={-1}>Choose your camera</h1>
      <p className="lead">Pick the camera in front of you. You should see yourself below.</p>
      <div className="camera-step-body">
        <CameraView
          stream={camera.stream}
          state={camera.state}
          overlay={model.feedback.overlay}
          tone={g?.tone ?? 'neutral'}
          onRetry={camera.retry}
        />
        <div className="camera-step-side">
          <label className="field">
            <span>Camera</span>
            <select
              data-testid="camera-select"
              value={camera.deviceId ?? ''}
              disabled={camera.devices.length === 0}
              onChange={(e) => camera.select(e.target.value)}
            >
              {camera.devices.length === 0 && (
                <option value="">
                  {camera.state.kind === 'denied'
                    ? 'Camera access needed'
                    : camera.state.kind === 'starting'
                      ? 'Looking for cameras…'
                      : 'No camera found'}
                </option>
              )}
              {camera.devices.map((d) => (
                <option key={d.deviceId} value={d.deviceId}>
                  {d.label}
                </option>
              ))}
            </select>
          </label>
          <div aria-live="polite">{streaming && g && <Pill tone={g.tone}>{g.text}</Pill>}</div>
          <p className="muted small">
            Use the camera that faces you when you sit at this computer. You can change it later in Settings.
          </p>
        </div>
      </div>
      <div className="actions">
        <button
          type="button"
          className="btn primary"
          onClick={onNext}
          disabled={!streaming}
          data-testid="camera-continue"
        >
          Continue
        </button>
      </div>
    </div>
  );
}

function Summary({ model, api, onDone }: ScreenProps & { onDone: () => void }) {
  const ks = model.status?.keyStore;
  const keyStore =
    ks === 'tpm'
      ? 'this computer’s TPM security chip'
      : ks === 'keychain'
        ? 'your system keyring'
        : 'the device key store';
  return (
    <div className="summary" data-testid="summary">
      <div className="hero-mark good">
        <Icon name="check" size={48} />
      </div>
      <h1>You’re all set</h1>
      <p className="lead">
        Look at the camera to unlock FaceVault. Here is exactly what was stored, and where:
      </p>
      <table className="stored">
        <tbody>
          <tr>
            <th scope="row">Your face</th>
            <td>
              A mathematical template (not a photo), encrypted and kept in FaceVault’s folder. Its key is
              protected by {keyStore}, so a copy is useless on another computer.
            </td>
          </tr>
          <tr>
            <th scope="row">Recovery passphrase</th>
            <td>
              {api.vault
                ? 'Not stored. Only a slow, salted derivation of it wraps your vault key.'
                : 'Not available in this build (no vault service yet).'}
            </td>
          </tr>
          <tr>
            <th scope="row">Camera pictures</th>
            <td>Never saved. Each picture is checked in memory and discarded.</td>
          </tr>
          <tr>
            <th scope="row">Face models</th>
            <td>Signed by their vendor and encrypted; checked before every use.</td>
          </tr>
          <tr>
            <th scope="row">Online</th>
            <td>Nothing. FaceVault works without a network connection.</td>
          </tr>
        </tbody>
      </table>
      <div className="actions">
        <button type="button" className="btn primary" onClick={onDone} data-testid="finish" autoFocus>
          Start using FaceVault
        </button>
      </div>
    </div>
  );
}
