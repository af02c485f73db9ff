/** The synthetic dataset generator's public API (re-exports only). */
export type { SynthConfig, SynthLayout, SynthPick } from './config.js';
export { DEFAULT_SYNTH_CONFIG, resolveSynthConfig, SYNTH_LAYOUTS } from './config.js';
export { planSynthLayout, parsePick, partSizes, SYNTH_PICK_FIELDS } from './layouts.js';
export type { SynthSplit, SynthLabel, SynthSensor, SynthType, SynthSubject, SynthVideoSpec, SynthPlan, SynthExtraFile } from './plan.js';
export { planSynthSiw, planSubjects, planVideosOfSubject, trainSubjectCount, SIW_TRAIN_FRACTION, SYNTH_SESSIONS, SYNTH_MEDIA } from './plan.js';
export type { SynthFrame, SynthRenderOptions, SynthEyes } from './video.js';
export { renderSynthVideo, subjectIdentity, blinkTrack } from './video.js';
export type { FaceIdentity, FacePose, Lighting } from './face.js';
export { createFaceIdentity, drawPerson, faceBoxForPose, eyesForPose } from './face.js';
export type { SensorProfile } from './camera.js';
export { SENSOR_PROFILES } from './camera.js';
export type { PrintMedium, ReplayMedium } from './spoof.js';
export { PRINT_MEDIA, REPLAY_MEDIA } from './spoof.js';
export type { SynthEncodeOptions, SynthVideoPaths } from './writer.js';
export { writeSynthVideo, synthVideoPaths, isSynthVideoComplete, formatFaceFile, containerOf } from './writer.js';
export type { SynthProgress, SynthRunOptions, SynthRunResult } from './generate.js';
export { generateSynthSiw, generateSynthDataset, planSynthDataset, SYNTH_MANIFEST } from './generate.js';
