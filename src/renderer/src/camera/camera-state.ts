/**
 * Camera states the UI shows, and how getUserMedia / track failures map onto them
 * (https://w3c.github.io/mediacapture-main/#dom-mediadevices-getusermedia error names). Each problem says
 * what to do about it.
 */
export type CameraState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'starting' }
  | { readonly kind: 'streaming'; readonly label: string; readonly width: number; readonly height: number }
  | { readonly kind: 'no-camera' }
  | { readonly kind: 'denied' }
  | { readonly kind: 'busy' }
  | { readonly kind: 'lost' }
  | { readonly kind: 'error'; readonly message: string };

export function stateFromError(e: unknown): CameraState {
  const name = e instanceof Error || e instanceof DOMException ? e.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
    case 'PermissionDeniedError':
      return { kind: 'denied' };
    case 'NotFoundError':
    case 'OverconstrainedError':
    case 'DevicesNotFoundError':
      return { kind: 'no-camera' };
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return { kind: 'busy' };
    default:
      return { kind: 'error', message: name || 'camera failed to start' };
  }
}

export const STATE_TEXT: { readonly [K in CameraState['kind']]: string } = {
  idle: 'Camera off.',
  starting: 'Starting the camera…',
  streaming: 'Camera on.',
  'no-camera': 'No camera found. Connect a camera, then press Try again.',
  denied:
    'FaceVault is not allowed to use the camera. Allow camera access in your system’s privacy settings, then press Try again.',
  busy: 'The camera is in use by another app. Close that app, then press Try again.',
  lost: 'The camera was disconnected. Reconnect it, then press Try again.',
  error: 'The camera could not be started.',
};

export const cameraProblem = (s: CameraState): boolean =>
  ['no-camera', 'denied', 'busy', 'lost', 'error'].includes(s.kind);
