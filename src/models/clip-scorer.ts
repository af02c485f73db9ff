/**
 * What scores clips with a trained model, whatever runs it (ONNX Runtime's
 * `openClipSession`, or tfjs's `createTfjsScorer`): the one interface the
 * scoring of a split takes.
 */
export interface ClipScorer {
  /** One clip's shape `[T, H, W, 3]`. */
  readonly clipShape: readonly [number, number, number, number];
  /** `clips`: `batch` standardised clips `[batch, T, H, W, 3]`, row-major. */
  run(clips: Float32Array, batch: number): Promise<{ liveScore: Float32Array }>;
  dispose(): Promise<void>;
}
