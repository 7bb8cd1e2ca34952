/**
 * The FaceVault window: onboarding on first run, the lock screen at start and whenever the app locks
 * (shortcut, idle, OS session locked or suspended), and once unlocked the app shell (Home, Locked files,
 * Settings). Owns the one camera (running only while a screen or a background desktop check needs it) and
 * the frame pump. Unlocked means main holds the vault key (VaultStatus.unlocked); see ipc/api.ts for builds
 * whose main has no vault yet.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { FRAME_TARGET_HEIGHT, FRAME_TARGET_WIDTH } from '../../shared/frame-limits.ts';
import type { AppIntegrity } from '../../shared/ipc-contract.ts';
import { getBridge } from './bridge.ts';
import { startFramePump } from './camera/frame-pump.ts';
import { useCamera } from './camera/use-camera.ts';
import { codeOfProblem, ERROR_TEXT, explain } from './errors/error-text.ts';
import { createApi, type Api } from './ipc/api.ts';
import { Home } from './screens/home.tsx';
import { LockScreen } from './screens/lock-screen.tsx';
import { LockedFiles } from './screens/locked-files.tsx';
import { Onboarding } from './screens/onboarding.tsx';
import { ReEnrol } from './screens/re-enrol.tsx';
import { Settings } from './screens/settings.tsx';
import { useAppModel } from './state/use-app-model.ts';
import { Banner, Icon } from './ui/components.tsx';

export type Route = 'home' | 'files' | 'settings' | 'reenrol';
/** Without a settings service: lock after this many idle minutes. */
const DEFAULT_IDLE_MINUTES = 5;

export function App() {
  const bridge = getBridge();
  const api = useMemo(() => (bridge ? createApi(bridge) : null), [bridge]);
  if (!api) {
    return (
      <main className="fatal">
        <h1 className="sr-only">FaceVault</h1>
        <Banner message={ERROR_TEXT.IPC_UNTRUSTED_SENDER} />
      </main>
    );
  }
  return <Shell api={api} />;
}

function IntegrityNotice({ integrity }: { integrity: AppIntegrity }) {
  if (integrity.state === 'tampered')
    return (
      <Banner
        message={ERROR_TEXT.APP_INTEGRITY}
        detail={integrity.problem}
        testId="integrity-banner"
        state="tampered"
      />
    );
  if (integrity.state === 'unsealed')
    return (
      <p className="dev-note" data-testid="integrity-banner" data-state="unsealed">
        Development build: {integrity.problem ?? 'app files are not sealed.'}
      </p>
    );
  return null;
}

function Shell({ api }: { api: Api }) {
  const m = useAppModel(api);
  const [route, setRoute] = useState<Route>('home');
  const [onboarding, setOnboarding] = useState<boolean | null>(null);
  const [localUnlocked, setLocalUnlocked] = useState(false);
  const [previewWanted, setPreviewWanted] = useState(false);
  const unlocked = api.vault ? m.vault?.unlocked === true : localUnlocked;
  const modelsError = m.status?.models === 'error';
  // A host whose models never start (stay 'not-loaded'): after a moment, stop waiting on the splash; the
  // first steps of setup do not need them, and the screens say the models are not loaded.
  const [gaveUpWaiting, setGaveUpWaiting] = useState(false);
  const notLoaded = m.status?.models === 'not-loaded';
  useEffect(() => {
    if (!notLoaded) return;
    const t = setTimeout(() => setGaveUpWaiting(true), 3000);
    return () => clearTimeout(t);
  }, [notLoaded]);

  // First run: nothing enrolled and no vault yet. Decided once (while rendering, as soon as it is known),
  // so finishing the steps is not cut short by the enrolment that happens during them.
  if (onboarding === null && (!api.vault || m.vaultChecked)) {
    // A vault already set up means this is not the first run (even if the face data was deleted).
    if (m.vault?.setUp) setOnboarding(false);
    else if (m.enrolment && (!api.vault || m.vault)) setOnboarding(!m.enrolment.enrolled && !m.vault?.setUp);
    else if ((modelsError || m.enrolmentError || (notLoaded && gaveUpWaiting)) && m.enrolment === null)
      setOnboarding(true);
  }

  const lock = useCallback(async () => {
    await m.flowCall(() => api.cancel());
    if (api.vault) {
      const r = await api.queue.run(() => api.vault!.lockVault()); // api.vault checked just above
      if (r.ok) m.setVault(r.value);
    }
    setLocalUnlocked(false);
    setRoute('home');
  }, [api, m]);

  // A face match: main released the vault key (refresh), or, without a vault service, the accepted state.
  const [seenFlow, setSeenFlow] = useState(m.flow.kind);
  if (seenFlow !== m.flow.kind) {
    setSeenFlow(m.flow.kind);
    if (m.flow.kind === 'accepted' && !api.vault) setLocalUnlocked(true);
  }
  const { refreshVault } = m;
  useEffect(() => {
    if (m.flow.kind === 'accepted' && api.vault) void refreshVault();
  }, [m.flow.kind, api.vault, refreshVault]);

  // Lock shortcut: Ctrl+L (⌘L on macOS).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'l' && unlocked) {
        e.preventDefault();
        void lock();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [lock, unlocked]);

  // Idle lock.
  const idleMinutes = m.settings?.idleLockMinutes ?? DEFAULT_IDLE_MINUTES;
  useEffect(() => {
    if (!unlocked || idleMinutes <= 0) return;
    let timer = setTimeout(() => void lock(), idleMinutes * 60_000);
    const reset = () => {
      clearTimeout(timer);
      timer = setTimeout(() => void lock(), idleMinutes * 60_000);
    };
    const events = ['pointermove', 'pointerdown', 'keydown', 'wheel'] as const;
    for (const e of events) window.addEventListener(e, reset, { passive: true });
    return () => {
      clearTimeout(timer);
      for (const e of events) window.removeEventListener(e, reset);
    };
  }, [unlocked, idleMinutes, lock]);

  // The OS session locked (screen lock, suspend): the app locks too.
  const wasSessionLocked = useRef(false);
  useEffect(() => {
    const now = m.desktop?.sessionLocked === true;
    if (now && !wasSessionLocked.current && unlocked) void lock();
    wasSessionLocked.current = now;
  }, [m.desktop?.sessionLocked, unlocked, lock]);

  const screen: 'onboarding' | 'lock' | 'app' | 'starting' =
    onboarding === null
      ? m.status === null
        ? 'starting'
        : 'starting'
      : onboarding
        ? 'onboarding'
        : unlocked
          ? 'app'
          : 'lock';
  const attemptRunning = m.flow.kind === 'enrolling' || m.flow.kind === 'unlocking';
  const cameraWanted =
    (screen === 'onboarding' && previewWanted) ||
    (screen === 'lock' && previewWanted) ||
    (screen === 'app' && (route === 'reenrol' || previewWanted)) ||
    m.desktop?.verifying === true ||
    attemptRunning;
  const onDeviceChanged = useCallback(() => {
    // A camera change cancels any running attempt: its frames must all come from one camera.
    if (attemptRunning) void m.flowCall(() => api.cancel());
  }, [api, attemptRunning, m]);
  const camera = useCamera(cameraWanted, onDeviceChanged);
  const streaming = camera.state.kind === 'streaming';

  // Frames flow whenever the camera is on: main answers 'models-not-ready' until the models are loaded.
  useEffect(() => {
    if (!streaming) return;
    return startFramePump({
      video: camera.source,
      bridge: api.bridge,
      width: FRAME_TARGET_WIDTH,
      height: FRAME_TARGET_HEIGHT,
      onReply: m.onFrame,
    });
  }, [streaming, camera.source, api.bridge, m.onFrame]);

  const problem = m.status?.problem ?? null;
  // A damaged install is shown once, by the integrity banner, not again as a model problem.
  const modelMessage =
    modelsError &&
    !(m.status?.appIntegrity.state === 'tampered' && codeOfProblem(problem) === 'APP_INTEGRITY')
      ? explain({ code: codeOfProblem(problem) ?? 'MODEL_LOAD_FAILED', message: '' })
      : null;
  const common = { api, model: m, camera, setPreviewWanted };

  return (
    <div
      className="app"
      data-screen={screen}
      data-testid="app"
      data-flow={m.flow.kind}
      data-integrity={m.status?.appIntegrity.state ?? 'unknown'}
      data-frames={m.feedback.frameNumber}
    >
      {m.status && <IntegrityNotice integrity={m.status.appIntegrity} />}
      {screen === 'starting' && (
        <main className="splash" aria-busy="true" data-testid="screen-starting">
          <div className="brand-mark large">
            <Icon name="face" size={40} />
          </div>
          <h1 className="splash-title">Starting FaceVault…</h1>
          {m.statusError && <Banner message={explain(m.statusError)} />}
        </main>
      )}
      {screen === 'onboarding' && (
        <Onboarding
          {...common}
          modelMessage={modelMessage}
          modelProblem={problem}
          onDone={() => {
            setOnboarding(false);
            if (!api.vault) setLocalUnlocked(true); // just enrolled in front of the camera
            setRoute('home');
          }}
        />
      )}
      {screen === 'lock' && <LockScreen {...common} modelMessage={modelMessage} modelProblem={problem} />}
      {screen === 'app' && (
        <div className="shell">
          <nav className="sidebar" aria-label="FaceVault">
            <div className="brand">
              <div className="brand-mark">
                <Icon name="face" />
              </div>
              <span>FaceVault</span>
            </div>
            {(
              [
                ['home', 'Home', 'home'],
                ['files', 'Locked files', 'files'],
                ['settings', 'Settings', 'settings'],
              ] as const
            ).map(([r, label, icon]) => (
              <button
                key={r}
                type="button"
                className="nav-item"
                aria-current={route === r || (r === 'settings' && route === 'reenrol') ? 'page' : undefined}
                onClick={() => setRoute(r)}
                data-testid={`nav-${r}`}
              >
                <Icon name={icon} />
                {label}
              </button>
            ))}
            <div className="sidebar-foot">
              <button
                type="button"
                className="btn secondary block"
                onClick={() => void lock()}
                data-testid="lock-app"
                title="Lock FaceVault (Ctrl+L)"
              >
                <Icon name="lock" /> Lock
              </button>
              <p className="muted small">Ctrl+L locks · v{m.status?.appVersion}</p>
            </div>
          </nav>
          <main className="content" id="content">
            {modelMessage && <Banner message={modelMessage} detail={problem} testId="model-banner" />}
            {route === 'home' && <Home {...common} go={setRoute} />}
            {route === 'files' && <LockedFiles bridge={api.bridge} />}
            {route === 'settings' && <Settings {...common} go={setRoute} />}
            {route === 'reenrol' && <ReEnrol {...common} onDone={() => setRoute('settings')} />}
          </main>
        </div>
      )}
    </div>
  );
}
