/**
 * Guided enrolment: the preview inside a progress ring, main's face box and landmarks over it, one
 * plain-language instruction at a time, and the number of views captured. Starts the enrolment when the
 * camera streams and the models are ready; a camera that cannot start is shown with what to do (the flow
 * never starts silently on nothing). A refused enrolment (main saw no live continuous scene of one person:
 * a photo, a screen, a recording, another person stepping in, another camera) is said in plain words with a
 * "Try again" that starts a fresh capture; nothing from the refused one was kept.
 */
import { useEffect, useRef, useState } from 'react';
import type { ErrorInfo } from '../../../shared/result.ts';
import { CameraView } from '../camera/camera-view.tsx';
import { cameraProblem } from '../camera/camera-state.ts';
import { explain } from '../errors/error-text.ts';
import { Banner, Pill, ProgressRing } from '../ui/components.tsx';
import { GUIDANCE } from '../ui/guidance.ts';
import type { ScreenProps } from './common.ts';
import { usePreview } from './use-preview.ts';

export function EnrolView({
  api,
  model,
  camera,
  setPreviewWanted,
  onEnrolled,
}: ScreenProps & { onEnrolled: () => void }) {
  usePreview(setPreviewWanted);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [tries, setTries] = useState(0);
  const startedFor = useRef(-1);
  const streaming = camera.state.kind === 'streaming';
  const ready = model.status?.models === 'ready';
  const { flow, feedback } = model;

  const { flowCall } = model;
  useEffect(() => {
    if (!streaming || !ready || startedFor.current === tries) return;
    startedFor.current = tries;
    void flowCall(() => api.startEnrolment()).then(setError);
  }, [streaming, ready, tries, api, flowCall]);

  // Leaving the step mid-way stops the enrolment (nothing half-done is kept).
  useEffect(() => () => void api.cancel(), [api]);

  // Only an enrolment this view started counts (the flow may still say 'enrolled' from an earlier one).
  const [sawEnrolling, setSawEnrolling] = useState(false);
  if (flow.kind === 'enrolling' && !sawEnrolling) setSawEnrolling(true);
  useEffect(() => {
    if (flow.kind === 'enrolled' && sawEnrolling) onEnrolled();
  }, [flow.kind, sawEnrolling, onEnrolled]);

  const progress =
    flow.kind === 'enrolling'
      ? flow.captured / Math.max(1, flow.needed)
      : flow.kind === 'enrolled' && sawEnrolling
        ? 1
        : 0;
  const refused = flow.kind === 'enrol-refused' && sawEnrolling ? flow.code : null;
  const g = feedback.guidance && !refused ? GUIDANCE[feedback.guidance] : null;
  const instruction =
    flow.kind === 'enrolling' && flow.captured > 0 && feedback.guidance === 'ok'
      ? {
          text: 'Good. Now turn your head slowly a little to one side, then the other.',
          tone: 'good' as const,
        }
      : g;
  return (
    <div className="enrol" data-testid="enrol-view">
      <ProgressRing value={progress} size={300} label="Face captured">
        <CameraView
          stream={camera.stream}
          state={camera.state}
          overlay={feedback.overlay}
          tone={instruction?.tone ?? 'neutral'}
          round
          onRetry={camera.retry}
        />
      </ProgressRing>
      <div className="enrol-side">
        <p className="count" data-testid="enrol-count">
          {flow.kind === 'enrolling'
            ? `${flow.captured} of ${flow.needed} views captured`
            : flow.kind === 'enrolled'
              ? 'All views captured'
              : refused
                ? 'Setup stopped'
                : streaming
                  ? 'Getting ready…'
                  : ' '}
        </p>
        <div aria-live="polite" data-testid="guidance">
          {streaming && instruction && (
            <Pill tone={instruction.tone} testId="guidance-pill">
              {instruction.text}
            </Pill>
          )}
        </div>
        <ul className="tips muted small">
          <li>Face a window or a lamp; avoid a bright light behind you.</li>
          <li>Take off sunglasses; everyday glasses are fine.</li>
          <li>Move your head slowly a little left, right, up and down.</li>
        </ul>
        {cameraProblem(camera.state) && (
          <p className="muted">
            Face unlock needs a working camera. Fix the camera above, and setup continues by itself.
          </p>
        )}
        {refused && (
          <Banner
            testId="enrol-refused"
            message={explain({ code: refused, message: '' })}
            onRetry={() => {
              setSawEnrolling(false);
              setTries((n) => n + 1);
            }}
          />
        )}
        {error && (
          <Banner message={explain(error)} detail={error.message} onRetry={() => setTries((n) => n + 1)} />
        )}
      </div>
    </div>
  );
}
