/**
 * Which clips go into which training batch: shuffled per epoch from the seed,
 * and (by default) balanced so that every batch holds both classes, which the
 * pair and triplet losses need to see positives and negatives. Pure.
 */
import { InputError } from '../errors.js';
import { childSeed, createSeededRandom } from '../data/index.js';
import type { SeededRandom } from '../data/index.js';
import type { LabeledClip } from '../preprocess/index.js';
import type { BatchBalance } from './config.js';

export function shuffled<T>(items: readonly T[], rng: SeededRandom): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * Splits one epoch's clips into batches. `balanced`: ⌈N/B⌉ batches, each
 * ⌊B/2⌋ live and the rest attacks, the smaller class cycled (reshuffled on
 * each pass) so the larger one is seen once. `natural`: a plain shuffle cut
 * into batches of B; a last batch of one clip is dropped.
 */
export function makeBatches(clips: readonly LabeledClip[], batchSize: number, balance: BatchBalance, seed: number, epoch: number): LabeledClip[][] {
  const rng = createSeededRandom(childSeed(seed, 'batches', epoch));
  if (balance === 'natural') {
    const all = shuffled(clips, rng);
    const batches: LabeledClip[][] = [];
    for (let i = 0; i < all.length; i += batchSize) batches.push(all.slice(i, i + batchSize));
    if (batches.length > 0 && batches[batches.length - 1]!.length < 2) batches.pop();
    return batches;
  }
  const live = clips.filter((c) => c.label === 'live');
  const attack = clips.filter((c) => c.label !== 'live');
  if (live.length === 0 || attack.length === 0) {
    throw new InputError(`balanced batches need both classes: the training clips hold ${live.length} live and ${attack.length} attack clips`);
  }
  const liveCount = Math.floor(batchSize / 2);
  const nBatches = Math.ceil(clips.length / batchSize);
  const cycle = (pool: readonly LabeledClip[]) => {
    let order = shuffled(pool, rng);
    let i = 0;
    return () => {
      if (i === order.length) {
        order = shuffled(pool, rng);
        i = 0;
      }
      return order[i++]!;
    };
  };
  const nextLive = cycle(live);
  const nextAttack = cycle(attack);
  return Array.from({ length: nBatches }, () => {
    const batch = [...Array.from({ length: liveCount }, nextLive), ...Array.from({ length: batchSize - liveCount }, nextAttack)];
    return shuffled(batch, rng);
  });
}
