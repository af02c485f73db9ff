/**
 * What `GET /v1/model` answers: the model's configuration, input contract,
 * threshold and provenance, as the loaded LivenessDetector sees them.
 */
import type { InferencePrecision } from '../models/index.js';
import type { LivenessDetector } from '../predict/index.js';

export interface ModelInfo {
  dir: string;
  format: string;
  formatVersion: number;
  architecture: string;
  loss: string;
  config: Record<string, unknown>;
  input: Record<string, unknown>;
  /** The threshold applied (live when score >= value) and where it came from. */
  threshold: { value: number; chosenOn: string; rule: string; source: 'model' | 'option' };
  contract: Record<string, unknown>;
  /** Whether model.json recorded its input contract, or predict assumed the preprocessing defaults. */
  contractSource: 'recorded' | 'assumed';
  clipLayout: { frames: number; frameStride: number; hopFrames: number };
  detector: string;
  /** Dataset, protocol, fold, seed, epochs and software versions of training. */
  training: Record<string, unknown>;
  weights: { file: string; bytes: number | null; sha256: string | null };
  /** The export clips are scored with: 'fp32' (model.onnx, or the tfjs scorer) or 'int8' (model.int8.onnx). */
  precision: InferencePrecision;
}

export function modelInfoOf(detector: LivenessDetector, dir: string, precision: InferencePrecision): ModelInfo {
  const { meta } = detector;
  return {
    dir,
    format: meta.format,
    formatVersion: meta.formatVersion,
    architecture: meta.architecture,
    loss: meta.loss,
    config: { ...meta.config } as Record<string, unknown>,
    input: { ...meta.input } as unknown as Record<string, unknown>,
    threshold: { ...detector.threshold },
    contract: JSON.parse(JSON.stringify(detector.contract)) as Record<string, unknown>,
    contractSource: detector.contractSource,
    clipLayout: { ...detector.clipLayout },
    detector: detector.detectorName,
    training: JSON.parse(JSON.stringify(meta.training)) as Record<string, unknown>,
    weights: { file: meta.weights.file, bytes: meta.weights.bytes ?? null, sha256: meta.weights.sha256 ?? null },
    precision,
  };
}
