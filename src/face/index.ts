/**
 * Face detection and cropping: detectors by name (dlib-hog, blazeface), box
 * geometry, tracking over frames, the one face crop, and image reading with
 * EXIF orientation.
 */
export { createFaceDetector, listFaceDetectors, resolveFaceDetectorConfig, resolveFaceDetectorName } from './detector.js';
export { DEFAULT_FACE_DETECTOR_CONFIG, FACE_DETECTOR_NAMES } from './types.js';
export type {
  DetectOptions,
  FaceDetection,
  FaceDetector,
  FaceDetectorConfig,
  FaceDetectorName,
  FaceDetectorProbe,
  FaceDetectorRequest,
  RgbFrame,
} from './types.js';
export { BLAZEFACE_INPUT_PX, BLAZEFACE_TO_DLIB, blazefaceAnchors, calibrateBlazefaceBox, createBlazefaceDetectorFromModel } from './blazeface.js';
export { BLAZEFACE_BACKENDS, defaultBlazefaceModelPath, initBlazefaceBackend } from './blazeface-model.node.js';
export { DLIB_INSTALL_HINT } from './dlib.js';
export {
  boxArea,
  boxCenter,
  boxFromCenter,
  boxHeight,
  boxWidth,
  clipBox,
  iou,
  isValidBox,
  nonMaxSuppression,
  scaleBox,
  squareBox,
  toBoxNorm,
  toBoxPx,
} from './box.js';
export type { BoxNorm, BoxPx } from './box.js';
export {
  CROP_EDGE_MODES,
  DEFAULT_FACE_CROP_CONFIG,
  checkRgbFrame,
  cropFace,
  cropSquare,
  letterboxRgb,
  resizeRgb,
  resolveFaceCropConfig,
} from './crop.js';
export type { CropEdgeMode, FaceCrop, FaceCropConfig, Letterboxed } from './crop.js';
export {
  BOX_POLICIES,
  DEFAULT_BOX_POLICY_CONFIG,
  DEFAULT_FACE_TRACK_CONFIG,
  FACE_CHOICES,
  chooseBoxByPolicy,
  clipHasFace,
  createFaceTracker,
  isUsableDatasetBox,
  resolveFaceTrackConfig,
  trackFaces,
} from './tracking.js';
export type { BoxPolicy, BoxPolicyConfig, FaceCandidate, FaceChoice, FaceTrackConfig, FaceTracker, IndexedTrackedBox, PolicyChoice, TrackedBox, TrackedBoxSource } from './tracking.js';
export { applyOrientation, orientationSwapsAxes, readJpegOrientation } from './exif.js';
export type { ExifOrientation } from './exif.js';
export { IMAGE_EXTENSIONS, isImagePath, parsePpm, readImage } from './image-io.js';
export type { DecodedImage } from './image-io.js';
export { PNG_SOFTWARE, drawBoxes, encodePng, pngSoftware } from './png.js';
export { calibrateBox, fitBoxCalibration } from './box-calibration.js';
export type { BoxCalibration } from './box-calibration.js';
