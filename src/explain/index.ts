/** Grad-CAM: the maps (targets as functions of the output), their drawing, and strips of predicted clips. */
export { clipHeatmaps, cosineToPrototypeTarget, gradCam, logitTarget, upsampleMap } from './grad-cam.js';
export type { CamNetwork, CamTarget, GradCamResult } from './grad-cam.js';
export { camIndexHtml, clipStrip, heatColour, overlayHeatmap } from './draw.js';
export type { IndexEntry } from './draw.js';
export { CAM_TARGETS, createCamReportWriter, createClipExplainer } from './explain-clips.node.js';
export type { CamReportWriter, CamTargetName, ClipExplainer, ClipExplanation } from './explain-clips.node.js';
