/** File plumbing every folder shares: atomic writes. */
export { tempSibling, writeFileAtomic } from './atomic-write.js';
