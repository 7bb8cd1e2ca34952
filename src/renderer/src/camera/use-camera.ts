/**
 * React hook owning one camera stream: device list, start/stop, and the state machine of
 * camera-state.ts (including a device lost mid-stream, seen as the track's `ended` event).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { FRAME_MAX_FPS, FRAME_TARGET_HEIGHT, FRAME_TARGET_WIDTH } from '../../../shared/frame-limits.ts';
import { stateFromError, type CameraState } from './camera-state.ts';

export interface CameraDevice {
  readonly deviceId: string;
  readonly label: string;
}

export interface UseCamera {
  readonly state: CameraState;
  readonly devices: readonly CameraDevice[];
  readonly deviceId: string | null;
  readonly videoRef: React.RefObject<HTMLVideoElement | null>;
  readonly start: (deviceId?: string | null) => Promise<void>;
  readonly stop: () => void;
}

export function useCamera(): UseCamera {
  const videoRef = useRef<HTMLVideoElement | null>(null);
  const streamRef = useRef<MediaStream | null>(null);
  const [state, setState] = useState<CameraState>({ kind: 'idle' });
  const [devices, setDevices] = useState<readonly CameraDevice[]>([]);
  const [deviceId, setDeviceId] = useState<string | null>(null);

  const refreshDevices = useCallback(async () => {
    if (!navigator.mediaDevices?.enumerateDevices) return;
    const all = await navigator.mediaDevices.enumerateDevices();
    setDevices(
      all
        .filter((d) => d.kind === 'videoinput')
        .map((d, i) => ({ deviceId: d.deviceId, label: d.label || `Camera ${i + 1}` })),
    );
  }, []);

  const stop = useCallback(() => {
    streamRef.current?.getTracks().forEach((t) => {
      t.onended = null;
      t.stop();
    });
    streamRef.current = null;
    if (videoRef.current) videoRef.current.srcObject = null;
  }, []);

  const start = useCallback(
    async (wanted: string | null = null) => {
      stop();
      setState({ kind: 'starting' });
      if (!navigator.mediaDevices?.getUserMedia) {
        setState({ kind: 'no-camera' });
        return;
      }
      try {
        const stream = await navigator.mediaDevices.getUserMedia({
          audio: false,
          video: {
            ...(wanted ? { deviceId: { exact: wanted } } : {}),
            width: { ideal: FRAME_TARGET_WIDTH },
            height: { ideal: FRAME_TARGET_HEIGHT },
            frameRate: { ideal: FRAME_MAX_FPS },
          },
        });
        const track = stream.getVideoTracks()[0];
        if (!track) {
          stream.getTracks().forEach((t) => t.stop());
          setState({ kind: 'no-camera' });
          return;
        }
        streamRef.current = stream;
        track.onended = () => {
          streamRef.current = null;
          setState({ kind: 'lost' });
        };
        const video = videoRef.current;
        if (video) {
          video.srcObject = stream;
          await video.play();
        }
        const s = track.getSettings();
        setDeviceId(s.deviceId ?? wanted);
        setState({ kind: 'streaming', label: track.label, width: s.width ?? 0, height: s.height ?? 0 });
        await refreshDevices();
      } catch (e) {
        stop();
        setState(stateFromError(e));
      }
    },
    [refreshDevices, stop],
  );

  useEffect(() => {
    const md = navigator.mediaDevices;
    const onChange = () => void refreshDevices();
    md?.addEventListener('devicechange', onChange);
    return () => {
      md?.removeEventListener('devicechange', onChange);
      stop();
    };
  }, [refreshDevices, stop]);

  return { state, devices, deviceId, videoRef, start, stop };
}
