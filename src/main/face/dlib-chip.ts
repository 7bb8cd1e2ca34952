/**
 * dlib's face-chip geometry (dlib/image_transforms/interpolation.h, `get_face_chip_details`, as used by
 * dlib_face_recognition_resnet_model_v1 and face-api.js's recognition net): the mean face of the 68-point
 * iBUG layout (points 17–67, unit square) mapped into a `size`×`size` chip with `padding`:
 * `p' = (padding + p) / (2·padding + 1) · size`. dlib's net was trained on chips of size 150, padding 0.25.
 *
 * Our detectors give 5 points (image left→right eye centre, eye centre, nose tip, mouth, mouth), so the
 * matching mean-face points are: each eye's centre = mean of its six contour points (36–41, 42–47), the nose
 * tip (30) and the mouth corners (48, 54). The values below are dlib's table, transcribed verbatim.
 */

/** dlib mean_face_shape_x / _y for points 17..67 (index = point − 17). */
const MEAN_X = [
  0.000213256, 0.0752622, 0.18113, 0.29077, 0.393397, 0.586856, 0.689483, 0.799124, 0.904991, 0.98004,
  0.490127, 0.490127, 0.490127, 0.490127, 0.36688, 0.426036, 0.490127, 0.554217, 0.613373, 0.121737, 0.187122,
  0.265825, 0.334606, 0.260918, 0.182743, 0.645647, 0.714428, 0.793132, 0.858516, 0.79751, 0.719335, 0.254149,
  0.340985, 0.428858, 0.490127, 0.551395, 0.639268, 0.726104, 0.642159, 0.556721, 0.490127, 0.423532,
  0.338094, 0.290379, 0.428096, 0.490127, 0.552157, 0.689874, 0.553364, 0.490127, 0.42689,
] as const;
const MEAN_Y = [
  0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891, 0.0187482, 0.038915, 0.106454,
  0.203352, 0.307009, 0.409805, 0.515625, 0.587326, 0.609345, 0.628106, 0.609345, 0.587326, 0.216423,
  0.178758, 0.179852, 0.231733, 0.245099, 0.244077, 0.231733, 0.179852, 0.178758, 0.216423, 0.244077,
  0.245099, 0.780233, 0.745405, 0.727388, 0.742578, 0.727388, 0.745405, 0.780233, 0.864805, 0.902192,
  0.909281, 0.902192, 0.864805, 0.784792, 0.778746, 0.785343, 0.778746, 0.784792, 0.824182, 0.831803,
  0.824182,
] as const;

/** Mean-face position (unit square) of iBUG point `i` (17..67), or the mean of several points. */
export function meanFacePoint(...points: number[]): [number, number] {
  let x = 0,
    y = 0;
  for (const i of points) {
    const k = i - 17;
    if (!(k >= 0 && k < MEAN_X.length)) throw new RangeError(`dlib mean face has points 17..67, not ${i}`);
    x += MEAN_X[k]!;
    y += MEAN_Y[k]!;
  }
  return [x / points.length, y / points.length];
}

/** The 5-point target (image left→right eye, eye, nose tip, mouth corner, mouth corner) in a dlib chip. */
export function dlibChipTemplate(size: number, padding: number): Float32Array {
  const pts = [
    meanFacePoint(36, 37, 38, 39, 40, 41),
    meanFacePoint(42, 43, 44, 45, 46, 47),
    meanFacePoint(30),
    meanFacePoint(48),
    meanFacePoint(54),
  ];
  const k = size / (2 * padding + 1);
  return Float32Array.from(pts.flatMap(([x, y]) => [(padding + x) * k, (padding + y) * k]));
}
