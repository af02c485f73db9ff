/**
 * Inference of an ONNX model on ONNX Runtime (onnxruntime-node, CPU
 * execution provider) for any graph with one float32 input whose first axis
 * is the batch: the caller names the input and the outputs it reads. The
 * session checks the input's size against the graph and hands back plain
 * arrays, so callers need no tensor library. What the names mean belongs to
 * the model (see `openClipSession` in models).
 */
import os from 'node:os';
import * as ort from 'onnxruntime-node';
import { ConfigError, InputError, ShapeError } from '../../errors.js';

export interface OnnxSessionOptions {
  /** Threads inside one operator (intraOpNumThreads). Default: the cores available. */
  threads?: number;
}

/** The graph's input and the outputs a caller reads, by name. */
export interface OnnxIoNames<O extends string = string> {
  input: string;
  outputs: readonly O[];
}

export interface OnnxSession<O extends string = string> {
  readonly inputName: string;
  /** The input's shape after the batch axis, every dimension fixed. */
  readonly itemShape: readonly number[];
  /** Each named output's shape as the graph declares it (symbolic dimensions as strings). */
  readonly outputDims: Readonly<Record<O, ReadonlyArray<number | string>>>;
  readonly threads: number;
  /** `input`: `batch` items `[batch, ...itemShape]`, row-major; returns each named output, row-major. */
  run(input: Float32Array, batch: number): Promise<Record<O, Float32Array>>;
  dispose(): Promise<void>;
}

function tensorDims(meta: ort.InferenceSession.ValueMetadata | undefined, what: string, where: string): Array<number | string> {
  if (!meta || !meta.isTensor) throw new InputError(`${where}: ${what} is missing or not a tensor`);
  return [...meta.shape];
}

const quoted = (names: readonly string[]): string => names.map((n) => `'${n}'`).join(', ');

/**
 * Opens an ONNX model (bytes or a file path) that has exactly one input
 * `io.input` `[batch, ...fixed dims]` and at least the outputs `io.outputs`.
 */
export async function createOnnxSession<O extends string>(source: Uint8Array | string, io: OnnxIoNames<O>, options: OnnxSessionOptions = {}): Promise<OnnxSession<O>> {
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
    const inputIndex = session.inputNames.indexOf(io.input);
    if (inputIndex < 0 || session.inputNames.length !== 1) {
      throw new InputError(`${where}: expected one input '${io.input}', found ${quoted(session.inputNames)}`);
    }
    for (const name of io.outputs) {
      if (!session.outputNames.includes(name)) throw new InputError(`${where}: expected an output '${name}', found ${quoted(session.outputNames)}`);
    }
    const dims = tensorDims(session.inputMetadata[inputIndex], `input '${io.input}'`, where);
    const itemDims = dims.slice(1);
    if (dims.length < 2 || !itemDims.every((d): d is number => typeof d === 'number')) {
      throw new InputError(`${where}: input '${io.input}' has shape [${dims.join(', ')}], expected [batch, ...] with every other dimension fixed`);
    }
    const itemShape = itemDims as number[];
    const outputDims = Object.fromEntries(
      io.outputs.map((name) => [name, tensorDims(session.outputMetadata[session.outputNames.indexOf(name)], `output '${name}'`, where)]),
    ) as Record<O, Array<number | string>>;
    const perItem = itemShape.reduce((n, d) => n * d, 1);
    const live = session;

    return {
      inputName: io.input,
      itemShape,
      outputDims,
      threads,
      async run(input, batch) {
        if (!Number.isInteger(batch) || batch < 1) throw new ShapeError(`ONNX run: batch must be a whole number >= 1, got ${String(batch)}`);
        if (input.length !== batch * perItem) {
          throw new ShapeError(`ONNX run: input '${io.input}' expected [${batch}, ${itemShape.join(', ')}] = ${batch * perItem} values, got ${input.length}`);
        }
        const tensor = new ort.Tensor('float32', input, [batch, ...itemShape]);
        const out = await live.run({ [io.input]: tensor });
        try {
          // Copies, so results outlive the output tensors disposed below.
          return Object.fromEntries(io.outputs.map((name) => [name, Float32Array.from(out[name]!.data as Float32Array)])) as Record<O, Float32Array>;
        } finally {
          for (const t of Object.values(out)) t.dispose();
          tensor.dispose();
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
