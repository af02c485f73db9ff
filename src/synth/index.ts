/** The synthetic SiW generator's public API (re-exports only). */
export type { SynthConfig } from './config.js';
export { DEFAULT_SYNTH_CONFIG, resolveSynthConfig } from './config.js';
export type { SynthSplit, SynthLabel, SynthSensor, SynthType, SynthSubject, SynthVideoSpec, SynthPlan } from './plan.js';
export { planSynthSiw, planSubjects, planVideosOfSubject, trainSubjectCount, SIW_TRAIN_FRACTION, SYNTH_SESSIONS, SYNTH_MEDIA } from './plan.js';
export type { SynthFrame, SynthRenderOptions } from './video.js';
export { renderSynthVideo, subjectIdentity, blinkTrack } from './video.js';
export type { FaceIdentity, FacePose, Lighting } from './face.js';
export { createFaceIdentity, drawPerson, faceBoxForPose } from './face.js';
export type { SensorProfile } from './camera.js';
export { SENSOR_PROFILES } from './camera.js';
export type { PrintMedium, ReplayMedium } from './spoof.js';
export { PRINT_MEDIA, REPLAY_MEDIA } from './spoof.js';
export type { SynthEncodeOptions, SynthVideoPaths } from './writer.js';
export { writeSynthVideo, synthVideoPaths, isSynthVideoComplete, formatFaceFile } from './writer.js';
export type { SynthProgress, SynthRunOptions, SynthRunResult } from './generate.js';
export { generateSynthSiw, SYNTH_MANIFEST } from './generate.js';
