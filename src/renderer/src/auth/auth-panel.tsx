/**
 * Face unlock controls: set up (enrol), try an unlock, delete the enrolment. Main runs the flow on the
 * camera frames; this panel only starts/cancels it and shows the coarse state main reports: progress from
 * each frame's reply, and the decision from its own reply (face:await-decision), which also triggers the
 * re-read of the enrolment.
 */
import { useCallback, useEffect, useState } from 'react';
import type { AuthFlowState, EnrolmentStatus, FaceVaultBridge } from '../../../shared/ipc-contract.ts';

const FLOW_TEXT = (f: AuthFlowState): string => {
  switch (f.kind) {
    case 'idle':
      return '';
    case 'enrolling':
      return `Setting up face unlock: ${f.captured} of ${f.needed} views captured. Turn your head a little between them.`;
    case 'enrolled':
      return 'Face unlock is set up.';
    case 'unlocking':
      return 'Looking for you…';
    case 'accepted':
      return 'Unlocked.';
    case 'rejected':
      return `Not recognised. ${f.remainingAttempts} attempt${f.remainingAttempts === 1 ? '' : 's'} left.`;
    case 'locked-out':
      return 'Too many failed attempts: face unlock is locked. Use your recovery passphrase.';
  }
};

export function AuthPanel({
  bridge,
  flow,
  modelsReady,
}: {
  bridge: FaceVaultBridge;
  flow: AuthFlowState;
  modelsReady: boolean;
}) {
  const [enrolment, setEnrolment] = useState<EnrolmentStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  /** The last decision main answered on face:await-decision (null while a flow runs or before any). */
  const [decision, setDecision] = useState<AuthFlowState | null>(null);

  const refresh = useCallback(async () => {
    const r = await bridge.getEnrolment();
    if (r.ok) setEnrolment(r.value);
    else setError(`${r.error.code}: ${r.error.message}`);
  }, [bridge]);

  useEffect(() => {
    if (!modelsReady) return;
    let live = true;
    void bridge.getEnrolment().then((r) => {
      if (!live) return;
      if (r.ok) setEnrolment(r.value);
      else setError(`${r.error.code}: ${r.error.message}`);
    });
    return () => {
      live = false;
    };
  }, [modelsReady, bridge]);

  const run =
    (call: () => Promise<{ ok: true } | { ok: false; error: { code: string; message: string } }>) =>
    async () => {
      setError(null);
      const r = await call();
      if (!r.ok) setError(`${r.error.code}: ${r.error.message}`);
      await refresh();
    };

  /** Starts a flow, then waits for its decision on its own reply (asking again if main answers "still running"). */
  const start =
    (
      call: () => Promise<
        { ok: true; value: AuthFlowState } | { ok: false; error: { code: string; message: string } }
      >,
    ) =>
    async () => {
      setError(null);
      setDecision(null);
      const r = await call();
      if (!r.ok) {
        setError(`${r.error.code}: ${r.error.message}`);
        await refresh();
        return;
      }
      for (;;) {
        const d = await bridge.awaitDecision();
        if (!d.ok) {
          setError(`${d.error.code}: ${d.error.message}`);
          break;
        }
        if (d.value.kind !== 'enrolling' && d.value.kind !== 'unlocking') {
          setDecision(d.value);
          break;
        }
      }
      await refresh();
    };

  if (!modelsReady) return null;
  const busy = flow.kind === 'enrolling' || flow.kind === 'unlocking';
  // Progress comes with the frames; the outcome is the decision main answered (the frames' last state
  // until that answer arrives, so nothing flickers).
  const shown = busy || decision === null ? flow : decision;
  return (
    <section className="auth" data-testid="auth" data-flow={shown.kind}>
      <h2>Face unlock</h2>
      <p data-testid="auth-enrolment">
        {enrolment === null
          ? '…'
          : enrolment.lockedOut
            ? 'Locked after too many failed attempts.'
            : enrolment.enrolled
              ? `Set up. ${enrolment.remainingAttempts} attempts before lock-out.`
              : 'Not set up yet.'}
      </p>
      <div className="auth-actions">
        {!busy && (
          <button type="button" onClick={() => void start(() => bridge.startEnrolment())()}>
            {enrolment?.enrolled ? 'Set up again' : 'Set up face unlock'}
          </button>
        )}
        {!busy && enrolment?.enrolled && !enrolment.lockedOut && (
          <button type="button" onClick={() => void start(() => bridge.startUnlock())()}>
            Unlock with my face
          </button>
        )}
        {busy && (
          <button type="button" onClick={() => void run(() => bridge.cancel())()}>
            Cancel
          </button>
        )}
        {!busy && enrolment?.enrolled && (
          <button type="button" onClick={() => void run(() => bridge.deleteEnrolment())()}>
            Delete my face data
          </button>
        )}
      </div>
      <p className="auth-flow" role="status" data-testid="auth-flow">
        {FLOW_TEXT(shown)}
      </p>
      {error && (
        <p className="problem" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
