/**
 * JSON schemas of every route's body and answers. Fastify validates requests
 * and serialises answers with them, and /openapi.json is generated from
 * them, so the documentation cannot drift from what the service does. The
 * result schema is predict's LivenessResult (`vidpad predict --json`), field
 * for field (a test compares the service's answer with the library's).
 */
import type { ServeLimits } from './config.js';

const num = { type: 'number' } as const;
const int = { type: 'integer' } as const;
const str = { type: 'string' } as const;
const nullable = (t: string) => ({ type: [t, 'null'] });

const box = {
  type: 'object',
  required: ['left', 'top', 'right', 'bottom'],
  properties: { left: num, top: num, right: num, bottom: num },
} as const;

export const resultSchema = {
  $id: 'LivenessResult',
  type: 'object',
  description: "The liveness decision for one input: the same JSON as `vidpad predict --json` and the library's predictVideo.",
  required: ['input', 'kind', 'decision', 'score', 'scoreRule', 'threshold', 'clips', 'frames', 'detector', 'clipLayout', 'model', 'reason', 'warnings', 'timings'],
  properties: {
    input: { type: 'string', description: 'The upload\'s file name (multipart), `body` (a raw body) or `frames` (a JSON list).' },
    kind: { type: 'string', enum: ['video', 'image', 'frames'] },
    decision: { type: 'string', enum: ['live', 'attack', 'no-face'], description: 'live: score >= threshold; attack: below; no-face: no clip of T frames with a face.' },
    score: { ...nullable('number'), description: 'liveScore (higher = more likely live): the mean of the clip scores; null when nothing was scored.' },
    scoreRule: { type: 'string', enum: ['mean-of-clip-scores'] },
    threshold: {
      type: 'object',
      required: ['value', 'chosenOn', 'rule', 'source'],
      properties: { value: num, chosenOn: str, rule: str, source: { type: 'string', enum: ['model', 'option'] } },
    },
    clips: {
      type: 'array',
      items: {
        type: 'object',
        required: ['frames', 'startFrame', 'endFrame', 'score', 'boxes'],
        properties: { frames: { type: 'array', items: int }, startFrame: int, endFrame: int, score: num, boxes: { type: 'array', items: box } },
      },
    },
    frames: {
      type: 'object',
      required: ['read', 'withFace', 'clipsWithoutFace', 'width', 'height', 'decodeWidth', 'decodeHeight', 'fps'],
      properties: { read: int, withFace: int, clipsWithoutFace: int, width: int, height: int, decodeWidth: int, decodeHeight: int, fps: nullable('number') },
    },
    detector: { type: 'object', required: ['name', 'everyFrames', 'calibrated'], properties: { name: str, everyFrames: int, calibrated: { type: 'boolean' } } },
    clipLayout: { type: 'object', required: ['frames', 'frameStride', 'hopFrames'], properties: { frames: int, frameStride: int, hopFrames: int } },
    model: {
      type: 'object',
      required: ['dir', 'loss', 'inputSize', 'formatVersion', 'contract'],
      properties: { dir: str, loss: str, inputSize: int, formatVersion: int, contract: { type: 'string', enum: ['recorded', 'assumed'] } },
    },
    reason: nullable('string'),
    warnings: { type: 'array', items: str },
    timings: {
      type: 'object',
      required: ['decodeMs', 'detectMs', 'cropMs', 'scoreMs', 'totalMs', 'framesPerSec'],
      properties: { decodeMs: num, detectMs: num, cropMs: num, scoreMs: num, totalMs: num, framesPerSec: num },
    },
  },
} as const;

export const errorSchema = {
  $id: 'Error',
  type: 'object',
  description: 'Every refusal: a stable code, a message naming the problem, and for a limit its name, the value sent and the most allowed.',
  required: ['error', 'requestId'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'E_INPUT (bad request or media), E_LIMIT (over a limit), E_AUTH (no valid API key), E_BUSY (queue full, loading or closing: retry after Retry-After seconds), E_TIMEOUT (past the deadline), E_INTERNAL.' },
        message: str,
        limit: { type: 'string', description: 'The limit broken, by its flag.' },
        value: num,
        allowed: num,
        retryAfterSec: int,
      },
    },
    requestId: str,
  },
} as const;

export const healthSchema = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string', enum: ['ok'] }, uptimeSec: num },
} as const;

export const readySchema = {
  type: 'object',
  required: ['ready', 'workers', 'reason'],
  properties: {
    ready: { type: 'boolean' },
    reason: { ...nullable('string'), description: 'Why not ready: loading, a load error, shutting down.' },
    workers: { type: 'object', required: ['total', 'ready', 'busy'], properties: { total: int, ready: int, busy: int } },
    queue: { type: 'object', required: ['waiting', 'admitted', 'capacity'], properties: { waiting: int, admitted: int, capacity: int } },
  },
} as const;

export const modelInfoSchema = {
  type: 'object',
  description: "The loaded model: its config, input contract, the threshold applied and training provenance (model.json's).",
  required: ['dir', 'format', 'formatVersion', 'architecture', 'loss', 'config', 'input', 'threshold', 'contract', 'contractSource', 'clipLayout', 'detector', 'training', 'weights', 'precision', 'limits'],
  properties: {
    dir: str,
    format: str,
    formatVersion: int,
    architecture: str,
    loss: str,
    config: { type: 'object', additionalProperties: true },
    input: { type: 'object', additionalProperties: true },
    threshold: resultSchema.properties.threshold,
    contract: { type: 'object', additionalProperties: true },
    contractSource: { type: 'string', enum: ['recorded', 'assumed'] },
    clipLayout: resultSchema.properties.clipLayout,
    detector: str,
    training: { type: 'object', additionalProperties: true },
    weights: { type: 'object', required: ['file', 'bytes', 'sha256'], properties: { file: str, bytes: nullable('integer'), sha256: nullable('string') } },
    precision: { type: 'string', enum: ['fp32', 'int8'], description: "The export clips are scored with: fp32 (model.onnx) or int8 (model.int8.onnx, from 'vidpad export --quantize int8')." },
    limits: {
      type: 'object',
      description: "The service's limits.",
      required: ['maxUploadBytes', 'maxDurationSec', 'maxFrames', 'maxFramePixels', 'deadlineSec', 'maxQueue'],
      properties: { maxUploadBytes: int, maxDurationSec: num, maxFrames: int, maxFramePixels: int, deadlineSec: num, maxQueue: int },
    },
  },
} as const;

/**
 * The JSON form of POST /v1/predict. The frame count limit is checked by the
 * handler rather than by `maxItems`, so that it is refused like every limit
 * (413, E_LIMIT, naming --max-frames) and not as a malformed request.
 */
export function framesBodySchema(limits: ServeLimits) {
  return {
    type: 'object',
    description:
      'Frames of one video, in order. format "image" (default): each frame a base64 JPEG or PNG file (a data: URL is accepted); one frame is scored as a still. ' +
      'format "rgb24": each frame base64 of width·height·3 bytes (RGB, row by row), with width and height. ' +
      `At most ${limits.maxFrames} frames (--max-frames) and ${limits.maxFramePixels} pixels a frame (--max-frame-pixels).`,
    required: ['frames'],
    additionalProperties: false,
    properties: {
      format: { type: 'string', enum: ['image', 'rgb24'], default: 'image' },
      width: { type: 'integer', minimum: 1 },
      height: { type: 'integer', minimum: 1 },
      frames: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
    },
  } as const;
}

export const multipartSchema = {
  type: 'object',
  required: ['file'],
  properties: { file: { type: 'string', format: 'binary', description: 'A video (mp4, mov, webm, mkv, avi, gif, ...) or an image (jpeg, png, webp, bmp, tiff).' } },
} as const;

export const rawBodySchema = { type: 'string', format: 'binary', description: 'The video or image file itself, with its content type (video/*, image/*, application/octet-stream).' } as const;
