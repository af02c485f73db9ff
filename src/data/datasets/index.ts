/** Dataset indexes (SiW, OULU-NPU, CASIA-FASD, Replay-Attack, MSU-MFSD, the generic folder layout), their protocols, and cross-dataset protocols. */
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
export { boxFromEyes, eyesForBox, EYE_BOX_GEOMETRY } from './face-file.js';
export type { EyePoint } from './face-file.js';
export {
  indexOuluNpu,
  parseOuluName,
  ouluAttackType,
  ouluPartOfUser,
  ouluProtocolSplits,
  allOuluProtocolSplits,
  checkOuluProtocolFiles,
  OULU_PROTOCOL_IDS,
  OULU_USERS,
  OULU_PHONES,
  OULU_SESSIONS,
  OULU_TYPES,
  OULU_SPLIT_FOLDERS,
} from './oulu-npu.js';
export type { OuluProtocolId } from './oulu-npu.js';
export { indexCasiaFasd, parseCasiaFile, casiaAttackType, casiaSubjectId, casiaTrainSubjects, casiaParts, casiaProtocolSplits, CASIA_PROTOCOLS, CASIA_FILES } from './casia-fasd.js';
export type { CasiaProtocolId, CasiaProtocolOptions } from './casia-fasd.js';
export { indexReplayAttack, parseReplayName, replayAttackType, replayProtocolSplits, REPLAY_PROTOCOLS } from './replay-attack.js';
export type { ReplayProtocolId } from './replay-attack.js';
export { indexMsuMfsd, parseMsuName, msuAttackType, msuParts, msuProtocolSplits, MSU_PROTOCOLS, MSU_LIST_FILES } from './msu-mfsd.js';
export type { MsuProtocolId, MsuProtocolOptions } from './msu-mfsd.js';
export { resolveSubjectList } from './layout-common.js';
export { indexDataset, parseDatasetName, datasetProtocolSplits, datasetWholeSplit, defaultProtocolsOf, hasFixedValidation, DATASET_PROTOCOLS, DATASET_TITLES, DATASET_LETTERS } from './registry.js';
export type { IndexDatasetOptions, DatasetProtocolOptions } from './registry.js';
export {
  crossDatasetSplit,
  crossDatasetLabel,
  leaveOneOutSplits,
  ocimSplits,
  namespaceVideo,
  namespacedVideos,
  resolveCrossDatasetOptions,
  DEFAULT_CROSS_DATASET_OPTIONS,
  CROSS_SOURCE_PARTS,
  CROSS_TARGET_PARTS,
  OCIM_DATASETS,
  OCIM_TARGET_ORDER,
} from './cross.js';
export type { CrossDatasetOptions, CrossSourceParts, CrossTargetParts } from './cross.js';
