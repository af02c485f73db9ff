/** Plumbing every folder shares: atomic file writes, and vidpad's own package (root folder, version). */
export { tempSibling, writeFileAtomic } from './atomic-write.js';
export { packageRoot, vidpadVersion } from './package-info.js';
