/** Dataset indexes (SiW, the generic folder layout) and their protocols. */
export * from './types.js';
export { parseFaceFile, loadFaceFile } from './face-file.js';
export type { FaceFileProblem, ParsedFaceFile, FrameSize } from './face-file.js';
export { indexSiw, parseSiwName, siwAttackType, SIW_VIDEO_EXTENSIONS, SIW_TYPE_NAMES } from './siw.js';
export {
  SIW_PROTOCOL_IDS,
  IDIAP_SIW_VAL_SUBJECTS,
  DEFAULT_SIW_PROTOCOL_OPTIONS,
  defaultValSubjects,
  siwTrainSubjects,
  resolveValSubjects,
  siwReplayMedia,
  siwProtocolSplits,
  allSiwProtocolSplits,
  compareAttackTypes,
} from './siw-protocols.js';
export type { SiwProtocolId, SiwProtocolOptions } from './siw-protocols.js';
export { indexFolder, folderProtocolSplits, assignFolderSplits, folderAttackTypes, FOLDER_VIDEO_EXTENSIONS, MANIFEST_COLUMNS, FOLDER_PROTOCOLS } from './folder.js';
export type { FolderIndexOptions, FolderProtocolOptions, FolderProtocolId } from './folder.js';
export { probeDatasetVideos } from './probe-index.js';
export type { ProbeIndexOptions } from './probe-index.js';
