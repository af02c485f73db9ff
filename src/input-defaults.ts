/**
 * Defaults that several folders share because they are one fact: the side of
 * the square face crop is the network's input size, so face crops,
 * preprocessing, the model and the CLI all read it from here (a root-level
 * module, like errors.ts, so no folder imports against the pipeline's flow).
 */

/**
 * Side in pixels of the face crop and of the network's input: 112 keeps CPU
 * training practical and keeps the print and replay cues (halftone, moiré)
 * that smaller crops blur away; the paper's 224 is `--size 224` /
 * `inputSize: 224`.
 */
export const DEFAULT_INPUT_SIZE_PX = 112;
