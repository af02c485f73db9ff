/**
 * Preprocessing's box calibration runs the face detectors in the caller's
 * process; BlazeFace makes wasm current when it loads. The caller's backend
 * must be current again afterwards: `vidpad demo` preprocesses and then
 * trains in one process, and trained on single-threaded wasm (6.5× slower)
 * before this was restored.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateSynthSiw, indexSiw, initBackend, listFaceDetectors, measureBoxCalibrations, resolvePreprocessConfig, tf, videoJobsOf } from '../../src/index.js';
import { withTempDir } from '../helpers/temp-dir.js';

test('box calibration leaves the caller on its own tfjs backend, though BlazeFace switched to wasm while it measured', async (t) => {
  if (!listFaceDetectors().find((p) => p.name === 'blazeface')?.available) return t.skip('BlazeFace model not installed');
  await withTempDir('vidpad-calib-backend-', async (dir) => {
    await generateSynthSiw(dir, { subjects: 1, seed: 2, frames: 8 });
    const jobs = videoJobsOf((await indexSiw(dir)).videos);
    await initBackend('cpu');
    const calibrations = await measureBoxCalibrations(jobs, resolvePreprocessConfig({ boxPolicy: 'dataset' }), { detectors: ['blazeface'], sample: { maxVideos: 2, framesPerVideo: 1 } });
    assert.equal(calibrations.length, 1, 'BlazeFace measured');
    assert.equal(tf.getBackend(), 'cpu');
  });
});
