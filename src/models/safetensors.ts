/**
 * The safetensors file format (huggingface/safetensors), read and written in
 * plain Node: an 8-byte little-endian header length N, N bytes of JSON
 * (`{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {…}}`,
 * padded with spaces to a multiple of 8), then the tensors' raw little-endian
 * bytes, offsets counted from the end of the header.
 *
 * Only float32 (`F32`) tensors are read or written: that is all a vidpad model
 * holds. Reading is strict, because a model file is user input: every defect
 * is an `InputError` that names the file and, where there is one, the tensor.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../io/index.js';

/** One float32 tensor: a row-major shape and its values. */
export interface NamedTensorData {
  shape: readonly number[];
  data: Float32Array;
}

export interface SafetensorsContents {
  /** Tensors in the order of their data in the file. */
  tensors: Map<string, NamedTensorData>;
  /** The `__metadata__` string map (empty when absent). */
  metadata: Record<string, string>;
}

const HEADER_ALIGN = 8;
const F32_BYTES = 4;
/** The reference implementation refuses headers above 100 MB; so do we, before allocating. */
const MAX_HEADER_BYTES = 100_000_000;
const LITTLE_ENDIAN = os.endianness() === 'LE';

function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/**
 * Encodes tensors (kept in the given order) and string metadata into one
 * buffer. The header is padded with spaces so the data starts 8-byte aligned.
 */
export function encodeSafetensors(tensors: ReadonlyMap<string, NamedTensorData>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = { ...metadata };
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__') throw new InputError(`safetensors: '__metadata__' is reserved and cannot name a tensor`);
    if (!t.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new InputError(`safetensors: tensor '${name}' has an invalid shape [${t.shape.join(', ')}]`);
    }
    const n = elementCount(t.shape);
    if (n !== t.data.length) {
      throw new InputError(`safetensors: tensor '${name}' has shape [${t.shape.join(', ')}] (${n} values) but ${t.data.length} values were given`);
    }
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + n * F32_BYTES] };
    offset += n * F32_BYTES;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const headerLength = Math.ceil(json.length / HEADER_ALIGN) * HEADER_ALIGN;
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const t of tensors.values()) {
    if (LITTLE_ENDIAN) {
      out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    } else {
      for (let i = 0; i < t.data.length; i++) view.setFloat32(at + i * F32_BYTES, t.data[i]!, true);
    }
    at += t.data.byteLength;
  }
  return out;
}

interface HeaderEntry {
  name: string;
  shape: number[];
  begin: number;
  end: number;
}

function parseEntry(source: string, name: string, raw: unknown): HeaderEntry {
  const where = `${source}: tensor '${name}'`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InputError(`${where}: expected an object {dtype, shape, data_offsets} in the header`);
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (dtype !== 'F32') throw new InputError(`${where}: unsupported dtype ${JSON.stringify(dtype)}; vidpad reads F32 tensors only`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    throw new InputError(`${where}: shape must be an array of whole numbers >= 0, got ${JSON.stringify(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0)) {
    throw new InputError(`${where}: data_offsets must be [begin, end] with whole numbers >= 0, got ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) throw new InputError(`${where}: data_offsets [${begin}, ${end}] end before they begin`);
  const expected = elementCount(shape as number[]) * F32_BYTES;
  if (end - begin !== expected) {
    throw new InputError(`${where}: shape [${(shape as number[]).join(', ')}] needs ${expected} bytes of F32 but data_offsets [${begin}, ${end}] hold ${end - begin}`);
  }
  return { name, shape: shape as number[], begin, end };
}

/**
 * Decodes a safetensors buffer. `source` (a file path) prefixes every error.
 * The data is copied out, so the result does not pin `bytes`.
 */
export function decodeSafetensors(bytes: Uint8Array, source = 'safetensors buffer'): SafetensorsContents {
  if (bytes.length < 8) throw new InputError(`${source}: truncated: ${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength64 = view.getBigUint64(0, true);
  const available = bytes.length - 8;
  if (headerLength64 > BigInt(available)) {
    throw new InputError(`${source}: truncated or not safetensors: the header claims ${headerLength64} bytes but only ${available} follow the length field`);
  }
  const headerLength = Number(headerLength64);
  if (headerLength > MAX_HEADER_BYTES) throw new InputError(`${source}: header of ${headerLength} bytes exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, headerLength).toString('utf8'));
  } catch (err) {
    throw new InputError(`${source}: the header is not valid JSON (${(err as Error).message})`, { cause: err });
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new InputError(`${source}: the header must be a JSON object`);

  const metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InputError(`${source}: __metadata__ must be an object of strings`);
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new InputError(`${source}: __metadata__.${k} must be a string, got ${JSON.stringify(v)}`);
        metadata[k] = v;
      }
      continue;
    }
    entries.push(parseEntry(source, name, raw));
  }

  // The format requires the data buffer to be covered exactly: sorted by
  // offset, each tensor starts where the previous ended, the last ends at EOF.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  let expectedBegin = 0;
  for (const e of entries) {
    if (e.begin < expectedBegin) {
      const other = entries.find((o) => o !== e && o.begin < e.end && e.begin < o.end);
      throw new InputError(`${source}: tensor '${e.name}' data_offsets [${e.begin}, ${e.end}] overlap ${other ? `tensor '${other.name}' [${other.begin}, ${other.end}]` : 'another tensor'}`);
    }
    if (e.begin > expectedBegin) throw new InputError(`${source}: tensor '${e.name}' starts at byte ${e.begin} but the previous data ends at ${expectedBegin} (a hole in the data)`);
    if (e.end > dataLength) {
      throw new InputError(`${source}: truncated: tensor '${e.name}' data_offsets [${e.begin}, ${e.end}] reach beyond the ${dataLength} data bytes in the file`);
    }
    expectedBegin = e.end;
  }
  if (expectedBegin !== dataLength) {
    throw new InputError(`${source}: ${dataLength - expectedBegin} bytes after the last tensor's data (expected the file to end at data byte ${expectedBegin})`);
  }

  const tensors = new Map<string, NamedTensorData>();
  for (const e of entries) {
    const n = (e.end - e.begin) / F32_BYTES;
    const data = new Float32Array(n);
    if (LITTLE_ENDIAN) {
      new Uint8Array(data.buffer).set(bytes.subarray(dataStart + e.begin, dataStart + e.end));
    } else {
      for (let i = 0; i < n; i++) data[i] = view.getFloat32(dataStart + e.begin + i * F32_BYTES, true);
    }
    tensors.set(e.name, { shape: e.shape, data });
  }
  return { tensors, metadata };
}

/** Reads and decodes a safetensors file; a missing file is an `InputError` naming it. */
export async function readSafetensors(file: string): Promise<SafetensorsContents> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(`${file}: cannot read the weights file (${code === 'ENOENT' ? 'no such file' : (err as Error).message})`, { cause: err });
  }
  return decodeSafetensors(bytes, file);
}

/** Encodes and writes a safetensors file atomically (temp file, then rename). */
export async function writeSafetensors(file: string, tensors: ReadonlyMap<string, NamedTensorData>, metadata: Record<string, string> = {}): Promise<void> {
  await writeFileAtomic(file, encodeSafetensors(tensors, metadata));
}
