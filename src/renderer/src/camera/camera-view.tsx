/**
 * The live preview: the camera's picture (mirrored, as people expect of a selfie view), with main's coarse
 * face box and landmarks drawn over it, and clear states when there is no picture. The preview box has the
 * frame pump's 4:3 geometry (letterboxed the same way), so the overlay lines up with the face.
 */
import { useEffect, useRef } from 'react';
import type { FaceOverlay } from '../../../shared/ipc-contract.ts';
import { STATE_TEXT, type CameraState } from './camera-state.ts';

export function CameraView({
  stream,
  state,
  overlay,
  tone = 'neutral',
  round = false,
  onRetry,
  children,
}: {
  readonly stream: MediaStream | null;
  readonly state: CameraState;
  readonly overlay?: FaceOverlay | null;
  readonly tone?: 'neutral' | 'good' | 'warn' | 'bad';
  readonly round?: boolean;
  readonly onRetry?: () => void;
  readonly children?: React.ReactNode;
}) {
  const ref = useRef<HTMLVideoElement | null>(null);
  useEffect(() => {
    const v = ref.current;
    if (!v) return;
    v.srcObject = stream;
    if (stream) v.play().catch(() => {});
  }, [stream]);
  const streaming = state.kind === 'streaming' && stream !== null;
  const problem = ['no-camera', 'denied', 'busy', 'lost', 'error'].includes(state.kind);
  return (
    <div
      className={`camera-view${round ? ' round' : ''}`}
      data-tone={tone}
      data-testid="camera"
      data-state={state.kind}
    >
      <div className="camera-mirror">
        <video ref={ref} muted playsInline aria-label="Camera preview" hidden={!streaming} />
        {streaming && overlay && (
          <svg
            className="face-overlay"
            viewBox="0 0 100 75"
            preserveAspectRatio="none"
            aria-hidden="true"
            data-testid="face-overlay"
          >
            <rect
              x={overlay.box[0] * 100}
              y={overlay.box[1] * 75}
              width={overlay.box[2] * 100}
              height={overlay.box[3] * 75}
              rx="3"
              className="face-box"
            />
            {overlay.landmarks.map(([x, y], i) => (
              <circle key={i} cx={x * 100} cy={y * 75} r="0.9" className="face-point" />
            ))}
          </svg>
        )}
      </div>
      {!streaming && (
        <div
          className="camera-placeholder"
          role={problem ? 'alert' : 'status'}
          data-testid="camera-state-text"
        >
          <CameraIcon />
          <p>{state.kind === 'error' ? `${STATE_TEXT.error} (${state.message})` : STATE_TEXT[state.kind]}</p>
          {problem && onRetry && (
            <button type="button" className="btn secondary" data-testid="camera-retry" onClick={onRetry}>
              Try again
            </button>
          )}
        </div>
      )}
      {children}
    </div>
  );
}

function CameraIcon() {
  return (
    <svg
      width="40"
      height="40"
      viewBox="0 0 24 24"
      aria-hidden="true"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.6"
      strokeLinecap="round"
      strokeLinejoin="round"
    >
      <path d="M15 10l4.55-2.28A1 1 0 0 1 21 8.62v6.76a1 1 0 0 1-1.45.9L15 14" />
      <rect x="3" y="6" width="12" height="12" rx="2" />
    </svg>
  );
}
