/**
 * EXIF orientation for stills: the reader and the pixel transform live with
 * the video reader (probeVideo needs them to report a rotated still upright);
 * face/ re-exports them for image reading.
 */
export { applyOrientation, orientationSwapsAxes, readJpegOrientation } from '../video/exif.js';
export type { ExifOrientation } from '../video/exif.js';
