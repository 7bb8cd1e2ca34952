/**
 * YuNet face detector (libfacedetection.train / OpenCV Zoo 2023mar and the dynamic-shape variants).
 * Decoding follows ../shared/models/reference/yunet/README.txt and OpenCV's FaceDetectorYN:
 * score = sqrt(clamp01(cls) * clamp01(obj)); cx = (col + b0)·s, cy = (row + b1)·s, w = exp(b2)·s,
 * h = exp(b3)·s; landmark k = ((kp[2k] + col)·s, (kp[2k+1] + row)·s); then NMS. Input BGR 0..255 by default
 * (whatever the descriptor says), letterboxed top-left.
 */
import { Letterboxer, nms, runLetterboxed, type Detection, type FaceDetector } from './detection.ts';
import { expectFamily, type ModelHandle } from './family.ts';
import type { Frame } from './frame.ts';
import { floatOutput } from './ort-io.ts';

export function createYunetDetector(handle: ModelHandle): FaceDetector {
  const { session, descriptor: d } = expectFamily(handle, 'yunet');
  const letterbox = new Letterboxer(d);
  const { strides, scoreThreshold, nmsIou, maxFaces } = d.decoding;

  return {
    async detect(frame: Frame): Promise<Detection[]> {
      const { results, geo } = await runLetterboxed(session, letterbox, frame, d.input);
      const inv = 1 / geo.scale;
      const candidates: Detection[] = [];
      for (const s of strides) {
        const cols = geo.inWidth / s;
        const n = cols * (geo.inHeight / s);
        const cls = floatOutput(results, `cls_${s}`, n);
        const obj = floatOutput(results, `obj_${s}`, n);
        const bbox = floatOutput(results, `bbox_${s}`, 4 * n);
        const kps = floatOutput(results, `kps_${s}`, 10 * n);
        for (let i = 0; i < n; i++) {
          const c = Math.min(1, Math.max(0, cls[i]!));
          const o = Math.min(1, Math.max(0, obj[i]!));
          const score = Math.sqrt(c * o);
          if (score < scoreThreshold) continue;
          const row = Math.floor(i / cols);
          const col = i - row * cols;
          const cx = (col + bbox[4 * i]!) * s;
          const cy = (row + bbox[4 * i + 1]!) * s;
          const w = Math.exp(bbox[4 * i + 2]!) * s;
          const h = Math.exp(bbox[4 * i + 3]!) * s;
          const landmarks = new Float32Array(10);
          for (let k = 0; k < 5; k++) {
            landmarks[2 * k] = (kps[10 * i + 2 * k]! + col) * s * inv;
            landmarks[2 * k + 1] = (kps[10 * i + 2 * k + 1]! + row) * s * inv;
          }
          candidates.push({
            x1: (cx - w / 2) * inv,
            y1: (cy - h / 2) * inv,
            x2: (cx + w / 2) * inv,
            y2: (cy + h / 2) * inv,
            score,
            landmarks,
          });
        }
      }
      return nms(candidates, nmsIou, maxFaces);
    },
  };
}
