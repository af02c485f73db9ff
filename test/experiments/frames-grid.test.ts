/**
 * Table II's grid (`vidpad experiment --grid frames`): T = 2, 3, 5, each
 * without and with the FlowNetS branch. The grid sets the clip length and
 * the branch per row, so `--flow-weights` alone (without `--flow`) is how a
 * user gives the flow rows a pretrained encoder: the plain rows must not
 * carry it, and the flow rows must start from it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { createFlowNetS, gridConfigs, initBackend, readSafetensors, saveFlowNetSWeights, tf } from '../../src/index.js';
import { withTempDir } from '../helpers/temp-dir.js';
import { makeCliDataset, stderrLines, tinyTrainArgs, vidpad } from '../reliability/helpers.js';

test('the frames grid: six rows, the clip length and the flow branch set per row, flow weights only on the flow rows', () => {
  const rows = gridConfigs('frames', { loss: 'ce', model: { widthMultiplier: 0.25, flowBranch: false }, clip: { length: 5, stride: 1 }, flowWeights: 'enc.safetensors' });
  assert.deepEqual(rows.map((r) => r.config), ['T=2', 'T=3', 'T=5', 'T=2 + flow', 'T=3 + flow', 'T=5 + flow']);
  for (const { config, train } of rows) {
    const t = Number(/T=(\d)/.exec(config)![1]);
    const flow = config.endsWith('+ flow');
    assert.equal(train.clip?.length, t, config);
    assert.equal(train.model?.frames, t, config);
    assert.equal(train.model?.flowBranch, flow, config);
    assert.equal(train.flowWeights, flow ? 'enc.safetensors' : null, config);
    assert.equal(train.model?.widthMultiplier, 0.25, `${config} keeps the other options`);
  }
});

test('experiment --grid frames --flow-weights FILE (no --flow): the flow rows start from FILE; other grids still refuse it without --flow', async () => {
  await withTempDir('vidpad-frames-grid-', async (dir) => {
    const data = await makeCliDataset(dir);
    // An encoder at the tiny width whose last bias is 0.5 everywhere: a scratch branch starts at 0.
    await initBackend('wasm');
    const encoder = createFlowNetS({ widthMultiplier: 0.0625, seed: 3 });
    const weights = path.join(dir, 'encoder.safetensors');
    try {
      const bias = encoder.variables.get('conv6_1.0.bias')!;
      bias.assign(tf.fill(bias.shape, 0.5));
      await saveFlowNetSWeights(encoder, weights, 'encoder');
    } finally {
      encoder.dispose();
    }

    const refused = await vidpad('experiment', '--grid', 'loss', ...tinyTrainArgs(data, path.join(dir, 'loss')), '--flow-weights', weights);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(stderrLines(refused)[0]!, /--flow-weights .*encoder\.safetensors: train\.flowWeights: given without the flow branch/);

    // Shard 1 of 6 is the first id in sorted order: T=2 + flow.
    const out = path.join(dir, 'frames');
    const r = await vidpad('experiment', '--grid', 'frames', ...tinyTrainArgs(data, out, 1), '--flow-weights', weights, '--protocols', 'all', '--shard', '1/6');
    assert.equal(r.code, 0, r.stderr);
    const plan = JSON.parse(await readFile(path.join(out, 'experiment.json'), 'utf8')) as { cells: Array<{ id: string; train: { flowWeights?: string | null; model: { flowBranch: boolean } } }> };
    assert.equal(plan.cells.length, 6);
    for (const c of plan.cells) assert.equal(c.train.flowWeights ?? null, c.train.model.flowBranch ? weights : null, c.id);

    const model = path.join(out, 'cells', 'frames-t-2-flow-pall', 'model');
    const meta = JSON.parse(await readFile(path.join(model, 'model.json'), 'utf8')) as { extra: { flowBranch?: { init: string } } };
    const sha = createHash('sha256').update(await readFile(weights)).digest('hex');
    assert.equal(meta.extra.flowBranch?.init, `pretrained:${sha}`);
    // One epoch at lr 0.001 moves the bias a little, nowhere near a scratch start's 0.
    const trained = (await readSafetensors(path.join(model, 'weights.safetensors'))).tensors.get('flow.conv6_1.0.bias')!;
    const values = Array.from(trained.data);
    assert.ok(values.length > 0 && values.every((v) => Math.abs(v - 0.5) < 0.05), `flow.conv6_1.0.bias stays near 0.5: ${values.slice(0, 4).join(', ')}…`);
  });
});
