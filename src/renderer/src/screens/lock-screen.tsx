/**
 * The full-window lock. Looks for the owner as soon as the camera streams (one attempt; another only when
 * asked, so nobody burns attempts by sitting there), shows each state plainly — looking, challenge,
 * success, not recognised with the attempts left, timed out, locked out with the passphrase retry
 * countdown — and always offers the recovery passphrase. Unlock means main released the vault key.
 */
import { useEffect, useId, useRef, useState } from 'react';
import type { FrameGuidance } from '../../../shared/ipc-contract.ts';
import type { ErrorInfo } from '../../../shared/result.ts';
import { CameraView } from '../camera/camera-view.tsx';
import { cameraProblem } from '../camera/camera-state.ts';
import { CliRequestPrompt, useCliRequests } from '../files/cli-request-prompt.tsx';
import { explain, type PersonMessage } from '../errors/error-text.ts';
import { Banner, Icon, Pill, ProgressRing } from '../ui/components.tsx';
import { challengeOf, CHALLENGE_TEXT, GUIDANCE, REJECT_TEXT, type Tone } from '../ui/guidance.ts';
import type { ScreenProps } from './common.ts';
import { usePreview } from './use-preview.ts';

/** Guidance that asks for something else than a challenge does (hold still, face the camera, turn slightly). */
const CONTRADICTS_CHALLENGE: ReadonlySet<FrameGuidance> = new Set<FrameGuidance>([
  'ok',
  'hold-still',
  'face-the-camera',
  'turn-head-slightly',
]);

function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

export function LockScreen(
  p: ScreenProps & { modelMessage: PersonMessage | null; modelProblem: string | null },
) {
  const { api, model, camera, setPreviewWanted, modelMessage, modelProblem } = p;
  const [chosenMode, setMode] = useState<'face' | 'passphrase'>('face');
  // Back from the passphrase form, focus returns to the button that opened it (not to the page's top).
  const backToFace = useRef(false);
  const usePassphraseRef = useRef<HTMLButtonElement | null>(null);
  useEffect(() => {
    if (chosenMode === 'face' && backToFace.current) {
      backToFace.current = false;
      usePassphraseRef.current?.focus();
    }
  }, [chosenMode]);
  const lockedOut =
    model.flow.kind === 'locked-out' ||
    model.enrolment?.lockedOut === true ||
    model.vault?.lockedOut === true;
  const mode = lockedOut ? 'passphrase' : chosenMode;
  const faceUsable = !modelMessage && model.enrolment?.enrolled === true && !lockedOut;
  usePreview(setPreviewWanted, mode === 'face' && faceUsable);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const started = useRef(false);
  const streaming = camera.state.kind === 'streaming';
  const now = useNow(1000);
  const { flow, feedback } = model;

  const tryFace = () => {
    setError(null);
    void model.flowCall(() => api.startUnlock()).then(setError);
  };

  // One attempt as soon as the camera shows a picture — unless the background desktop check is already
  // looking (its match unlocks this window too; a second attempt would only cancel it).
  const backgroundCheck = model.desktop?.verifying === true;
  useEffect(() => {
    if (!faceUsable || !streaming || started.current || mode !== 'face' || backgroundCheck) return;
    started.current = true;
    tryFace();
    // tryFace only closes over stable values
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [faceUsable, streaming, mode, backgroundCheck]);

  // `facevault unlock` waiting for the vault: say what asked, let the person answer (cli-request-prompt.tsx).
  const cliRequests = useCliRequests(api.bridge, true);
  const [cliDenied, setCliDenied] = useState<readonly string[]>([]);
  const shownRequests = cliRequests.filter((r) => !cliDenied.includes(r.id));
  const attemptRunning = flow.kind === 'unlocking';

  const challenge = challengeOf(flow);
  let title: string;
  let tone: Tone = 'neutral';
  let state: string = flow.kind;
  if (modelMessage) {
    title = 'Face unlock is unavailable';
    state = 'unavailable';
  } else if (lockedOut) {
    title = 'Face unlock is locked';
    tone = 'bad';
    state = 'locked-out';
  } else if (challenge) {
    title = CHALLENGE_TEXT[challenge];
    state = 'challenge';
  } else if (flow.kind === 'unlocking') title = 'Looking for you…';
  else if (flow.kind === 'accepted') {
    title = 'Welcome back';
    tone = 'good';
  } else if (flow.kind === 'rejected') {
    title = 'Not recognised';
    tone = 'bad';
  } else if (flow.kind === 'timed-out') {
    title = 'I couldn’t see you clearly';
    tone = 'warn';
  } else if (cameraProblem(camera.state)) {
    title = 'The camera is not available';
    tone = 'warn';
    state = 'camera';
  } else if (model.enrolment && !model.enrolment.enrolled) {
    title = 'Face unlock is not set up';
    state = 'not-enrolled';
  } else title = 'Locked';

  // During a challenge the prompt is the instruction: only a problem to fix (no face, too dark, …) is added;
  // "Got you. Hold still." or "Look straight at the camera" would contradict "Turn your head…".
  const g =
    feedback.guidance &&
    (flow.kind === 'unlocking' ||
      (flow.kind === 'challenge' && !CONTRADICTS_CHALLENGE.has(feedback.guidance)))
      ? GUIDANCE[feedback.guidance]
      : null;
  const retryAt = model.vault?.passphraseRetryAt ?? null;
  const wait = retryAt && retryAt > now ? Math.ceil((retryAt - now) / 1000) : 0;

  return (
    <main className="lock" data-testid="screen-lock" data-state={state}>
      <header className="lock-clock" aria-hidden="true">
        <div className="time">
          {new Date(now).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}
        </div>
        <div className="date">
          {new Date(now).toLocaleDateString([], { weekday: 'long', month: 'long', day: 'numeric' })}
        </div>
      </header>
      <section className="lock-center" aria-labelledby="lock-title">
        <CliRequestPrompt
          bridge={api.bridge}
          requests={shownRequests}
          now={now}
          faceUsable={faceUsable}
          mode={mode}
          onFace={() => {
            setMode('face');
            if (streaming && !attemptRunning && !backgroundCheck) tryFace();
          }}
          onPassphrase={() => setMode('passphrase')}
          onDenied={() => setCliDenied((d) => [...d, ...(shownRequests[0] ? [shownRequests[0].id] : [])])}
        />
        {mode === 'face' && faceUsable ? (
          <ProgressRing value={flow.kind === 'accepted' ? 1 : 0} size={240} label="Face unlock">
            <div
              className={`lock-ring ${flow.kind === 'unlocking' || flow.kind === 'challenge' ? 'scanning' : ''}`}
              data-tone={tone}
            >
              <CameraView
                stream={camera.stream}
                state={camera.state}
                overlay={feedback.overlay}
                tone={tone}
                round
                onRetry={camera.retry}
              />
            </div>
          </ProgressRing>
        ) : (
          <div className="lock-badge" data-tone={tone}>
            <Icon name={lockedOut ? 'lock' : 'key'} size={56} />
          </div>
        )}
        <h1 id="lock-title" data-testid="lock-title" aria-live="polite">
          {title}
        </h1>
        <div className="lock-detail" aria-live="polite" data-testid="lock-detail">
          {flow.kind === 'challenge' && (
            <p data-testid="lock-challenge-step">
              Step {flow.step} of {flow.steps} · {Math.max(0, Math.ceil(flow.remainingMs / 1000))} s left
            </p>
          )}
          {flow.kind === 'rejected' && flow.reason && (
            <p data-testid="lock-reject-reason">{REJECT_TEXT[flow.reason]}</p>
          )}
          {flow.kind === 'rejected' && !lockedOut && (
            <p>
              {flow.remainingAttempts} {flow.remainingAttempts === 1 ? 'try' : 'tries'} left before face
              unlock locks.
            </p>
          )}
          {flow.kind === 'timed-out' && <p>Face the camera in good light, then try again.</p>}
          {flow.kind === 'accepted' && !lockedOut && <p>Opening FaceVault…</p>}
          {lockedOut && (
            <p>After too many tries that did not match, only your recovery passphrase unlocks FaceVault.</p>
          )}
          {g && (
            <Pill tone={g.tone} testId="lock-guidance">
              {g.text}
            </Pill>
          )}
        </div>
        {modelMessage && <Banner message={modelMessage} detail={modelProblem} testId="model-banner" />}
        {error && <Banner message={explain(error)} detail={error.message} />}
        {mode === 'face' &&
          faceUsable &&
          (flow.kind === 'rejected' || flow.kind === 'timed-out' || flow.kind === 'idle') &&
          streaming &&
          !backgroundCheck && (
            <button
              type="button"
              className="btn primary"
              onClick={tryFace}
              ref={focusIfLost}
              data-testid="try-again"
            >
              Try again
            </button>
          )}
        {mode === 'face' && flow.kind === 'accepted' && !lockedOut ? null : mode === 'face' ? (
          <button
            type="button"
            className="btn link"
            onClick={() => setMode('passphrase')}
            ref={usePassphraseRef}
            data-testid="use-passphrase"
          >
            Use recovery passphrase
          </button>
        ) : (
          <PassphraseUnlock
            {...p}
            wait={wait}
            onBack={
              faceUsable
                ? () => {
                    backToFace.current = true;
                    setMode('face');
                  }
                : null
            }
          />
        )}
      </section>
    </main>
  );
}

/**
 * Focuses a control as it appears only when the focus is nowhere (its own button went away during the
 * attempt, or the page just opened): Try again then takes it, but never snatches it from where a person
 * put it (as autoFocus would when the camera comes back).
 */
function focusIfLost(el: HTMLElement | null): void {
  if (el && (document.activeElement === null || document.activeElement === document.body)) el.focus();
}

function PassphraseUnlock({
  api,
  model,
  wait,
  onBack,
}: ScreenProps & { wait: number; onBack: (() => void) | null }) {
  const [pass, setPass] = useState('');
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!api.vault || !pass || wait > 0) return;
    setBusy(true);
    const r = await api.queue.run(() => api.vault!.unlockWithPassphrase(pass)); // api.vault checked above
    setBusy(false);
    setPass('');
    if (!r.ok) return setError(r.error);
    setError(null);
    model.setVault(r.value);
    void model.refreshEnrolment();
  };
  if (!api.vault) {
    return (
      <div className="banner" data-tone="warn" role="status" data-testid="no-vault">
        <Icon name="alert" />
        <div>
          <strong>No recovery passphrase in this build.</strong>
          <p>The passphrase belongs to FaceVault’s vault service, which this version does not include yet.</p>
        </div>
        {onBack && (
          <button type="button" className="btn secondary" onClick={onBack}>
            Use my face
          </button>
        )}
      </div>
    );
  }
  return (
    <form
      className="lock-pass"
      onSubmit={(e) => void submit(e)}
      onKeyDown={(e) => {
        // Escape leaves the passphrase for the face, where the face can be used.
        if (e.key === 'Escape' && onBack) {
          e.preventDefault();
          onBack();
        }
      }}
      data-testid="passphrase-unlock"
    >
      <label htmlFor={id} className="sr-only">
        Recovery passphrase
      </label>
      <input
        id={id}
        type="password"
        autoComplete="current-password"
        placeholder="Recovery passphrase"
        value={pass}
        onChange={(e) => setPass(e.target.value)}
        autoFocus
        data-testid="unlock-passphrase"
      />
      <button
        type="submit"
        className="btn primary"
        disabled={busy || !pass || wait > 0}
        data-testid="unlock-passphrase-submit"
      >
        {wait > 0 ? `Wait ${wait}s` : busy ? 'Checking…' : 'Unlock'}
      </button>
      {error && <Banner message={explain(error)} detail={error.message} />}
      {onBack && (
        <button type="button" className="btn link" onClick={onBack}>
          Use my face instead
        </button>
      )}
    </form>
  );
}
