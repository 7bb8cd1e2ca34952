/**
 * MediaPipe FaceMesh (468 points) from @vladmandic/human, converted to ONNX by tools/build-default-models.ts.
 * Pre-processing follows Human's facemesh.ts first pass: the detector box enlarged by `cropScale` (1.4,
 * Human's detector.scale) and squared, resized to 192×192, RGB /255, NHWC (no rotation correction: the
 * challenge only needs consistent points over a few seconds, and the quality gate bounds roll). Output: the
 * points mapped back to frame pixels (x, y) with z in the same pixel scale (relative depth), and the face-flag
 * probability. Landmarks for the active challenge (src/main/liveness), never used for identity.
 */
import type { Detection } from './detection.ts';
import { expectFamily, type FacemeshDescriptor, type ModelHandle } from './family.ts';
import type { Frame } from './frame.ts';
import { floatOutput, floatTensor, runSingle } from './ort-io.ts';
import { fillSquareCrop, squareBox } from './square-crop.ts';

export const MESH_POINTS = 468;

export interface FaceMesh {
  /** 468 × (x, y, z), frame pixels (z: relative depth, same scale, smaller = nearer the camera). */
  readonly points: Float32Array;
  readonly faceFlag: number;
}

export interface MeshEstimator {
  estimate(frame: Frame, face: Detection): Promise<FaceMesh | undefined>;
}

export function createFacemeshEstimator(h: ModelHandle): MeshEstimator {
  const handle = expectFamily(h, 'facemesh');
  const d: FacemeshDescriptor = handle.descriptor;
  const { width: W, height: H } = d.input;
  const input = new Float32Array(W * H * 3);
  return {
    async estimate(frame, face) {
      const box = squareBox(face, d.cropScale);
      fillSquareCrop(frame, box, W, H, d, input);
      const r = await runSingle(handle.session, floatTensor(input, [1, H, W, 3]), d.input.name);
      const raw = floatOutput(r, d.meshOutput, MESH_POINTS * 3);
      const faceFlag = floatOutput(r, d.flagOutput, 1)[0]!;
      if (!(faceFlag >= d.minFaceFlag)) return undefined;
      const sx = box.side / W,
        sy = box.side / H;
      const points = new Float32Array(MESH_POINTS * 3);
      for (let i = 0; i < MESH_POINTS; i++) {
        points[3 * i] = box.x + raw[3 * i]! * sx;
        points[3 * i + 1] = box.y + raw[3 * i + 1]! * sy;
        points[3 * i + 2] = raw[3 * i + 2]! * sx;
      }
      return { points, faceFlag };
    },
  };
}
