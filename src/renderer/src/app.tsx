import { useCallback, useEffect, useState } from 'react';
import type { AppStatus, AuthFlowState, FrameFeedback } from '../../shared/ipc-contract.ts';
import { AuthPanel } from './auth/auth-panel.tsx';
import { getBridge } from './bridge.ts';
import { CameraCapture } from './camera/camera-capture.tsx';

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
      // Models load in the background after start-up; keep asking until they settle.
      if (r.value.models === 'loading' || r.value.models === 'not-loaded') timer = setTimeout(() => void poll(), 1000);
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
          {status ? `v${status.appVersion} · models: ${status.models} · key store: ${status.keyStore}` : '…'}
        </p>
      </header>
      {problem && (
        <p className="problem" role="alert">
          {problem}
        </p>
      )}
      {bridge && <AuthPanel bridge={bridge} flow={flow} modelsReady={status?.models === 'ready'} />}
      {bridge && <CameraCapture bridge={bridge} onFeedback={onFeedback} />}
    </main>
  );
}
