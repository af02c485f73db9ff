/**
 * vidpad's public library API. This file only re-exports, in groups; the CLI,
 * the HTTP service and the web demo use nothing else.
 */

// Errors
export { VidpadError, ConfigError, BackendError, ShapeError, InputError, UsageError, VideoError, OutputError, LimitError, AuthError, BusyError, DeadlineError, CameraError } from './errors.js';
export type { VidpadErrorCode, VideoErrorReason, CameraErrorReason } from './errors.js';

// Defaults shared across folders (the crop side is the network's input size)
export { DEFAULT_INPUT_SIZE_PX } from './input-defaults.js';

// Files and the package: atomic writes, vidpad's root folder and version; where vidpad may write (the output check, the folder marker)
export { packageRoot, vidpadVersion, writeFileAtomic, FOLDER_MARKER_FILE, OUTPUT_FOLDER_KINDS, checkOutputFile, checkOutputFolder, claimOutputFolder, readFolderMarker } from './io/index.js';
export type { FolderMarker, OutputFileOptions, OutputFileState, OutputFolderKind, OutputFolderOptions, OutputFolderState, OutputFolderStatus } from './io/index.js';

// Optional components (backends, face detectors): whether they can run here
export { availableNames, describeProbes } from './probes.js';
export type { Probe } from './probes.js';

// Engine: backends and the (2+1)D convolution
export * from './engine/index.js';

// Models
export * from './models/index.js';

// Losses
export * from './losses/index.js';

// Video
export * from './video/index.js';

// Data
export * from './data/index.js';

// Face
export * from './face/index.js';

// Preprocessing (crop cache)
export * from './preprocess/index.js';

// Evaluation
export * from './eval/index.js';

// Training
export * from './train/index.js';

// Scoring with ONNX Runtime
export * from './scoring/index.js';

// Using a trained model: predict
export * from './predict/index.js';

// The HTTP service: createServer (Fastify), its limits and options
export * from './serve/index.js';

// Explaining a model: Grad-CAM
export * from './explain/index.js';

// Experiments and reports
export * from './experiments/index.js';

// Synthetic data
export * from './synth/index.js';

// The browser page's server (vidpad web); the page's own entry is vidpad/browser (src/browser)
export * from './web/index.js';
