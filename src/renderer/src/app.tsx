import { useCallback, useEffect, useState } from 'react';
import type { AppIntegrity, AppStatus, AuthFlowState, FrameFeedback } from '../../shared/ipc-contract.ts';
import { AuthPanel } from './auth/auth-panel.tsx';
import { getBridge } from './bridge.ts';
import { CameraCapture } from './camera/camera-capture.tsx';
import { FilesPanel } from './files/files-panel.tsx';
import { statusLine } from './status-text.ts';

/** Main re-checks the app's files every few minutes; the page asks this often after start-up settles. */
const STATUS_REFRESH_MS = 30_000;

/** The app-integrity banner: a damaged install is a hard stop, an unsealed dev build a visible note. */
function IntegrityBanner({ integrity }: { integrity: AppIntegrity }) {
  if (integrity.state === 'tampered') {
    return (
      <div className="integrity-banner" role="alert" data-testid="integrity-banner" data-state="tampered">
        <strong>FaceVault’s files are damaged.</strong> {integrity.problem ?? 'Reinstall FaceVault.'} Face
        unlock is disabled.
      </div>
    );
  }
  if (integrity.state === 'unsealed') {
    return (
      <p className="notice" data-testid="integrity-banner" data-state="unsealed">
        {integrity.problem ?? 'Unsealed development build.'}
      </p>
    );
  }
  return null;
}

export function App() {
  const bridge = getBridge();
  const [status, setStatus] = useState<AppStatus | null>(null);
  const [problem, setProblem] = useState<string | null>(bridge ? null : 'The FaceVault bridge is missing.');
  const [flow, setFlow] = useState<AuthFlowState>({ kind: 'idle' });
  const onFeedback = useCallback((f: FrameFeedback) => setFlow(f.flow), []);

  useEffect(() => {
    if (!bridge) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      const r = await bridge.getStatus();
      if (stopped) return;
      if (!r.ok) {
        setProblem(`${r.error.code}: ${r.error.message}`);
        return;
      }
      setStatus(r.value);
      setProblem(r.value.problem);
      // Models load in the background after start-up; keep asking until they settle, then now and then
      // (a later integrity failure or model unload must reach the page).
      const settling =
        r.value.models === 'loading' ||
        r.value.models === 'not-loaded' ||
        r.value.appIntegrity.state === 'checking';
      timer = setTimeout(() => void poll(), settling ? 1000 : STATUS_REFRESH_MS);
    };
    void poll();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [bridge]);

  return (
    <main className="app">
      <header>
        <h1>FaceVault</h1>
        <p className="status" data-testid="app-status">
          {status ? statusLine(status) : '…'}
        </p>
      </header>
      {status && <IntegrityBanner integrity={status.appIntegrity} />}
      {status?.signing === 'development' && (
        <p className="notice" data-testid="signing-notice" data-signing="development">
          Development signing key: the face models are signed with this checkout’s own key, so their
          protection is only as strong as this checkout. Release builds pin the vendor’s key.
        </p>
      )}
      {problem && (
        <p className="problem" role="alert">
          {problem}
        </p>
      )}
      {bridge && (
        <AuthPanel
          bridge={bridge}
          flow={flow}
          modelsReady={status?.models === 'ready' && status.appIntegrity.state !== 'tampered'}
        />
      )}
      {bridge && <FilesPanel bridge={bridge} />}
      {bridge && <CameraCapture bridge={bridge} onFeedback={onFeedback} />}
    </main>
  );
}
