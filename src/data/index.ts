/** The data pipeline between video files and model batches: dataset indexes, protocols, clips, augmentation. */
export * from './datasets/index.js';
export { createSeededRandom, childSeed } from './random.js';
export type { SeededRandom } from './random.js';
export { CLIP_LENGTHS, DEFAULT_CLIP_SPEC, resolveClipSpec, clipSpan, clipFrames, allClips, randomClips, planTestClips, planTrainClips } from './clips.js';
export type { ClipLength, ClipSpec, FrameRange, ClipSource, ClipRef, ClipPlan } from './clips.js';
export {
  DEFAULT_AUGMENT_CONFIG,
  DEFAULT_RANDOM_ERASING_CONFIG,
  DEFAULT_COLOR_JITTER_CONFIG,
  ERASING_FILLS,
  NO_AUGMENTATION,
  resolveAugmentConfig,
  chooseAugmentation,
  augmentClip,
} from './augment.js';
export type { AugmentConfig, RandomErasingConfig, ErasingFill, ColorJitterConfig, ColorShift, EraseRect, ClipAugmentation } from './augment.js';
export { standardizeFrames, clipsToBatch } from './clip-tensors.js';
export { standardizeClips, standardizeFrameValues } from './standardize.js';
export type { ClipPixels } from './standardize.js';
