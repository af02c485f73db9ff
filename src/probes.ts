/**
 * Whether an optional component can run on this machine (a compute backend,
 * a face detector), and the one way vidpad describes that to a user: the
 * lines listed under an error and by `vidpad backends`, and the list of what
 * is available. A root-level module, like errors.ts: engine and face share it.
 */

export interface Probe<N extends string = string> {
  name: N;
  available: boolean;
  /** Why it is unavailable, and what to install to make it available. */
  reason?: string;
}

/** One line per probe: `  name (available)` or `  name (unavailable: reason)`. */
export function describeProbes(probes: readonly Probe[]): string {
  return probes.map((p) => (p.available ? `  ${p.name} (available)` : `  ${p.name} (unavailable: ${p.reason ?? 'unknown'})`)).join('\n');
}

/** The names that can run here, comma-separated, or `none`. */
export function availableNames(probes: readonly Probe[]): string {
  return probes.filter((p) => p.available).map((p) => p.name).join(', ') || 'none';
}
