/**
 * Plane geometry for spoofs: the homography that maps a flat medium (a sheet
 * of paper, a screen) held in front of the camera onto the frame, from a
 * small 3D rotation and translation. Pure functions on row-major 3×3 arrays.
 */
import type { BoxPx } from '../face/box.js';

/** Row-major 3×3. */
export type Mat3 = readonly [number, number, number, number, number, number, number, number, number];

export interface PlanePose {
  /** Tilt about the horizontal axis, radians (top edge away from the camera for positive). */
  readonly tiltXRad: number;
  /** Tilt about the vertical axis, radians. */
  readonly tiltYRad: number;
  readonly rollRad: number;
  /** Where the plane's centre lands, frame pixels. */
  readonly cx: number;
  readonly cy: number;
  /** Frame pixels per plane pixel at the plane's centre. */
  readonly scale: number;
}

/**
 * The homography taking plane pixels (origin at the medium's top-left,
 * `planeW`×`planeH`) to frame pixels, for a pinhole camera of focal length
 * `focalPx` looking at the plane's centre.
 */
export function planeHomography(pose: PlanePose, planeW: number, planeH: number, focalPx: number): Mat3 {
  const cxr = Math.cos(pose.tiltXRad);
  const sxr = Math.sin(pose.tiltXRad);
  const cyr = Math.cos(pose.tiltYRad);
  const syr = Math.sin(pose.tiltYRad);
  const cz = Math.cos(pose.rollRad);
  const sz = Math.sin(pose.rollRad);
  // R = Rz · Ry · Rx, columns r1, r2 are the plane's axes in camera space
  const r11 = cz * cyr;
  const r21 = sz * cyr;
  const r31 = -syr;
  const r12 = cz * syr * sxr - sz * cxr;
  const r22 = sz * syr * sxr + cz * cxr;
  const r32 = cyr * sxr;
  // depth chosen so a unit of plane length spans `scale` pixels at the centre
  const depth = focalPx / pose.scale;
  const ox = -planeW / 2;
  const oy = -planeH / 2;
  // camera point of plane pixel (u, v): X = r1·(u+ox) + r2·(v+oy) + (0, 0, depth)
  // frame pixel: (f·X/Z + cx, f·Y/Z + cy)
  const h = [
    focalPx * r11 + pose.cx * r31,
    focalPx * r12 + pose.cx * r32,
    0,
    focalPx * r21 + pose.cy * r31,
    focalPx * r22 + pose.cy * r32,
    0,
    r31,
    r32,
    0,
  ];
  const tx = pose.cx * depth;
  const ty = pose.cy * depth;
  const tz = depth;
  // fold the translation and the plane-origin offset into the third column
  h[2] = (h[0] as number) * ox + (h[1] as number) * oy + tx;
  h[5] = (h[3] as number) * ox + (h[4] as number) * oy + ty;
  h[8] = (h[6] as number) * ox + (h[7] as number) * oy + tz;
  return h as unknown as Mat3;
}

export function applyHomography(m: Mat3, x: number, y: number): [number, number] {
  const w = m[6] * x + m[7] * y + m[8];
  return [(m[0] * x + m[1] * y + m[2]) / w, (m[3] * x + m[4] * y + m[5]) / w];
}

export function invertMat3(m: Mat3): Mat3 {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (Math.abs(det) < 1e-12) throw new RangeError('invertMat3: singular matrix');
  const s = 1 / det;
  return [
    A * s,
    -(b * i - c * h) * s,
    (b * f - c * e) * s,
    B * s,
    (a * i - c * g) * s,
    -(a * f - c * d) * s,
    C * s,
    -(a * h - b * g) * s,
    (a * e - b * d) * s,
  ];
}

/** The axis-aligned hull of a plane-pixel box after the homography. */
export function projectBox(m: Mat3, box: BoxPx): BoxPx {
  const pts = [
    applyHomography(m, box.left, box.top),
    applyHomography(m, box.right, box.top),
    applyHomography(m, box.left, box.bottom),
    applyHomography(m, box.right, box.bottom),
  ];
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  return { left: Math.min(...xs), top: Math.min(...ys), right: Math.max(...xs), bottom: Math.max(...ys) };
}
