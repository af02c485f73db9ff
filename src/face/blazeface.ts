/**
 * The `blazeface` detector: MediaPipe's BlazeFace, the "back" (full-range)
 * model with a 256×256 input, as converted to a TensorFlow.js graph model and
 * shipped in @vladmandic/human (models/blazeface.json + .bin; MediaPipe's
 * model, Apache-2.0; human's packaging, MIT). Runs on whatever tfjs backend
 * the engine made current, so the same code serves Node and the browser.
 *
 * The model: input [1, 256, 256, 3] RGB scaled to [-1, 1]; outputs for 896
 * anchors in two groups: stride 16 (16×16 cells × 2 anchors = 512) and stride
 * 32 (8×8 cells × 6 anchors = 384), each with a logit [.., 1] and 16
 * regressors [.., 16]: the box centre's offset from the anchor centre, the
 * box width and height (all in input pixels), then 6 key points. Anchors have
 * a fixed unit size, so decoding is: centre = anchor + offset, size = raw.
 * Decoding, NMS and the mapping back to frame pixels are done here in plain
 * TypeScript (896 rows: cheaper than more tensor ops).
 *
 * This file imports nothing from Node, so a browser build can use it with a
 * model from `tf.loadGraphModel(url)`; blazeface-model.node.ts reads the
 * shipped model from disk.
 */
import { tf } from '../engine/tf.js';
import type { DetectOptions, FaceDetection, FaceDetector, FaceDetectorConfig, RgbFrame } from './types.js';
import { boxCenter, boxFromCenter, boxHeight, boxWidth, nonMaxSuppression, toBoxNorm, type BoxPx } from './box.js';
import { checkRgbFrame, letterboxRgb } from './crop.js';
import { ConfigError, InputError } from '../errors.js';

export const BLAZEFACE_INPUT_PX = 256;

/**
 * BlazeFace's box and dlib's square frame the same face differently: dlib's
 * is ~10% larger and sits higher (it takes in the brow; BlazeFace reaches
 * lower, to the chin). This maps the first onto the second: a square of side
 * `sideScale`·max(w, h), its centre moved by `shiftXFrac`·side and
 * `shiftYFrac`·side. Fitted (least squares: the means of the per-face ratios
 * and offsets) on the three sample photographs against dlib at upsample 1:
 * side ratios 1.13, 1.09, 1.08; vertical offsets -0.16, -0.11, +0.05. The
 * horizontal offsets (+0.16, -0.21, -0.01) follow the head's yaw, so they
 * average out and no horizontal shift is applied. IoU with dlib's box before
 * and after: see `npm run bench:face` and test/face/detectors.test.ts.
 */
export const BLAZEFACE_TO_DLIB = Object.freeze({ sideScale: 1.1, shiftXFrac: 0, shiftYFrac: -0.075 });

/** Applies BLAZEFACE_TO_DLIB (or another calibration of that shape) to a raw BlazeFace box. */
export function calibrateBlazefaceBox(raw: BoxPx, cal: { sideScale: number; shiftXFrac: number; shiftYFrac: number } = BLAZEFACE_TO_DLIB): BoxPx {
  const side = Math.max(boxWidth(raw), boxHeight(raw));
  const c = boxCenter(raw);
  const out = side * cal.sideScale;
  return boxFromCenter(c.x + cal.shiftXFrac * side, c.y + cal.shiftYFrac * side, out, out);
}

/** Anchor centres in input pixels, in the model's output order: stride 16 (2 per cell), then stride 32 (6 per cell). */
export function blazefaceAnchors(inputPx = BLAZEFACE_INPUT_PX): Float32Array {
  const layers = [
    { stride: 16, perCell: 2 },
    { stride: 32, perCell: 6 },
  ];
  const out: number[] = [];
  for (const { stride, perCell } of layers) {
    const cells = Math.ceil(inputPx / stride);
    for (let y = 0; y < cells; y++) {
      for (let x = 0; x < cells; x++) {
        for (let k = 0; k < perCell; k++) out.push((x + 0.5) * stride, (y + 0.5) * stride);
      }
    }
  }
  return new Float32Array(out);
}

const DEFAULT_MIN_SCORE = 0.5;

/**
 * A blazeface detector around an already loaded graph model, which it owns
 * from now on (`dispose` frees it). `source` names the model in errors.
 */
export function createBlazefaceDetectorFromModel(graphModel: tf.GraphModel, config: Readonly<FaceDetectorConfig>, source = 'the BlazeFace model'): FaceDetector {
  let model: tf.GraphModel | null = graphModel;
  const file = source;
  const inShape = graphModel.inputs[0]?.shape;
  if (!inShape || inShape[1] !== BLAZEFACE_INPUT_PX || inShape[2] !== BLAZEFACE_INPUT_PX || inShape[3] !== 3) {
    graphModel.dispose();
    throw new ConfigError('modelPath', `${file}: expected BlazeFace's [1, 256, 256, 3] input, got [${String(inShape)}]`);
  }
  const anchors = blazefaceAnchors();
  const nAnchors = anchors.length / 2;

  return {
    name: 'blazeface',
    config,
    async detect(frame: RgbFrame, options: DetectOptions = {}): Promise<FaceDetection[]> {
      if (!model) throw new InputError('this blazeface face detector has been disposed');
      checkRgbFrame(frame);
      const maxFaces = options.maxFaces ?? config.maxFaces;
      const minScore = options.minScore ?? config.minScore ?? DEFAULT_MIN_SCORE;
      const lb = letterboxRgb(frame, BLAZEFACE_INPUT_PX);
      const pixels = new Float32Array(lb.frame.data.length);
      for (let i = 0; i < pixels.length; i++) pixels[i] = lb.frame.data[i]! / 127.5 - 1;
      const input = tf.tensor4d(pixels, [1, BLAZEFACE_INPUT_PX, BLAZEFACE_INPUT_PX, 3]);
      let outputs: tf.Tensor[] = [];
      const logits = new Float32Array(nAnchors);
      const regs = new Float32Array(nAnchors * 16);
      try {
        const res = model.execute(input);
        outputs = Array.isArray(res) ? res : [res];
        // Identify the four outputs by shape rather than by name: converters
        // have renamed them before.
        const pick = (rows: number, cols: number): tf.Tensor => {
          const t = outputs.find((o) => o.shape[1] === rows && o.shape[2] === cols);
          if (!t) throw new ConfigError('modelPath', `${file}: no output of shape [1, ${rows}, ${cols}]; not the 256×256 BlazeFace model`);
          return t;
        };
        const [s16, r16, s32, r32] = await Promise.all([pick(512, 1).data(), pick(512, 16).data(), pick(384, 1).data(), pick(384, 16).data()]);
        logits.set(s16 as Float32Array, 0);
        logits.set(s32 as Float32Array, 512);
        regs.set(r16 as Float32Array, 0);
        regs.set(r32 as Float32Array, 512 * 16);
      } finally {
        input.dispose();
        for (const o of outputs) o.dispose();
      }
      const boxes: BoxPx[] = [];
      const scores: number[] = [];
      for (let i = 0; i < nAnchors; i++) {
        const score = 1 / (1 + Math.exp(-logits[i]!));
        if (score < minScore) continue;
        const r = i * 16;
        const cx = anchors[2 * i]! + regs[r]!;
        const cy = anchors[2 * i + 1]! + regs[r + 1]!;
        const w = regs[r + 2]!;
        const h = regs[r + 3]!;
        if (!(w > 0 && h > 0)) continue;
        // Input pixels -> frame pixels: undo the letterbox.
        boxes.push({
          left: (cx - w / 2 - lb.offsetX) * lb.scale,
          top: (cy - h / 2 - lb.offsetY) * lb.scale,
          right: (cx + w / 2 - lb.offsetX) * lb.scale,
          bottom: (cy + h / 2 - lb.offsetY) * lb.scale,
        });
        scores.push(score);
      }
      const kept = nonMaxSuppression(boxes, scores, config.iouThreshold, maxFaces);
      return kept.map((i) => {
        const box = config.calibrate ? calibrateBlazefaceBox(boxes[i]!) : boxes[i]!;
        return { box, boxNorm: toBoxNorm(box, frame.width, frame.height), score: scores[i]! };
      });
    },
    dispose(): void {
      model?.dispose();
      model = null;
    },
  };
}
