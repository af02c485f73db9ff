/**
 * Recycling of the native backend's output arrays.
 *
 * Why: a training step allocates hundreds of MB of activations and gradients
 * as fresh Float32Arrays and drops them a moment later. V8 answers that
 * external memory with ~9 garbage collections per step, which cost about a
 * third of a (2+1)D network's training step once the kernels run on oneDNN. Shapes
 * repeat from step to step, so the arrays of disposed tensors can serve the
 * next step's outputs directly.
 *
 * Safety rests on knowing every holder of an array. An array is recycled only
 * if it was handed out here, stored as exactly one tensor's data, never
 * stored again (tfjs's cpu kernels return views such as `subarray` slices, or
 * pass an input's array through), and never given to code outside the backend
 * (`dataSync`, `data`, `bufferSync` return the stored array itself on the cpu
 * backend). Any of those marks its ArrayBuffer shared for good, and a shared
 * array is left to the garbage collector as before.
 */
import { Buffer } from 'node:buffer';

type State = 'fresh' | 'stored' | 'shared' | 'free';

/** Below this many floats a plain zeroed allocation is as cheap as skipping the fill. */
const UNINITIALISED_MIN = 16384;

export class BufferPool {
  private readonly free = new Map<number, Float32Array[]>();
  private readonly state = new WeakMap<ArrayBufferLike, State>();
  private freeBytes = 0;

  /** `capacityBytes` bounds what the pool keeps between uses; beyond it, arrays go to the GC. */
  constructor(private readonly capacityBytes: number) {}

  /** Bytes held, ready for reuse. */
  get heldBytes(): number {
    return this.freeBytes;
  }

  /** An array of `length` floats with arbitrary contents, for an output the caller overwrites entirely. */
  take(length: number): Float32Array {
    const list = this.free.get(length);
    const reused = list?.pop();
    if (reused) {
      this.freeBytes -= reused.byteLength;
      this.state.set(reused.buffer, 'fresh');
      return reused;
    }
    let array: Float32Array;
    if (length < UNINITIALISED_MIN) {
      array = new Float32Array(length);
    } else {
      // allocUnsafeSlow: its own ArrayBuffer (never a slice of Node's shared pool), not zero-filled.
      const bytes = Buffer.allocUnsafeSlow(length * 4);
      array = new Float32Array(bytes.buffer, bytes.byteOffset, length);
    }
    this.state.set(array.buffer, 'fresh');
    return array;
  }

  /** An array of `length` zeros. */
  takeZeroed(length: number): Float32Array {
    return this.take(length).fill(0);
  }

  /** `values` was stored as a tensor's data. */
  noteStored(values: unknown): void {
    const buffer = bufferOf(values);
    if (!buffer) return;
    const st = this.state.get(buffer);
    if (st === undefined) return;
    const whole = (values as Float32Array).byteOffset === 0 && (values as Float32Array).byteLength === buffer.byteLength;
    this.state.set(buffer, st === 'fresh' && whole ? 'stored' : 'shared');
  }

  /** `values` left the backend's control (returned to a caller): never recycle it. */
  noteEscaped(values: unknown): void {
    const buffer = bufferOf(values);
    if (buffer && this.state.has(buffer)) this.state.set(buffer, 'shared');
  }

  /** The tensor data holding `values` was deleted. */
  release(values: unknown): void {
    const buffer = bufferOf(values);
    if (!buffer || this.state.get(buffer) !== 'stored') return;
    const array = values as Float32Array;
    if (this.freeBytes + array.byteLength > this.capacityBytes) {
      this.state.set(buffer, 'shared'); // dropped: the GC owns it now
      return;
    }
    this.state.set(buffer, 'free');
    let list = this.free.get(array.length);
    if (!list) this.free.set(array.length, (list = []));
    list.push(array);
    this.freeBytes += array.byteLength;
  }

  /** Drops every held array. */
  clear(): void {
    this.free.clear();
    this.freeBytes = 0;
  }
}

function bufferOf(values: unknown): ArrayBufferLike | undefined {
  return values instanceof Float32Array ? values.buffer : undefined;
}
