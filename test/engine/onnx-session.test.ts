// The engine's ONNX pieces know no model: a graph built with the generic
// builder, under names of the caller's choosing, runs on ONNX Runtime and
// gives what a hand computation gives; the session checks names and sizes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOnnxSession, encodeOnnxModel, OnnxGraphBuilder, onnxInts, permute } from '../../src/engine/onnx/index.js';
import { InputError, ShapeError } from '../../src/errors.js';

/** y = relu(x · W + b) over x [batch, 3], and s = sum of y's row, as two outputs. */
function tinyGraph(w: Float32Array, b: Float32Array): Uint8Array {
  const g = new OnnxGraphBuilder();
  const y = g.op('Relu', [g.op('Gemm', [g.reshape('x', [-1, 3]), g.floats('w', [3, 2], w), g.floats('b', [2], b)])], {}, 'y');
  g.op('ReduceSum', [y, g.int64s('axes', [1])], { keepdims: { kind: 'int', value: 0 } }, 's');
  return encodeOnnxModel({
    producerName: 'test',
    producerVersion: '',
    graph: {
      name: 'tiny',
      nodes: g.nodes,
      initializers: g.initializers,
      inputs: [{ name: 'x', elemType: 'float', dims: ['batch', 3] }],
      outputs: [
        { name: 'y', elemType: 'float', dims: ['batch', 2] },
        { name: 's', elemType: 'float', dims: ['batch'] },
      ],
    },
  });
}

test('a graph from the generic builder runs under the names the caller gives, and matches a hand computation', async () => {
  const w = Float32Array.of(1, -2, 0.5, 3, -1, 0.25);
  const b = Float32Array.of(0.1, -0.2);
  const session = await createOnnxSession(tinyGraph(w, b), { input: 'x', outputs: ['y', 's'] }, { threads: 1 });
  try {
    assert.deepEqual(session.itemShape, [3]);
    assert.deepEqual(session.outputDims.y, ['batch', 2]);
    const x = Float32Array.of(1, 2, 3, -1, 0.5, 2);
    const out = await session.run(x, 2);
    for (let r = 0; r < 2; r++) {
      let sum = 0;
      for (let c = 0; c < 2; c++) {
        let v = b[c]!;
        for (let k = 0; k < 3; k++) v += x[r * 3 + k]! * w[k * 2 + c]!;
        v = Math.max(0, v);
        sum += v;
        assert.ok(Math.abs(out.y[r * 2 + c]! - v) < 1e-6, `y[${r}, ${c}]`);
      }
      assert.ok(Math.abs(out.s[r]! - sum) < 1e-5, `s[${r}]`);
    }
    await assert.rejects(session.run(new Float32Array(5), 2), (e: unknown) => e instanceof ShapeError && /input 'x' expected \[2, 3\] = 6 values, got 5/.test(e.message));
    await assert.rejects(session.run(x, 0), ShapeError);
  } finally {
    await session.dispose();
  }
  const bytes = tinyGraph(w, b);
  await assert.rejects(createOnnxSession(bytes, { input: 'clip', outputs: ['y'] }), (e: unknown) => e instanceof InputError && /expected one input 'clip', found 'x'/.test(e.message));
  await assert.rejects(createOnnxSession(bytes, { input: 'x', outputs: ['liveScore'] }), (e: unknown) => e instanceof InputError && /expected an output 'liveScore', found 'y', 's'/.test(e.message));
  await assert.rejects(createOnnxSession(bytes, { input: 'x', outputs: ['y'] }, { threads: 0 }), /onnx.threads/);
});

test('permute moves axes like a naive index loop, and the builder shares shape operands', () => {
  const shape = [2, 3, 4];
  const data = Float32Array.from({ length: 24 }, (_, i) => i);
  const out = permute(data, shape, [2, 0, 1]);
  for (let a = 0; a < 2; a++) for (let b2 = 0; b2 < 3; b2++) for (let c = 0; c < 4; c++) assert.equal(out[c * 6 + a * 3 + b2], data[a * 12 + b2 * 4 + c]);
  const g = new OnnxGraphBuilder();
  g.reshape('a', [-1, 4]);
  g.reshape('b', [-1, 4]);
  g.transpose('c', [1, 0]);
  assert.equal(g.initializers.length, 1);
  assert.equal(g.initializers[0]!.name, 'shape_nx4');
  assert.deepEqual(g.nodes.map((n) => n.opType), ['Reshape', 'Reshape', 'Transpose']);
  assert.deepEqual(g.nodes[2]!.attributes!.perm, onnxInts([1, 0]));
  assert.equal(new Set(g.nodes.map((n) => n.outputs[0])).size, 3, 'unique output names');
});
