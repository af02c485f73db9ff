/**
 * Grad-CAM on the clips predict scores (Node): the model folder loaded once
 * on tfjs (gradients need it; ONNX Runtime has none), the target chosen from
 * the model (the live logit of a cross-entropy model, else the cosine to the
 * live prototype), and each clip's strip and the index page written into a
 * folder as they come, atomically.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { ensureBackend, initBackend, tf } from '../engine/index.js';
import type { Tensor1D, Tensor5D } from '../engine/index.js';
import { loadModelFolder } from '../models/index.js';
import { writeFileAtomic } from '../io/index.js';
import type { AlexNet2Plus1D, ModelMeta } from '../models/index.js';
import { encodePng } from '../face/index.js';
import { standardizeClips } from '../data/index.js';
import type { ClipPixels } from '../data/index.js';
import { ConfigError } from '../errors.js';
import { clipHeatmaps, cosineToPrototypeTarget, gradCam, logitTarget } from './grad-cam.js';
import type { CamTarget } from './grad-cam.js';
import { camIndexHtml, clipStrip } from './draw.js';
import type { IndexEntry } from './draw.js';

export const CAM_TARGETS = ['auto', 'live-score', 'attack-score', 'live-logit'] as const;
export type CamTargetName = (typeof CAM_TARGETS)[number];

export interface ClipExplanation {
  /** One heat map per frame, `size × size`, values 0..1 (scaled by the clip's largest). */
  heatmaps: Float32Array[];
  /** The explained target's value for the clip. */
  target: number;
  /** Map resolution before upsampling (the activations'). */
  mapSize: { height: number; width: number };
}

export interface ClipExplainer {
  readonly meta: ModelMeta;
  /** What is explained, in words. */
  readonly targetDescription: string;
  readonly targetName: Exclude<CamTargetName, 'auto'>;
  explain(clip: ClipPixels): ClipExplanation;
  dispose(): void;
}

/**
 * Loads `model` on tfjs (`backend`, default: the current one or `auto`) for
 * Grad-CAM. `target`: `auto` (the live logit for cross-entropy models, whose
 * folder keeps the head; else the live score), `live-score`, `attack-score`
 * (the live score negated: what an attack's maps should show), `live-logit`.
 */
export async function createClipExplainer(options: { model: string; target?: CamTargetName; backend?: string }): Promise<ClipExplainer> {
  const requested = options.target ?? 'auto';
  if (!CAM_TARGETS.includes(requested)) throw new ConfigError('explain.target', `expected one of ${CAM_TARGETS.join(', ')}, got ${JSON.stringify(requested)}`);
  if (options.backend !== undefined) await initBackend(options.backend);
  else await ensureBackend('auto');
  const { model, meta } = await loadModelFolder(options.model);
  const targetName = requested === 'auto' ? (meta.head ? 'live-logit' : 'live-score') : requested;
  let target: CamTarget;
  let targetDescription: string;
  if (targetName === 'live-logit') {
    if (!meta.head) {
      model.dispose();
      throw new ConfigError('explain.target', `${options.model}: 'live-logit' needs a cross-entropy model's head, and this ${meta.loss} model has none; use live-score`);
    }
    target = logitTarget(meta.head);
    targetDescription = 'the live logit of the cross-entropy head';
  } else if (targetName === 'attack-score') {
    // What pushed the clip towards attack: the live score, negated.
    const live = cosineToPrototypeTarget(meta.liveScore.prototype);
    target = (embeddings) => tf.tidy(() => tf.neg(live(embeddings)) as Tensor1D);
    targetDescription = 'the attack score (the live score negated: what pushed the clip towards attack)';
  } else {
    target = cosineToPrototypeTarget(meta.liveScore.prototype);
    targetDescription = 'the live score (cosine of the embedding with the live prototype)';
  }
  const network: AlexNet2Plus1D = model;
  const { frames, inputSize } = meta.config;
  return {
    meta,
    targetDescription,
    targetName,
    explain(clip) {
      if (clip.frames.length !== frames || clip.width !== inputSize || clip.height !== inputSize) {
        throw new ConfigError('explain.clip', `expected ${frames} frames of ${inputSize}×${inputSize}, got ${clip.frames.length} of ${clip.width}×${clip.height}`);
      }
      const x = tf.tensor5d(standardizeClips([clip]), [1, frames, inputSize, inputSize, 3]) as Tensor5D;
      try {
        const cam = gradCam(network, x, target);
        const [, t, h, w] = cam.shape;
        return { heatmaps: clipHeatmaps(cam.maps, t, h, w, inputSize), target: cam.targets[0]!, mapSize: { height: h, width: w } };
      } finally {
        x.dispose();
      }
    },
    dispose() {
      model.dispose();
    },
  };
}

/** Writes one input's strips (`clip-0001.png`, ...) as clips arrive, then its `index.html`. */
export interface CamReportWriter {
  add(clip: { frames: readonly number[]; pixels: ClipPixels; score: number }): Promise<void>;
  finish(verdict: string, notes?: readonly string[]): Promise<string>;
}

/** The strip files a writer makes (`clip-0001.png`, ...). */
const STRIP_FILE = /^clip-\d{4,}\.png$/;

/**
 * Writes into `outDir` (made when missing). Strips of an earlier run there
 * are removed first, so the folder never shows clips the new index does not
 * list; the caller has checked that the folder is vidpad's to write.
 */
export async function createCamReportWriter(outDir: string, input: string, explainer: ClipExplainer): Promise<CamReportWriter> {
  await mkdir(outDir, { recursive: true });
  for (const name of await readdir(outDir)) if (STRIP_FILE.test(name)) await rm(path.join(outDir, name), { force: true });
  const entries: IndexEntry[] = [];
  return {
    async add(clip) {
      const e = explainer.explain(clip.pixels);
      const crops = clip.pixels.frames.map((data) => ({ width: clip.pixels.width, height: clip.pixels.height, data: Uint8Array.from(data) }));
      const image = `clip-${String(entries.length + 1).padStart(4, '0')}.png`;
      await writeFileAtomic(path.join(outDir, image), encodePng(clipStrip(crops, e.heatmaps)));
      entries.push({ image, frames: clip.frames, score: clip.score, ...(explainer.targetName === 'live-score' ? {} : { target: e.target }) });
    },
    async finish(verdict, notes = []) {
      const file = path.join(outDir, 'index.html');
      await writeFileAtomic(file, camIndexHtml({ input, verdict, target: explainer.targetDescription, entries, notes }));
      return file;
    },
  };
}
