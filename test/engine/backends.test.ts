import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, probeBackends, BACKEND_NAMES, BackendError, ConfigError, tf } from '../../src/index.js';

test('probeBackends lists every backend name once, with cpu and wasm available', async () => {
  const probes = await probeBackends();
  assert.deepEqual(probes.map((p) => p.name), [...BACKEND_NAMES]);
  assert.equal(probes.find((p) => p.name === 'cpu')?.available, true);
  assert.equal(probes.find((p) => p.name === 'wasm')?.available, true);
  for (const p of probes) if (!p.available) assert.ok(p.reason && p.reason.length > 10, `${p.name} says why it is unavailable`);
});

test('an unknown backend name is a BackendError that lists the valid and the available names', async () => {
  await assert.rejects(initBackend('gpu-please'), (err: unknown) => {
    assert.ok(err instanceof BackendError);
    assert.equal(err.code, 'E_BACKEND');
    assert.match(err.message, /'gpu-please'/);
    assert.match(err.message, /valid names are auto, tensorflow, native, wasm, cpu/);
    assert.match(err.message, /available on this machine: .*wasm, cpu/);
    return true;
  });
});

test('asking by name for an unavailable backend says what to install', async () => {
  const probes = await probeBackends();
  const unavailable = probes.filter((p) => !p.available);
  for (const p of unavailable) {
    await assert.rejects(initBackend(p.name), (err: unknown) => {
      assert.ok(err instanceof BackendError);
      assert.match(err.message, new RegExp(`backend '${p.name}' is not available`));
      assert.ok(err.message.includes(p.reason!), 'the reason (what to install) is in the message');
      return true;
    });
  }
});

test('a bad thread count is a ConfigError naming the field', async () => {
  await assert.rejects(initBackend('cpu', { threads: 0 }), (err: unknown) => err instanceof ConfigError && /backend\.threads/.test(err.message));
  await assert.rejects(initBackend('cpu', { threads: 1.5 }), ConfigError);
});

test('wasm and cpu activate, and auto picks the first available in the documented order', async () => {
  const wasm = await initBackend('wasm');
  assert.equal(wasm.name, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  const cpu = await initBackend('cpu');
  assert.equal(cpu.name, 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
  const probes = await probeBackends();
  const expected = probes.find((p) => p.available)!.name;
  const auto = await initBackend('auto');
  assert.equal(auto.name, expected);
});

test('vidpad backends and the errors describe probes the same way', async () => {
  const { main } = await import('../../src/cli/main.js');
  const { captureIo } = await import('../helpers/capture-io.js');
  const { describeProbes } = await import('../../src/probes.js');
  const probes = await probeBackends();
  const { out, io } = captureIo();
  assert.equal(await main(['backends'], io), 0);
  // The probes' lines, then one line of what the CPU reports (engine/precision.ts's describeCpu).
  const { describeCpu, detectCpuFeatures } = await import('../../src/engine/precision.js');
  assert.equal(out.stdout, describeProbes(probes) + '\n' + describeCpu(detectCpuFeatures()) + '\n');
  for (const p of probes) assert.ok(out.stdout.includes(p.available ? `  ${p.name} (available)` : `  ${p.name} (unavailable: ${p.reason})`));
  await assert.rejects(initBackend('tpu'), (err: unknown) => err instanceof BackendError && err.message.includes(describeProbes(probes)));
});
