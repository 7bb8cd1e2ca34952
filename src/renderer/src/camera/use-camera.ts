/**
 * React hook owning the app's one camera stream: device list, start/stop, and the state machine of
 * camera-state.ts (including a device lost mid-stream, seen as the track's `ended` event). The camera runs
 * only while `wanted` is true (a screen shows the preview or an attempt needs frames) and is released at
 * once otherwise. Frames are read from a detached <video> the hook owns, so previews on any screen just
 * show the same stream.
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
  readonly stream: MediaStream | null;
  /** The hook's own playing <video> (not in the document): what the frame pump reads. */
  readonly source: HTMLVideoElement;
  readonly select: (deviceId: string) => void;
  readonly retry: () => void;
}

const PREFERRED_KEY = 'facevault.camera';

export function useCamera(wanted: boolean, onDeviceChanged?: () => void): UseCamera {
  const [source] = useState(() => {
    const v = document.createElement('video');
    v.muted = true;
    v.playsInline = true;
    return v;
  });
  const streamRef = useRef<MediaStream | null>(null);
  const [stream, setStream] = useState<MediaStream | null>(null);
  const [state, setState] = useState<CameraState>({ kind: 'idle' });
  const [devices, setDevices] = useState<readonly CameraDevice[]>([]);
  // What was asked for (the remembered or chosen camera; null = any) and what is streaming are kept apart, and
  // the stream restarts only on `generation` (a real change of camera) or `attempt` (Retry): learning the actual
  // device after a start, or choosing the camera that is already streaming, does not restart the camera.
  const requestedRef = useRef<string | null>(localStorage.getItem(PREFERRED_KEY));
  const [requested, setRequested] = useState<string | null>(requestedRef.current);
  const [active, setActive] = useState<string | null>(null);
  const activeRef = useRef<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const [attempt, setAttempt] = useState(0);
  const changed = useRef(onDeviceChanged);
  changed.current = onDeviceChanged;

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
    source.srcObject = null;
    setStream(null);
  }, [source]);

  useEffect(() => {
    if (!wanted) {
      stop();
      setState({ kind: 'idle' });
      return;
    }
    let live = true;
    const deviceId = requestedRef.current;
    const start = async () => {
      setState({ kind: 'starting' });
      if (!navigator.mediaDevices?.getUserMedia) {
        setState({ kind: 'no-camera' });
        return;
      }
      const video = (exact: string | null): MediaTrackConstraints => ({
        ...(exact ? { deviceId: { exact } } : {}),
        width: { ideal: FRAME_TARGET_WIDTH },
        height: { ideal: FRAME_TARGET_HEIGHT },
        frameRate: { ideal: FRAME_MAX_FPS },
      });
      try {
        let s: MediaStream;
        try {
          s = await navigator.mediaDevices.getUserMedia({ audio: false, video: video(deviceId) });
        } catch (e) {
          // The remembered camera is gone: fall back to any camera rather than failing.
          if (
            !deviceId ||
            !(e instanceof DOMException) ||
            (e.name !== 'OverconstrainedError' && e.name !== 'NotFoundError')
          )
            throw e;
          s = await navigator.mediaDevices.getUserMedia({ audio: false, video: video(null) });
        }
        if (!live) {
          s.getTracks().forEach((t) => t.stop());
          return;
        }
        const track = s.getVideoTracks()[0];
        if (!track) {
          s.getTracks().forEach((t) => t.stop());
          setState({ kind: 'no-camera' });
          return;
        }
        streamRef.current = s;
        track.onended = () => {
          streamRef.current = null;
          setStream(null);
          setState({ kind: 'lost' });
        };
        source.srcObject = s;
        await source.play();
        if (!live) return;
        const settings = track.getSettings();
        activeRef.current = settings.deviceId ?? null;
        setActive(activeRef.current);
        setStream(s);
        setState({
          kind: 'streaming',
          label: track.label,
          width: settings.width ?? 0,
          height: settings.height ?? 0,
        });
        await refreshDevices();
      } catch (e) {
        if (!live) return;
        stop();
        setState(stateFromError(e));
      }
    };
    void start();
    return () => {
      live = false;
      stop();
    };
  }, [wanted, generation, attempt, source, stop, refreshDevices]);

  useEffect(() => {
    const md = navigator.mediaDevices;
    const onChange = () => void refreshDevices();
    md?.addEventListener('devicechange', onChange);
    return () => md?.removeEventListener('devicechange', onChange);
  }, [refreshDevices]);

  const select = useCallback((id: string) => {
    localStorage.setItem(PREFERRED_KEY, id);
    const wasRequested = requestedRef.current;
    requestedRef.current = id;
    setRequested(id);
    // The camera that is already streaming: nothing to restart (or cancel).
    if (id === activeRef.current && streamRef.current) return;
    if (id === wasRequested && !streamRef.current) return; // no change; it starts on it when wanted
    changed.current?.(); // a camera change cancels any running attempt
    setGeneration((n) => n + 1);
  }, []);
  const retry = useCallback(() => setAttempt((n) => n + 1), []);

  return { state, devices, deviceId: active ?? requested, stream, source, select, retry };
}
