/**
 * The face detectors on real photographs: each available detector finds the
 * known face (IoU >= 0.5 with the README's dlib box), finds nothing in frames
 * without a face, dlib-hog and blazeface agree after calibration, bad inputs
 * are typed errors, and blazeface leaks no tensors.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BLAZEFACE_TO_DLIB,
  BackendError,
  ConfigError,
  ShapeError,
  createFaceDetector,
  cropFace,
  initBackend,
  iou,
  listFaceDetectors,
  readImage,
  tf,
  type FaceDetectorName,
  type RgbFrame,
} from '../../src/index.js';
import { createRequire } from 'node:module';
import { dlibAddonPath, dlibRectToBoxPx } from '../../src/face/dlib.js';
import { SAMPLE_FACES, samplePath, seededNoise } from './helpers.js';

const probes = listFaceDetectors();
const dlibProbe = probes.find((p) => p.name === 'dlib-hog')!;
const DLIB_SKIP = dlibProbe.available ? false : `dlib-hog unavailable: ${dlibProbe.reason ?? ''}`;

const images = new Map<string, RgbFrame>();

before(async () => {
  await initBackend('wasm');
  for (const s of SAMPLE_FACES) images.set(s.file, (await readImage(samplePath(s.file))).frame);
});

/** Frames without a face: flat grey, seeded noise, and a patch of a sample's background. */
function noFaceFrames(): { name: string; frame: RgbFrame }[] {
  const out = [
    { name: 'flat grey 640×480', frame: { width: 640, height: 480, data: new Uint8Array(640 * 480 * 3).fill(128) } },
    { name: 'noise 640×480', frame: seededNoise(640, 480, 7) },
    // Degenerate sizes: no crash, no face (the 2000×1 strip is downscaled to 640×1 for dlib).
    { name: '1×1', frame: { width: 1, height: 1, data: new Uint8Array(3).fill(77) } },
    { name: '2000×1', frame: seededNoise(2000, 1, 5) },
  ];
  const t1 = images.get('image_T1.jpg');
  // Below and right of T1's face (which ends at x 343, y 343): wall, boxes, shirt.
  if (t1) out.push({ name: 'background of image_T1', frame: cropFace(t1, { left: 340, top: 380, right: 480, bottom: 640 }, { sizePx: 320, marginFrac: 0, edge: 'clamp' }).frame });
  return out;
}

function detectorSuite(name: FaceDetectorName, skip: string | false): void {
  describe(name, { skip }, () => {
    it('finds the known face in each sample photograph (IoU >= 0.5)', async () => {
      const d = await createFaceDetector({ detector: name });
      try {
        for (const s of SAMPLE_FACES) {
          const faces = await d.detect(images.get(s.file)!);
          assert.ok(faces.length >= 1, `${name} found no face in ${s.file}`);
          const best = Math.max(...faces.map((f) => iou(f.box, s.box)));
          assert.ok(best >= 0.5, `${name} on ${s.file}: best IoU ${best.toFixed(3)} < 0.5`);
          // The highest-scored face is the known one (each photo shows one face).
          assert.ok(iou(faces[0]!.box, s.box) >= 0.5);
          const f = faces[0]!;
          const w = images.get(s.file)!.width;
          const h = images.get(s.file)!.height;
          assert.ok(Math.abs(f.boxNorm.left - f.box.left / w) < 1e-12 && Math.abs(f.boxNorm.bottom - f.box.bottom / h) < 1e-12);
          assert.ok(Number.isFinite(f.score));
        }
      } finally {
        d.dispose();
      }
    });

    it('finds no face in frames without one', async () => {
      const d = await createFaceDetector({ detector: name });
      try {
        for (const { name: what, frame } of noFaceFrames()) {
          const faces = await d.detect(frame);
          assert.equal(faces.length, 0, `${name} found ${faces.length} face(s) in ${what}: ${JSON.stringify(faces)}`);
        }
      } finally {
        d.dispose();
      }
    });

    it('finds the face in a 1920×1080 frame, boxes scaled back to its pixels', async () => {
      // The T1 photo pasted, scaled 1.5×, at (600, 60) of a grey full-HD frame.
      const src = images.get('image_T1.jpg')!;
      const scaled = cropFace(src, { left: 0, top: 0, right: 480, bottom: 640 }, { sizePx: 960, marginFrac: 0, edge: 'pad-zero' });
      // cropFace made a 960² square from a 640-high column: the photo sits at x 120..840 inside it.
      const big = { width: 1920, height: 1080, data: new Uint8Array(1920 * 1080 * 3).fill(90) };
      for (let y = 0; y < 960; y++) big.data.set(scaled.frame.data.subarray(y * 960 * 3, (y + 1) * 960 * 3), ((y + 60) * 1920 + 600) * 3);
      const known = SAMPLE_FACES[0]!.box;
      const expected = { left: 600 + 120 + known.left * 1.5, top: 60 + known.top * 1.5, right: 600 + 120 + known.right * 1.5, bottom: 60 + known.bottom * 1.5 };
      const d = await createFaceDetector({ detector: name });
      try {
        const faces = await d.detect(big);
        assert.ok(faces.length >= 1);
        assert.ok(iou(faces[0]!.box, expected) >= 0.5, `IoU ${iou(faces[0]!.box, expected).toFixed(3)}`);
      } finally {
        d.dispose();
      }
    });

    it('rejects a frame whose buffer does not match its size, and detect after dispose', async () => {
      const d = await createFaceDetector({ detector: name });
      await assert.rejects(d.detect({ width: 100, height: 100, data: new Uint8Array(100 * 100 * 3 - 1) }), (e: unknown) => {
        assert.ok(e instanceof ShapeError);
        assert.match(e.message, /29999 bytes; expected width\*height\*3/);
        return true;
      });
      await assert.rejects(d.detect({ width: 0, height: 10, data: new Uint8Array(0) }), ShapeError);
      d.dispose();
      await assert.rejects(d.detect({ width: 4, height: 4, data: new Uint8Array(48) }), /disposed/);
    });
  });
}

detectorSuite('dlib-hog', DLIB_SKIP);
detectorSuite('blazeface', false);

describe('dlib-hog specifics', { skip: DLIB_SKIP }, () => {
  it('upsample 0 misses a small face that upsample 1 finds', async () => {
    // T1 shrunk to 1/4: the face is ~56 px, under the ~80 px dlib sees without upsampling.
    const small = cropFace(images.get('image_T1.jpg')!, { left: 0, top: 0, right: 480, bottom: 640 }, { sizePx: 160, marginFrac: 0, edge: 'pad-zero' }).frame;
    const d0 = await createFaceDetector({ detector: 'dlib-hog', upsample: 0 });
    const d1 = await createFaceDetector({ detector: 'dlib-hog', upsample: 1 });
    try {
      assert.equal((await d0.detect(small)).length, 0);
      assert.equal((await d1.detect(small)).length, 1);
    } finally {
      d0.dispose();
      d1.dispose();
    }
  });

  it('concurrent calls on one detector give the same results as sequential ones', async () => {
    const d = await createFaceDetector({ detector: 'dlib-hog' });
    try {
      const frames = SAMPLE_FACES.map((s) => images.get(s.file)!);
      const sequential = [];
      for (const f of frames) sequential.push(await d.detect(f));
      const concurrent = await Promise.all([...frames, ...frames].map((f) => d.detect(f)));
      assert.deepEqual(concurrent, [...sequential, ...sequential]);
    } finally {
      d.dispose();
    }
  });

  it('the addon takes grey or RGB pixels and rejects other buffer sizes', async () => {
    const addon = createRequire(import.meta.url)(dlibAddonPath()!) as {
      FrontalFaceDetector: new () => { detect(p: Uint8Array, w: number, h: number, up: number, adj?: number): Promise<{ left: number; top: number; right: number; bottom: number; score: number }[]> };
    };
    const native = new addon.FrontalFaceDetector();
    const img = images.get('image_T1.jpg')!;
    const grey = new Uint8Array(img.width * img.height);
    for (let i = 0; i < grey.length; i++) grey[i] = Math.round(0.299 * img.data[3 * i]! + 0.587 * img.data[3 * i + 1]! + 0.114 * img.data[3 * i + 2]!);
    const fromGrey = await native.detect(grey, img.width, img.height, 1);
    const fromRgb = await native.detect(img.data, img.width, img.height, 1);
    // dlib's HOG takes the strongest gradient over the colour channels, so grey
    // and RGB find the face with somewhat different boxes; the README's boxes
    // are RGB ones (which is why detect() passes RGB).
    assert.equal(fromGrey.length, 1);
    assert.equal(fromRgb.length, 1);
    assert.ok(iou(dlibRectToBoxPx(fromGrey[0]!, 1, 1), SAMPLE_FACES[0]!.box) >= 0.5);
    assert.ok(iou(dlibRectToBoxPx(fromRgb[0]!, 1, 1), SAMPLE_FACES[0]!.box) >= 0.9);
    await assert.rejects(async () => native.detect(new Uint8Array(10), 2, 2, 1), /pixels has 10 bytes; expected width\*height \(grey\) = 4 or width\*height\*3 \(RGB\) = 12/);
    await assert.rejects(async () => native.detect(grey, img.width, img.height, 9), /upsample must be between 0 and 4/);
  });

  it('scores follow minScore (dlib adjust_threshold)', async () => {
    const d = await createFaceDetector({ detector: 'dlib-hog' });
    try {
      const img = images.get('image_F2.jpg')!;
      const faces = await d.detect(img);
      assert.equal(faces.length, 1);
      const score = faces[0]!.score;
      assert.ok(score > 0);
      assert.equal((await d.detect(img, { minScore: score + 0.01 })).length, 0);
      assert.ok((await d.detect(img, { minScore: -0.5 })).length >= 1);
    } finally {
      d.dispose();
    }
  });
});

describe('dlib-hog and blazeface agree', { skip: DLIB_SKIP }, () => {
  it('on the same faces, IoU >= 0.5 after calibration, and calibration raises the mean IoU', async () => {
    const dl = await createFaceDetector({ detector: 'dlib-hog' });
    const raw = await createFaceDetector({ detector: 'blazeface', calibrate: false });
    const cal = await createFaceDetector({ detector: 'blazeface' });
    try {
      const before: number[] = [];
      const after: number[] = [];
      for (const s of SAMPLE_FACES) {
        const img = images.get(s.file)!;
        const a = (await dl.detect(img))[0]!;
        const r = (await raw.detect(img))[0]!;
        const c = (await cal.detect(img))[0]!;
        before.push(iou(a.box, r.box));
        after.push(iou(a.box, c.box));
        assert.ok(after[after.length - 1]! >= 0.5, `${s.file}: dlib vs calibrated blazeface IoU ${after[after.length - 1]!.toFixed(3)}`);
        // Calibrated boxes are squares.
        assert.ok(Math.abs(c.box.right - c.box.left - (c.box.bottom - c.box.top)) < 1e-6);
      }
      const mean = (v: number[]): number => v.reduce((x, y) => x + y, 0) / v.length;
      assert.ok(mean(after) > mean(before), `mean IoU before ${mean(before).toFixed(3)}, after ${mean(after).toFixed(3)} (calibration ${JSON.stringify(BLAZEFACE_TO_DLIB)})`);
    } finally {
      dl.dispose();
      raw.dispose();
      cal.dispose();
    }
  });
});

describe('blazeface', () => {
  it('leaks no tensors across detections', async () => {
    const d = await createFaceDetector({ detector: 'blazeface' });
    try {
      await d.detect(images.get('image_T1.jpg')!);
      const count = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) await d.detect(images.get(SAMPLE_FACES[i]!.file)!);
      await d.detect(seededNoise(320, 200, 3));
      assert.equal(tf.memory().numTensors, count);
    } finally {
      d.dispose();
    }
  });

  it('gives the same box on the cpu backend as on wasm', async () => {
    const img = images.get('image_F1.jpg')!;
    const onWasm = await createFaceDetector({ detector: 'blazeface' });
    const a = await onWasm.detect(img);
    onWasm.dispose();
    await initBackend('cpu');
    try {
      const onCpu = await createFaceDetector({ detector: 'blazeface' });
      const b = await onCpu.detect(img);
      onCpu.dispose();
      assert.equal(b.length, a.length);
      assert.ok(iou(a[0]!.box, b[0]!.box) > 0.99, `IoU ${iou(a[0]!.box, b[0]!.box)}`);
      assert.ok(Math.abs(a[0]!.score - b[0]!.score) < 1e-3);
    } finally {
      await initBackend('wasm');
    }
  });

  it('dispose frees the model weights', async () => {
    const start = tf.memory().numTensors;
    const d = await createFaceDetector({ detector: 'blazeface' });
    assert.ok(tf.memory().numTensors > start);
    d.dispose();
    assert.equal(tf.memory().numTensors, start);
  });

  it('rejects a model file that is not the 256×256 BlazeFace', async () => {
    await assert.rejects(createFaceDetector({ detector: 'blazeface', modelPath: '/nonexistent/model.json' }), BackendError);
    await assert.rejects(createFaceDetector({ detector: 'blazeface', modelPath: new URL('../../package.json', import.meta.url).pathname }), ConfigError);
  });
});

describe('choosing a detector', () => {
  it('an unknown name is a ConfigError listing the valid and available detectors', async () => {
    await assert.rejects(createFaceDetector({ detector: 'mtcnn' as never }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.path, 'faces.detector');
      assert.match(e.message, /unknown face detector 'mtcnn'/);
      assert.match(e.message, /valid names are auto, dlib-hog, blazeface/);
      assert.match(e.message, /available on this machine: .*blazeface/);
      return true;
    });
  });

  it('auto picks dlib-hog where its addon is built, else blazeface', async () => {
    const d = await createFaceDetector();
    try {
      assert.equal(d.name, dlibProbe.available ? 'dlib-hog' : 'blazeface');
    } finally {
      d.dispose();
    }
  });

  it('an unavailable dlib-hog names the package to install', { skip: dlibProbe.available ? 'the dlib addon is built here' : false }, async () => {
    await assert.rejects(createFaceDetector({ detector: 'dlib-hog' }), (e: unknown) => {
      assert.ok(e instanceof BackendError);
      assert.match(e.message, /libdlib-dev/);
      assert.match(e.message, /available: blazeface/);
      return true;
    });
  });

  it('bad config values name their field', async () => {
    await assert.rejects(createFaceDetector({ upsample: 9 }), /faces\.upsample: expected an integer in 0\.\.4, got 9/);
    await assert.rejects(createFaceDetector({ maxWidthPx: 10.5 }), /faces\.maxWidthPx/);
    await assert.rejects(createFaceDetector({ iouThreshold: 2 }), /faces\.iouThreshold/);
    await assert.rejects(createFaceDetector({ minScore: Number.NaN }), /faces\.minScore/);
  });
});
