/**
 * A progress line for long jobs on stderr: a bar, counts, rate and ETA.
 * On a terminal it redraws one line; elsewhere (logs, CI) it prints a plain
 * line at most every few seconds, so a log stays readable.
 */

export interface ProgressBar {
  /** `done` of `total` units; `extra` is appended (e.g. the current loss). */
  update(done: number, extra?: string): void;
  /** The total, once known (a job that counts its units only after it starts, e.g. the clips of a split). */
  setTotal(total: number): void;
  /** Ends the line (TTY) and prints the final state once. */
  finish(message?: string): void;
}

export interface ProgressBarOptions {
  label: string;
  /** Units to do; null while unknown (no bar, percentage or ETA is shown until `setTotal`). */
  total: number | null;
  /** Unit of the rate, e.g. `videos`, `clips`. */
  unit: string;
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Seconds between plain lines when not on a terminal. */
  plainIntervalSec?: number;
  now?: () => number;
}

export function formatDuration(sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) return '--:--';
  const s = Math.round(sec);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}

export function createProgressBar(options: ProgressBarOptions): ProgressBar {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? (() => performance.now() / 1e3);
  const tty = Boolean((stream as { isTTY?: boolean }).isTTY);
  const start = now();
  const interval = options.plainIntervalSec ?? 5;
  let lastPlain = -Infinity;
  let lastLine = '';
  let knownTotal = options.total;
  const render = (done: number, extra?: string) => {
    const elapsed = now() - start;
    // Too early for a rate: the first update comes a few milliseconds after the start.
    const rate = elapsed >= 0.5 ? done / elapsed : 0;
    const rateText = rate > 0 ? `${rate.toFixed(rate < 10 ? 2 : 0)} ${options.unit}/s` : `-- ${options.unit}/s`;
    if (knownTotal === null) return `${options.label} ${done} ${options.unit}, ${rateText}, elapsed ${formatDuration(elapsed)}${extra ? `  ${extra}` : ''}`;
    const total = Math.max(knownTotal, 0);
    const eta = rate > 0 && total > 0 ? (total - done) / rate : NaN;
    const frac = total > 0 ? Math.min(1, done / total) : 1;
    const width = 24;
    const filled = Math.round(frac * width);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    return `${options.label} ${bar} ${done}/${total} ${(100 * frac).toFixed(0)}% ${rateText}, elapsed ${formatDuration(elapsed)}, ETA ${formatDuration(eta)}${extra ? `  ${extra}` : ''}`;
  };
  return {
    setTotal(total) {
      knownTotal = total;
    },
    update(done, extra) {
      lastLine = render(done, extra);
      if (tty) {
        const cols = (stream as { columns?: number }).columns ?? 120;
        stream.write(`\r${lastLine.slice(0, cols - 1).padEnd(Math.min(cols - 1, lastLine.length))}\x1b[K`);
      } else if (now() - lastPlain >= interval) {
        lastPlain = now();
        stream.write(lastLine + '\n');
      }
    },
    finish(message) {
      if (tty) stream.write('\r\x1b[K');
      stream.write((message ?? lastLine) + '\n');
    },
  };
}
