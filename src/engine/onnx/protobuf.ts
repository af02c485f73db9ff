/**
 * The little of the protobuf wire format that ONNX files need: a writer that
 * builds messages as lists of byte chunks (so multi-megabyte weight blobs are
 * copied once, into the final buffer), and a reader that walks the fields of
 * one message (for inspecting exported files).
 *
 * Wire types: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32.
 */
import { InputError } from '../../errors.js';

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

function varintBytes(value: bigint): number[] {
  // Negative int64 values are sent as their 64-bit two's complement (10 bytes).
  let v = BigInt.asUintN(64, value);
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

/** A protobuf message under construction. Fields are written in call order. */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private pending: number[] = [];
  private size = 0;

  get byteLength(): number {
    return this.size + this.pending.length;
  }

  private flush(): void {
    if (this.pending.length > 0) {
      this.chunks.push(Uint8Array.from(this.pending));
      this.size += this.pending.length;
      this.pending = [];
    }
  }

  private raw(bytes: Uint8Array): void {
    // Small pieces are merged into the pending array; big ones are kept by reference.
    if (bytes.length < 64) {
      for (const b of bytes) this.pending.push(b);
    } else {
      this.flush();
      this.chunks.push(bytes);
      this.size += bytes.length;
    }
  }

  private tag(field: number, wire: number): void {
    for (const b of varintBytes(BigInt((field << 3) | wire))) this.pending.push(b);
  }

  private varint(value: number | bigint): void {
    for (const b of varintBytes(BigInt(value))) this.pending.push(b);
  }

  /** int32/int64/uint64/enum/bool field. */
  int(field: number, value: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    this.varint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.raw(b);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LEN);
    this.varint(value.length);
    this.raw(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** Embedded message field. */
  message(field: number, child: ProtoWriter): this {
    this.tag(field, WIRE_LEN);
    this.varint(child.byteLength);
    this.flush();
    child.flush();
    this.chunks.push(...child.chunks);
    this.size += child.size;
    return this;
  }

  /** Packed repeated int64 field. */
  packedInts(field: number, values: ReadonlyArray<number | bigint>): this {
    const body: number[] = [];
    for (const v of values) body.push(...varintBytes(BigInt(v)));
    this.tag(field, WIRE_LEN);
    this.varint(body.length);
    this.raw(Uint8Array.from(body));
    return this;
  }

  /** Packed repeated float field. */
  packedFloats(field: number, values: ArrayLike<number>): this {
    const b = new Uint8Array(values.length * 4);
    const view = new DataView(b.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
    this.tag(field, WIRE_LEN);
    this.varint(b.length);
    this.raw(b);
    return this;
  }

  finish(): Uint8Array {
    this.flush();
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

/** One decoded field: varints as bigint, length-delimited as a view into the buffer. */
export type ProtoField =
  | { field: number; wire: 0; value: bigint }
  | { field: number; wire: 1; value: Uint8Array }
  | { field: number; wire: 2; value: Uint8Array }
  | { field: number; wire: 5; value: Uint8Array };

/** Splits one message into its fields, in order; throws `InputError` on malformed bytes. */
export function readProtoFields(bytes: Uint8Array, what = 'protobuf message'): ProtoField[] {
  const fields: ProtoField[] = [];
  let at = 0;
  const readVarint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (at >= bytes.length) throw new InputError(`${what}: truncated varint at byte ${at}`);
      const b = bytes[at++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new InputError(`${what}: varint longer than 10 bytes at byte ${at}`);
    }
  };
  const take = (n: number): Uint8Array => {
    if (at + n > bytes.length) throw new InputError(`${what}: truncated: a field needs ${n} bytes at byte ${at} but the message has ${bytes.length - at} left`);
    const v = bytes.subarray(at, at + n);
    at += n;
    return v;
  };
  while (at < bytes.length) {
    const key = readVarint();
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (field === 0) throw new InputError(`${what}: field number 0 at byte ${at}`);
    if (wire === WIRE_VARINT) fields.push({ field, wire, value: readVarint() });
    else if (wire === WIRE_FIXED64) fields.push({ field, wire, value: take(8) });
    else if (wire === WIRE_LEN) fields.push({ field, wire, value: take(Number(readVarint())) });
    else if (wire === WIRE_FIXED32) fields.push({ field, wire, value: take(4) });
    else throw new InputError(`${what}: unsupported wire type ${wire} for field ${field}`);
  }
  return fields;
}

/** Decodes a packed repeated varint field's payload. */
export function readPackedVarints(payload: Uint8Array, what = 'packed varints'): bigint[] {
  const out: bigint[] = [];
  let value = 0n;
  let shift = 0n;
  for (const b of payload) {
    value |= BigInt(b & 0x7f) << shift;
    shift += 7n;
    if ((b & 0x80) === 0) {
      out.push(BigInt.asIntN(64, value));
      value = 0n;
      shift = 0n;
    } else if (shift > 63n) {
      throw new InputError(`${what}: varint longer than 10 bytes`);
    }
  }
  if (shift !== 0n) throw new InputError(`${what}: truncated varint`);
  return out;
}
