/**
 * Inference of an exported vidpad model on ONNX Runtime (onnxruntime-node,
 * CPU execution provider): the path `predict`, `serve` and batch evaluation
 * take. The session checks the clip's size against the graph's input and
 * hands back plain arrays, so callers need no tensor library.
 */
import os from 'node:os';
import * as ort from 'onnxruntime-node';
import { ConfigError, InputError, ShapeError } from '../../errors.js';
import { ONNX_INPUT_NAME, ONNX_OUTPUT_NAMES } from './export-alexnet.js';

export interface OnnxSessionOptions {
  /** Threads inside one operator (intraOpNumThreads). Default: the cores available. */
  threads?: number;
}

export interface OnnxScores {
  /** `[batch, embeddingSize]`, row-major. */
  embedding: Float32Array;
  /** `[batch]`: cosine to the live prototype, higher = more likely live. */
  liveScore: Float32Array;
}

export interface OnnxSession {
  /** One clip's shape, `[T, H, W, 3]`, read from the graph's input. */
  readonly clipShape: readonly [number, number, number, number];
  readonly embeddingSize: number;
  readonly threads: number;
  /** `clip`: `batch` clips `[batch, T, H, W, 3]`, row-major, each frame standardised. */
  run(clip: Float32Array, batch: number): Promise<OnnxScores>;
  dispose(): Promise<void>;
}

function fixedDims(meta: ort.InferenceSession.ValueMetadata | undefined, what: string): Array<number | string> {
  if (!meta || !meta.isTensor) throw new InputError(`ONNX model: ${what} is missing or not a tensor`);
  return [...meta.shape];
}

/**
 * Opens an ONNX model (bytes or a file path) exported by `exportOnnx`: one
 * input `clip` `[batch, T, H, W, 3]`, outputs `embedding` and `liveScore`.
 */
export async function createOnnxSession(source: Uint8Array | string, options: OnnxSessionOptions = {}): Promise<OnnxSession> {
  const threads = options.threads ?? Math.max(1, os.availableParallelism());
  if (!Number.isInteger(threads) || threads < 1) throw new ConfigError('onnx.threads', `expected a whole number >= 1, got ${String(options.threads)}`);
  const where = typeof source === 'string' ? source : 'ONNX model bytes';
  let session: ort.InferenceSession;
  try {
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      executionProviders: ['cpu'],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    };
    session = typeof source === 'string' ? await ort.InferenceSession.create(source, sessionOptions) : await ort.InferenceSession.create(source, sessionOptions);
  } catch (err) {
    throw new InputError(`${where}: onnxruntime cannot load it (${(err as Error).message.split('\n')[0]})`, { cause: err });
  }
  try {
    const inputIndex = session.inputNames.indexOf(ONNX_INPUT_NAME);
    if (inputIndex < 0 || session.inputNames.length !== 1) {
      throw new InputError(`${where}: expected one input '${ONNX_INPUT_NAME}', found ${session.inputNames.map((n) => `'${n}'`).join(', ')}`);
    }
    for (const name of ONNX_OUTPUT_NAMES) {
      if (!session.outputNames.includes(name)) throw new InputError(`${where}: expected an output '${name}', found ${session.outputNames.map((n) => `'${n}'`).join(', ')}`);
    }
    const dims = fixedDims(session.inputMetadata[inputIndex], `input '${ONNX_INPUT_NAME}'`);
    const clipDims = dims.slice(1);
    if (dims.length !== 5 || !clipDims.every((d) => typeof d === 'number') || clipDims[3] !== 3) {
      throw new InputError(`${where}: input '${ONNX_INPUT_NAME}' has shape [${dims.join(', ')}], expected [batch, T, H, W, 3] with fixed T, H, W`);
    }
    const clipShape = clipDims as [number, number, number, number];
    const embDims = fixedDims(session.outputMetadata[session.outputNames.indexOf(ONNX_OUTPUT_NAMES[0])], `output '${ONNX_OUTPUT_NAMES[0]}'`);
    const embeddingSize = embDims[1];
    if (embDims.length !== 2 || typeof embeddingSize !== 'number') throw new InputError(`${where}: output 'embedding' has shape [${embDims.join(', ')}], expected [batch, D]`);
    const perClip = clipShape.reduce((n, d) => n * d, 1);
    const live = session;

    return {
      clipShape,
      embeddingSize,
      threads,
      async run(clip, batch) {
        if (!Number.isInteger(batch) || batch < 1) throw new ShapeError(`ONNX run: batch must be a whole number >= 1, got ${String(batch)}`);
        if (clip.length !== batch * perClip) {
          throw new ShapeError(`ONNX run: input '${ONNX_INPUT_NAME}' expected [${batch}, ${clipShape.join(', ')}] = ${batch * perClip} values, got ${clip.length}`);
        }
        const input = new ort.Tensor('float32', clip, [batch, ...clipShape]);
        const out = await live.run({ [ONNX_INPUT_NAME]: input });
        try {
          const embedding = out[ONNX_OUTPUT_NAMES[0]]!.data as Float32Array;
          const liveScore = out[ONNX_OUTPUT_NAMES[1]]!.data as Float32Array;
          // Copies, so results outlive the output tensors disposed below.
          return { embedding: Float32Array.from(embedding), liveScore: Float32Array.from(liveScore) };
        } finally {
          for (const t of Object.values(out)) t.dispose();
          input.dispose();
        }
      },
      async dispose() {
        await live.release();
      },
    };
  } catch (err) {
    await session.release();
    throw err;
  }
}
