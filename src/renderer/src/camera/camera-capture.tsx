/**
 * The capture component: camera choice, live preview, clear states for no camera / permission denied /
 * camera busy / camera lost, and the frame pump that streams frames to main while the camera is on.
 * Shows only the coarse guidance main returns.
 */
import { useEffect, useState } from 'react';
import { FRAME_TARGET_HEIGHT, FRAME_TARGET_WIDTH } from '../../../shared/frame-limits.ts';
import type { FaceVaultBridge, FrameFeedback, FrameGuidance } from '../../../shared/ipc-contract.ts';
import { STATE_TEXT } from './camera-state.ts';
import { startFramePump, type PumpStats } from './frame-pump.ts';
import { useCamera } from './use-camera.ts';

const GUIDANCE_TEXT: { readonly [K in FrameGuidance]: string } = {
  'models-not-ready': 'Face models are not loaded yet.',
  'no-face': 'No face in view.',
  'multiple-faces': 'Only one face, please.',
  'move-closer': 'Move closer.',
  'center-your-face': 'Centre your face in the picture.',
  'turn-head-slightly': 'Turn your head slightly.',
  'face-the-camera': 'Look straight at the camera.',
  'hold-still': 'Hold still.',
  'too-dark': 'It is too dark.',
  'too-bright': 'It is too bright.',
  ok: 'Face found.',
};

export function CameraCapture({
  bridge,
  onFeedback,
}: {
  readonly bridge: FaceVaultBridge;
  readonly onFeedback?: (f: FrameFeedback) => void;
}) {
  const { state, devices, deviceId, videoRef, start } = useCamera();
  const [stats, setStats] = useState<PumpStats | null>(null);
  const streaming = state.kind === 'streaming';

  useEffect(() => {
    void start();
    // Start once on mount; the user picks another device or retries explicitly.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    const video = videoRef.current;
    if (!streaming || !video) return;
    return startFramePump({
      video,
      bridge,
      width: FRAME_TARGET_WIDTH,
      height: FRAME_TARGET_HEIGHT,
      onStats: (s) => {
        setStats(s);
        if (s.last) onFeedback?.(s.last);
      },
    });
  }, [streaming, bridge, videoRef, onFeedback]);

  const needsRetry = ['no-camera', 'denied', 'busy', 'lost', 'error'].includes(state.kind);

  return (
    <section className="camera" data-testid="camera" data-state={state.kind}>
      <div className="camera-toolbar">
        <label>
          Camera{' '}
          <select
            data-testid="camera-select"
            value={deviceId ?? ''}
            disabled={devices.length < 2}
            onChange={(e) => void start(e.target.value || null)}
          >
            {devices.length === 0 && <option value="">(none)</option>}
            {devices.map((d) => (
              <option key={d.deviceId} value={d.deviceId}>
                {d.label}
              </option>
            ))}
          </select>
        </label>
        {needsRetry && (
          <button type="button" data-testid="camera-retry" onClick={() => void start(deviceId)}>
            Retry
          </button>
        )}
      </div>
      <video ref={videoRef} className="camera-preview" muted playsInline hidden={!streaming} />
      <p className="camera-state" role="status" data-testid="camera-state-text">
        {state.kind === 'error' ? `${STATE_TEXT.error} (${state.message})` : STATE_TEXT[state.kind]}
      </p>
      {streaming && stats && (
        <p
          className="camera-feedback"
          data-testid="camera-feedback"
          data-frames={stats.last?.frameNumber ?? 0}
        >
          {stats.lastError
            ? `Frame refused: ${stats.lastError.code}`
            : stats.last
              ? GUIDANCE_TEXT[stats.last.guidance]
              : ''}
        </p>
      )}
    </section>
  );
}
