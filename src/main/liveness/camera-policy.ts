/**
 * Camera identity checks (issue 12 §3): the device used for an attempt against the one pinned at enrolment,
 * and known virtual cameras. The renderer reports `{ deviceId, label }` of the MediaStreamTrack it captures
 * from (MediaDeviceInfo, W3C Media Capture and Streams §9.2) with every frame; main never trusts it for more
 * than it is: a label and an id a compromised renderer could forge. So these checks stop an ordinary virtual
 * camera (OBS, v4l2loopback, a "Virtual" driver) and flag a swapped device; they cannot stop an injection
 * below the camera API (docs/liveness.md).
 *
 * deviceId is origin-scoped in Chromium and stable for an origin while the device stays connected; it is
 * compared as given. The label is normalised (case, whitespace, a trailing "(vid:pid)" kept) before compare.
 */
export interface CameraInfo {
  readonly deviceId: string;
  readonly label: string;
}

/** The camera pinned at enrolment: the label plus a hash of the device id (the id itself is not stored). */
export interface PinnedCamera {
  readonly label: string;
  readonly deviceIdHash: string;
}

const VIRTUAL_PATTERNS: readonly RegExp[] = [
  /v4l2\s*loopback/i,
  /\bdummy video device\b/i,
  /\bOBS\b/i,
  /\bvirtual\b/i,
  /\bmanycam\b/i,
  /\bsnap camera\b/i,
  /\bxsplit\b/i,
  /\bsplitcam\b/i,
  /\bdroidcam\b/i,
  /\bakvcam\b/i,
  /\bfake\b/i,
];

export const CAMERA_INFO_LIMITS = { maxLabel: 256, maxDeviceId: 256 } as const;

export function normaliseLabel(label: string): string {
  return label.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
}

export function isVirtualCamera(label: string): boolean {
  return VIRTUAL_PATTERNS.some((re) => re.test(label));
}

export type CameraVerdict =
  | { readonly ok: true; readonly changed: boolean }
  | { readonly ok: false; readonly reason: 'camera-virtual' | 'camera-changed' | 'camera-unknown' };

export interface CameraCheck {
  readonly refuseVirtual: boolean;
  readonly requireInfo: boolean;
  readonly onChange: 'refuse' | 'flag';
}

/**
 * Judges one attempt's camera. `hashId` maps a deviceId to the stored form (the flow passes a keyed hash).
 * A missing pin (enrolled before pinning existed) never fails: the flow pins at the next enrolment.
 */
export function judgeCamera(
  cam: CameraInfo | undefined,
  pinned: PinnedCamera | null,
  check: CameraCheck,
  hashId: (id: string) => string,
): CameraVerdict {
  if (cam === undefined)
    return check.requireInfo ? { ok: false, reason: 'camera-unknown' } : { ok: true, changed: false };
  if (check.refuseVirtual && isVirtualCamera(cam.label)) return { ok: false, reason: 'camera-virtual' };
  if (pinned === null) return { ok: true, changed: false };
  const changed =
    hashId(cam.deviceId) !== pinned.deviceIdHash ||
    normaliseLabel(cam.label) !== normaliseLabel(pinned.label);
  if (changed && check.onChange === 'refuse') return { ok: false, reason: 'camera-changed' };
  return { ok: true, changed };
}
