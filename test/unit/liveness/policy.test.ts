import { describe, expect, it } from 'vitest';
import { isVirtualCamera, judgeCamera } from '../../../src/main/liveness/camera-policy.ts';
import { parseEnrolmentRecord } from '../../../src/main/liveness/enrolment-record.ts';
import { fusePadScores } from '../../../src/main/liveness/pad-fusion.ts';
import { effectiveStrictness, LIVENESS_POLICIES } from '../../../src/main/liveness/strictness.ts';
import { hashDeviceId, pinCamera } from '../../../src/main/liveness/unlock-attempt.ts';
import { openTemplateWithRecord, sealTemplate } from '../../../src/main/auth/template-vault.ts';

const cam = { deviceId: 'abc', label: 'Integrated Camera (0bda:58f4)' };

describe('camera policy', () => {
  it('knows the common virtual cameras', () => {
    for (const l of [
      'Dummy video device (0x0000)',
      'OBS Virtual Camera',
      'v4l2loopback',
      'ManyCam Virtual Webcam',
      'Snap Camera',
      'DroidCam Source 3',
    ])
      expect(isVirtualCamera(l), l).toBe(true);
    for (const l of ['Integrated Camera (0bda:58f4)', 'Logitech BRIO', 'HD Pro Webcam C920'])
      expect(isVirtualCamera(l), l).toBe(false);
  });
  it('refuses a changed camera at balanced, flags it at convenience, refuses virtual / unknown in strict', () => {
    const pinned = pinCamera(cam);
    const other = { deviceId: 'zzz', label: 'USB Cam' };
    const b = LIVENESS_POLICIES.balanced,
      c = LIVENESS_POLICIES.convenience,
      s = LIVENESS_POLICIES.strict;
    const chk = (p: typeof b) => ({
      refuseVirtual: p.refuseVirtualCamera,
      requireInfo: p.requireCameraInfo,
      onChange: p.cameraChange,
    });
    expect(judgeCamera(cam, pinned, chk(b), hashDeviceId)).toEqual({ ok: true, changed: false });
    expect(judgeCamera(other, pinned, chk(b), hashDeviceId)).toEqual({ ok: false, reason: 'camera-changed' });
    expect(judgeCamera(other, pinned, chk(c), hashDeviceId)).toEqual({ ok: true, changed: true });
    expect(judgeCamera({ deviceId: 'v', label: 'OBS Virtual Camera' }, null, chk(s), hashDeviceId)).toEqual({
      ok: false,
      reason: 'camera-virtual',
    });
    expect(judgeCamera(undefined, pinned, chk(s), hashDeviceId)).toEqual({
      ok: false,
      reason: 'camera-unknown',
    });
    expect(judgeCamera(undefined, pinned, chk(b), hashDeviceId)).toEqual({ ok: true, changed: false });
  });
});

describe('strictness, PAD fusion, enrolment record', () => {
  it('a level below the enrolled one is a visible downgrade', () => {
    expect(effectiveStrictness('convenience', 'strict').downgradedFrom).toBe('strict');
    expect(effectiveStrictness('strict', 'balanced').downgradedFrom).toBeNull();
    expect(effectiveStrictness('balanced', null).policy.level).toBe('balanced');
  });
  it('fuses frame scores robustly (one outlier frame does not decide) and needs enough frames', () => {
    expect(fusePadScores([0.9, 0.95])).toBeUndefined();
    expect(fusePadScores([0.9, 0.92, 0.95, 0.9, 0.01])!.score).toBeGreaterThan(0.8);
    expect(fusePadScores([0.1, 0.05, 0.2, 0.1, 0.99])!.score).toBeLessThan(0.2);
  });
  it('the record travels inside the template AEAD and is parsed strictly', () => {
    const key = new Uint8Array(32).fill(7);
    const rec = { liveness: { v: 1, strictness: 'strict', camera: pinCamera(cam) } };
    const blob = sealTemplate([new Float32Array([1, 0, 0])], 'owner', key, rec);
    const back = openTemplateWithRecord(blob, 'owner', key);
    expect(back.record).toEqual(rec);
    expect(parseEnrolmentRecord(back.record!['liveness'])).toEqual(rec.liveness);
    expect(
      openTemplateWithRecord(sealTemplate([new Float32Array([1, 0])], 'owner', key), 'owner', key).record,
    ).toBeNull();
    expect(() => parseEnrolmentRecord({ v: 1, strictness: 'lax', camera: null })).toThrow(/malformed/);
    blob[blob.length - 3]! ^= 1;
    expect(() => openTemplateWithRecord(blob, 'owner', key)).toThrow();
  });
});
