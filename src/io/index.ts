/** Plumbing every folder shares: atomic file writes, worker threads on vidpad's own modules, vidpad's own package (root folder, version), and where vidpad may write (the output check and the folder marker). */
export { tempSibling, writeFileAtomic } from './atomic-write.js';
export { packageRoot, vidpadVersion } from './package-info.js';
export { FOLDER_MARKER_FILE, OUTPUT_FOLDER_KINDS, checkOutputFile, checkOutputFolder, claimOutputFolder, readFolderMarker } from './output-location.js';
export type { FolderMarker, OutputFileOptions, OutputFileState, OutputFolderKind, OutputFolderOptions, OutputFolderState, OutputFolderStatus } from './output-location.js';
export { startModuleWorker } from './module-worker.js';
