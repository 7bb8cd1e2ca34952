/**
 * How getUserMedia failures map onto the camera states the UI shows (src/renderer/src/camera/camera-state.ts,
 * error names from https://w3c.github.io/mediacapture-main/#dom-mediadevices-getusermedia), and that every
 * state has its text. The hook and the frame pump themselves run in Chromium: test/e2e/camera-units.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  STATE_TEXT,
  stateFromError,
  type CameraState,
} from '../../../src/renderer/src/camera/camera-state.ts';

describe('camera states', () => {
  it.each([
    ['NotAllowedError', 'denied'],
    ['SecurityError', 'denied'],
    ['PermissionDeniedError', 'denied'],
    ['NotFoundError', 'no-camera'],
    ['OverconstrainedError', 'no-camera'],
    ['DevicesNotFoundError', 'no-camera'],
    ['NotReadableError', 'busy'],
    ['TrackStartError', 'busy'],
    ['AbortError', 'busy'],
  ])('%s → %s (DOMException and Error alike)', (name, kind) => {
    expect(stateFromError(new DOMException('x', name)).kind).toBe(kind);
    const e = new Error('x');
    e.name = name;
    expect(stateFromError(e).kind).toBe(kind);
  });

  it('anything else is an error naming what happened, without leaking a message', () => {
    expect(stateFromError(new DOMException('secret detail', 'TypeError'))).toEqual({
      kind: 'error',
      message: 'TypeError',
    });
    expect(stateFromError('a string')).toEqual({ kind: 'error', message: 'camera failed to start' });
    expect(stateFromError(null)).toEqual({ kind: 'error', message: 'camera failed to start' });
  });

  it('every state has user-facing text', () => {
    const kinds: Array<CameraState['kind']> = [
      'idle',
      'starting',
      'streaming',
      'no-camera',
      'denied',
      'busy',
      'lost',
      'error',
    ];
    for (const k of kinds) expect(STATE_TEXT[k].length).toBeGreaterThan(5);
  });
});
