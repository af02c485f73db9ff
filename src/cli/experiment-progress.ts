/** Progress lines for commands that train several cells in a row (experiment, demo). */
import { createProgressBar, formatDuration } from './progress.js';
import type { CellResult, CellSpec, EpochRecord, TrainProgress } from '../index.js';

export function cellProgress(stderr: NodeJS.WritableStream) {
  let bar: ReturnType<typeof createProgressBar> | null = null;
  let barEpoch = -1;
  return {
    onCellStart: (spec: CellSpec, i: number, n: number) => {
      barEpoch = -1;
      stderr.write(`\n[${i + 1}/${n}] ${spec.table}: ${spec.config}, protocol ${spec.protocol}${spec.fold === null ? '' : ` fold ${spec.fold}`}\n`);
    },
    onProgress: (p: TrainProgress) => {
      if (p.epoch !== barEpoch) {
        barEpoch = p.epoch;
        bar = createProgressBar({ label: `  epoch ${p.epoch + 1}/${p.maxEpochs}`, total: p.batches, unit: 'batches', stream: stderr });
      }
      bar!.update(p.batch, `loss ${p.loss.toFixed(4)}, ${p.clipsPerSec.toFixed(1)} clips/s${p.phase === 'validate' ? ', validating' : ''}`);
    },
    onEpoch: (r: EpochRecord) => {
      (bar as ReturnType<typeof createProgressBar> | null)?.finish(
        `  epoch ${r.epoch}: train loss ${r.trainLoss.toFixed(4)}, val loss ${r.valLoss.toFixed(4)}, val EER ${r.valEer === null ? 'n/a' : (100 * r.valEer).toFixed(1) + '%'}, ${r.clipsPerSec.toFixed(1)} clips/s, ${formatDuration(r.seconds)}${r.improved ? ' *' : ''}`,
      );
      bar = null;
    },
    onCellLocked: (spec: CellSpec, heldBy: string) => {
      stderr.write(`\nskipping ${spec.id}: locked by ${heldBy}; it is left out of this run's results\n`);
    },
    onCellDone: (r: CellResult) => {
      stderr.write(`  test: APCER ${(100 * r.clip.maxApcer).toFixed(2)}%, BPCER ${(100 * r.clip.bpcer).toFixed(2)}%, ACER ${(100 * r.clip.acer).toFixed(2)}% (${r.testClips} clips)\n`);
    },
  };
}
