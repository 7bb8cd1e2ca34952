/**
 * The page's view of main, in one place: app status, enrolment, vault and desktop-session status, and the
 * face flow. The flow state reaches the screens from every source main answers with (the replies of the
 * named calls, each camera frame's feedback), not only through camera statistics. All calls go through
 * the serialising queue (ipc/client.ts), so screens never race each other into IPC_BUSY.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type {
  AppSettings,
  AppStatus,
  AuthFlowState,
  DesktopUnlockStatus,
  EnrolmentStatus,
  FaceOverlay,
  FrameFeedback,
  FrameGuidance,
  VaultStatus,
} from '../../../shared/ipc-contract.ts';
import type { ErrorInfo, Result } from '../../../shared/result.ts';
import type { Api } from '../ipc/api.ts';

export interface Feedback {
  readonly guidance: FrameGuidance | null;
  readonly overlay: FaceOverlay | null;
  readonly frameError: ErrorInfo | null;
  /** Frames main has accepted from this window (its own count). */
  readonly frameNumber: number;
}

export interface AppModel {
  readonly status: AppStatus | null;
  readonly statusError: ErrorInfo | null;
  readonly enrolment: EnrolmentStatus | null;
  /** Why the enrolment could not be read (key store locked, models without an embedder…). */
  readonly enrolmentError: ErrorInfo | null;
  readonly vault: VaultStatus | null;
  /** The vault status was asked for at least once (answered or refused). */
  readonly vaultChecked: boolean;
  readonly desktop: DesktopUnlockStatus | null;
  /** Null without a settings service (issue 11) or before the first read. */
  readonly settings: AppSettings | null;
  readonly flow: AuthFlowState;
  readonly feedback: Feedback;
  /** Runs a flow call; its reply becomes the flow state; the error (if any) is returned for the screen. */
  readonly flowCall: (call: () => Promise<Result<AuthFlowState>>) => Promise<ErrorInfo | null>;
  readonly setFlow: (flow: AuthFlowState) => void;
  readonly onFrame: (r: Result<FrameFeedback>) => void;
  readonly refreshEnrolment: () => Promise<void>;
  readonly refreshVault: () => Promise<void>;
  readonly refreshDesktop: () => Promise<void>;
  readonly setVault: (v: VaultStatus) => void;
  readonly setDesktop: (d: DesktopUnlockStatus) => void;
  readonly setSettings: (s: AppSettings) => void;
}

const NO_FEEDBACK: Feedback = { guidance: null, overlay: null, frameError: null, frameNumber: 0 };

export function useAppModel(api: Api): AppModel {
  const [status, setStatus] = useState<AppStatus | null>(null);
  const [statusError, setStatusError] = useState<ErrorInfo | null>(null);
  const [enrolment, setEnrolment] = useState<EnrolmentStatus | null>(null);
  const [enrolmentError, setEnrolmentError] = useState<ErrorInfo | null>(null);
  const [vault, setVault] = useState<VaultStatus | null>(null);
  const [vaultChecked, setVaultChecked] = useState(false);
  const [desktop, setDesktop] = useState<DesktopUnlockStatus | null>(null);
  const [settings, setSettings] = useState<AppSettings | null>(null);
  const [flow, setFlow] = useState<AuthFlowState>({ kind: 'idle' });
  const [feedback, setFeedback] = useState<Feedback>(NO_FEEDBACK);
  const modelsReady = status?.models === 'ready';

  // App status: often while models settle, then now and then (a later integrity failure must show).
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      const r = await api.status();
      if (stopped) return;
      let settling = true;
      if (r.ok) {
        setStatus(r.value);
        setStatusError(null);
        settling =
          r.value.models === 'loading' ||
          r.value.models === 'not-loaded' ||
          r.value.appIntegrity.state === 'checking';
      } else setStatusError(r.error);
      timer = setTimeout(() => void poll(), settling ? 800 : 10_000);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [api]);

  const refreshEnrolment = useCallback(async () => {
    const r = await api.enrolment();
    if (r.ok) {
      setEnrolment(r.value);
      setEnrolmentError(null);
    } else setEnrolmentError(r.error);
  }, [api]);
  const refreshVault = useCallback(async () => {
    const r = await api.vaultStatus();
    if (r?.ok) setVault(r.value);
    setVaultChecked(true);
  }, [api]);
  const refreshDesktop = useCallback(async () => {
    const r = await api.desktopStatus();
    if (r.ok) setDesktop(r.value);
  }, [api]);

  // Settings (idle lock time, desktop unlock): once, when a settings service exists.
  useEffect(() => {
    const vault = api.vault;
    if (!vault) return;
    void api.queue.run(() => vault.getSettings(), 'settings').then((r) => r.ok && setSettings(r.value));
  }, [api]);

  // Enrolment and vault: once models are ready, and again whenever the flow reaches a new kind.
  useEffect(() => {
    if (!modelsReady) return;
    void refreshEnrolment();
    void refreshVault();
  }, [modelsReady, flow.kind, refreshEnrolment, refreshVault]);

  // The vault's unlock window closes in main (timeout, idle, suspend, OS lock): keep its status fresh so the
  // window shows the lock screen when it does.
  useEffect(() => {
    if (!api.vault) return;
    void refreshVault();
    const t = setInterval(() => void refreshVault(), 5000);
    return () => clearInterval(t);
  }, [api, refreshVault]);

  // Desktop session: its lock state locks the app too, and a background check needs the camera.
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      await refreshDesktop();
      if (!stopped) timer = setTimeout(() => void poll(), 1500);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [refreshDesktop]);

  const lastFlow = useRef(flow);
  lastFlow.current = flow;
  const setFlowIfChanged = useCallback((f: AuthFlowState) => {
    const prev = lastFlow.current;
    if (JSON.stringify(prev) !== JSON.stringify(f)) setFlow(f);
  }, []);

  // The decision of a started flow arrives as its own reply (face:await-decision), one waiter at a time;
  // a newer flow call supersedes the loop of the older one.
  const generation = useRef(0);
  const waitForDecision = useCallback(
    async (gen: number) => {
      for (;;) {
        const d = await api.awaitDecision();
        if (gen !== generation.current) return;
        if (!d.ok) {
          if (d.error.code === 'IPC_BUSY') {
            await new Promise((r) => setTimeout(r, 200));
            continue;
          }
          return;
        }
        setFlowIfChanged(d.value);
        if (d.value.kind !== 'enrolling' && d.value.kind !== 'unlocking') return;
      }
    },
    [api, setFlowIfChanged],
  );

  const flowCall = useCallback(
    async (call: () => Promise<Result<AuthFlowState>>) => {
      const gen = ++generation.current;
      const r = await call();
      if (r.ok) {
        setFlowIfChanged(r.value);
        setFeedback(NO_FEEDBACK);
        if (r.value.kind === 'enrolling' || r.value.kind === 'unlocking') void waitForDecision(gen);
        return null;
      }
      return r.error;
    },
    [setFlowIfChanged, waitForDecision],
  );

  const onFrame = useCallback<AppModel['onFrame']>(
    (r) => {
      if (r.ok) {
        setFeedback({
          guidance: r.value.guidance,
          overlay: r.value.overlay,
          frameError: null,
          frameNumber: r.value.frameNumber,
        });
        setFlowIfChanged(r.value.flow);
      } else setFeedback((f) => ({ ...f, frameError: r.error }));
    },
    [setFlowIfChanged],
  );

  return {
    status,
    statusError,
    enrolment,
    enrolmentError,
    vault,
    vaultChecked,
    desktop,
    settings,
    flow,
    feedback,
    flowCall,
    setFlow: setFlowIfChanged,
    onFrame,
    refreshEnrolment,
    refreshVault,
    refreshDesktop,
    setVault,
    setDesktop,
    setSettings,
  };
}
