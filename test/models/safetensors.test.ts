import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InputError } from '../../src/errors.js';
import { decodeSafetensors, encodeSafetensors, readSafetensors, writeSafetensors } from '../../src/models/safetensors.js';
import type { NamedTensorData } from '../../src/models/safetensors.js';

/** A safetensors file built by hand: length, header JSON padded with spaces, data. */
function handBuilt(header: unknown, data: number[], pad = true): Uint8Array {
  let json = JSON.stringify(header);
  if (pad) while (json.length % 8 !== 0) json += ' ';
  const body = new Uint8Array(data.length * 4);
  const view = new DataView(body.buffer);
  data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(Buffer.from(json, 'latin1'), 8);
  out.set(body, 8 + json.length);
  return out;
}

const twoTensors = (): Map<string, NamedTensorData> =>
  new Map([
    ['conv.weight', { shape: [2, 1, 1, 2], data: Float32Array.of(1, -2, 0.5, 3.25) }],
    ['conv.bias', { shape: [2], data: Float32Array.of(-0.125, 7) }],
  ]);

function expectInputError(fn: () => unknown, ...parts: Array<string | RegExp>): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InputError, `expected InputError, got ${String(err)}`);
    for (const p of parts) {
      if (typeof p === 'string') assert.ok(err.message.includes(p), `message '${err.message}' should mention '${p}'`);
      else assert.match(err.message, p);
    }
    return true;
  });
}

test('encode writes the documented byte layout: u64 LE length, space-padded JSON header, 8-aligned LE data', () => {
  const bytes = encodeSafetensors(twoTensors(), { format: 'vidpad' });
  const header = {
    __metadata__: { format: 'vidpad' },
    'conv.weight': { dtype: 'F32', shape: [2, 1, 1, 2], data_offsets: [0, 16] },
    'conv.bias': { dtype: 'F32', shape: [2], data_offsets: [16, 24] },
  };
  const expected = handBuilt(header, [1, -2, 0.5, 3.25, -0.125, 7]);
  assert.deepEqual(Buffer.from(bytes), Buffer.from(expected));
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  assert.equal(headerLength % 8, 0);
  assert.equal((8 + headerLength) % 8, 0, 'data starts 8-byte aligned');
  const jsonText = Buffer.from(bytes.subarray(8, 8 + headerLength)).toString('utf8');
  assert.match(jsonText, / +$/, 'padding is spaces');
  assert.deepEqual(JSON.parse(jsonText), header);
  // -2 as little-endian float32 at data byte 4.
  assert.deepEqual([...bytes.subarray(8 + headerLength + 4, 8 + headerLength + 8)], [0x00, 0x00, 0x00, 0xc0]);
});

test('decode reads a hand-built file (unpadded header, tensors listed out of data order) exactly', () => {
  const header = {
    b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
    a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
    empty: { dtype: 'F32', shape: [0, 3], data_offsets: [12, 12] },
  };
  const { tensors, metadata } = decodeSafetensors(handBuilt(header, [1.5, -0, 3e-38], false), 'hand.safetensors');
  assert.deepEqual(metadata, {});
  assert.deepEqual([...tensors.keys()], ['a', 'b', 'empty']);
  assert.deepEqual(tensors.get('a')!.shape, [2]);
  assert.ok(Object.is(tensors.get('a')!.data[1], -0));
  assert.equal(tensors.get('b')!.data[0], Math.fround(3e-38));
  assert.equal(tensors.get('empty')!.data.length, 0);
});

test('round trip preserves every bit, NaN payloads and infinities included', () => {
  const bits = Uint32Array.of(0x7fc00001, 0xff800000, 0x7f800000, 0x00000001, 0x80000000, 0x3f800000);
  const data = new Float32Array(bits.buffer);
  const back = decodeSafetensors(encodeSafetensors(new Map([['t', { shape: [3, 2], data }]]), { k: 'v' }));
  assert.deepEqual(back.metadata, { k: 'v' });
  assert.deepEqual([...new Uint32Array(back.tensors.get('t')!.data.buffer)], [...bits]);
  // The result does not alias the input buffer.
  assert.notEqual(back.tensors.get('t')!.data.buffer, data.buffer);
});

test('every malformed file is an InputError naming the file and the tensor', () => {
  const f = 'bad.safetensors';
  const good = (o: object = {}) => ({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, ...o });
  expectInputError(() => decodeSafetensors(new Uint8Array(5), f), f, 'truncated', 'too short');
  const longHeader = handBuilt(good(), [1, 2]);
  new DataView(longHeader.buffer).setBigUint64(0, 10_000n, true);
  expectInputError(() => decodeSafetensors(longHeader, f), f, 'header claims 10000 bytes');
  const notJson = handBuilt(good(), [1, 2]);
  notJson[8] = 0x5b; // '['
  expectInputError(() => decodeSafetensors(notJson, f), f, 'not valid JSON');
  expectInputError(() => decodeSafetensors(handBuilt([1, 2], []), f), f, 'must be a JSON object');
  expectInputError(() => decodeSafetensors(handBuilt({ w: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }, [1]), f), f, "'w'", 'unsupported dtype "F16"');
  expectInputError(() => decodeSafetensors(handBuilt({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, [1, 2]), f), f, "'w'", 'shape [3] needs 12 bytes', 'hold 8');
  expectInputError(() => decodeSafetensors(handBuilt({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 8] } }, [1, 2]), f), f, "'w'", 'shape must be');
  expectInputError(() => decodeSafetensors(handBuilt({ w: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }, [1, 2]), f), "'w'", 'end before they begin');
  expectInputError(() => decodeSafetensors(handBuilt({ w: { dtype: 'F32', shape: [2], data_offsets: [0] } }, [1, 2]), f), "'w'", 'data_offsets must be');
  // Overlap: b starts inside a.
  const overlap = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } };
  expectInputError(() => decodeSafetensors(handBuilt(overlap, [1, 2, 3]), f), f, "tensor 'b'", 'overlap', "'a'");
  // Out of range: the data section is shorter than the offsets (a truncated file).
  const full = encodeSafetensors(twoTensors());
  expectInputError(() => decodeSafetensors(full.subarray(0, full.length - 4), f), f, 'truncated', "'conv.bias'", 'beyond the 20 data bytes');
  // A hole between tensors, and stray bytes after the last one.
  const hole = { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } };
  expectInputError(() => decodeSafetensors(handBuilt(hole, [1, 2, 3]), f), "tensor 'b'", 'hole');
  expectInputError(() => decodeSafetensors(handBuilt(good(), [1, 2, 3]), f), f, '4 bytes after the last tensor');
  expectInputError(() => decodeSafetensors(handBuilt(good({ __metadata__: { n: 1 } }), [1, 2]), f), '__metadata__.n must be a string');
  expectInputError(() => decodeSafetensors(handBuilt({ w: 'x' }, []), f), "'w'", 'expected an object');
});

test('encode refuses data that does not fill its shape and the reserved name', () => {
  expectInputError(() => encodeSafetensors(new Map([['w', { shape: [2, 2], data: new Float32Array(3) }]])), "'w'", 'shape [2, 2] (4 values) but 3 values');
  expectInputError(() => encodeSafetensors(new Map([['__metadata__', { shape: [1], data: new Float32Array(1) }]])), 'reserved');
});

test('writeSafetensors is atomic (no temp file left) and readSafetensors reads it back; a missing file names the path', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vidpad-st-'));
  try {
    const file = path.join(dir, 'w.safetensors');
    await writeFile(file, 'old contents');
    await writeSafetensors(file, twoTensors(), { a: 'b' });
    assert.deepEqual(await readdir(dir), ['w.safetensors']);
    const back = await readSafetensors(file);
    assert.deepEqual(back.metadata, { a: 'b' });
    assert.deepEqual([...back.tensors.get('conv.weight')!.data], [1, -2, 0.5, 3.25]);
    assert.deepEqual(Buffer.from(await readFile(file)), Buffer.from(encodeSafetensors(twoTensors(), { a: 'b' })));
    await assert.rejects(readSafetensors(path.join(dir, 'nope.safetensors')), (err: unknown) => err instanceof InputError && err.message.includes('nope.safetensors') && err.message.includes('no such file'));
    await writeFile(file, Buffer.from(encodeSafetensors(twoTensors())).subarray(0, 30));
    await assert.rejects(readSafetensors(file), (err: unknown) => err instanceof InputError && err.message.startsWith(file));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
