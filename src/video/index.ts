/** Video reading through the system's ffmpeg: metadata and frame-exact RGB frames. */
export { probeVideo, normalizeRotation } from './probe.js';
export type { VideoInfo, ProbeOptions, FrameCountMethod } from './probe.js';
export { readFrames, streamFrames, outputSize, SCALE_INTERPOLATIONS, MAX_READ_BYTES } from './read-frames.js';
export type { VideoFrame, ReadFramesOptions, ScaleInterpolation } from './read-frames.js';
export type { FfmpegTools } from './ffmpeg.js';
