/** Preprocessing: decode, detect, track and crop every frame of a dataset's videos into the crop cache. */
export { CACHE_FORMAT_VERSION, DEFAULT_PREPROCESS_CONFIG, preprocessKey, resolvePreprocessConfig } from './config.js';
export type { PreprocessConfig } from './config.js';
export { cacheLayout, isVideoCached, readFailures, readVideoCrops, videoDir, writeVideoCrops } from './crop-cache.js';
export type { CropCacheLayout, FrameBoxSource, PreprocessFailure, VideoCropMeta, VideoCrops } from './crop-cache.js';
export { preprocessVideo, videoJobsOf } from './process-video.js';
export type { PreprocessedVideo, VideoJob } from './process-video.js';
export { cacheFolderOptions, parseShard, resolveDetectorName, runPreprocess, selectShard } from './run.js';
export type { PreprocessProgress, PreprocessRunOptions, PreprocessSummary, Shard } from './run.js';
export { cachedSplitVideos, createCropReader, labelClips, loadClipPixels } from './cached-clips.js';
export type { CachedVideo, CropReader, LabeledClip, SplitVideos } from './cached-clips.js';
export { assumedInputContract, inputContractFor, readCacheSettings } from './contract.js';
export type { CacheSettings } from './contract.js';
export { CALIBRATION_FILE, DEFAULT_CALIBRATION_SAMPLE, measureBoxCalibrations, readCacheCalibrations, writeCacheCalibrations } from './calibrate.js';
export type { CalibrationSample } from './calibrate.js';
