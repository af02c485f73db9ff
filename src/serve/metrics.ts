/**
 * The service's Prometheus metrics, kept per server (no module state) and
 * written in the text exposition format 0.0.4: requests by route and status,
 * request latency, inference time and outcomes, the queue.
 */

/** Seconds; a short clip scores in tens of ms, a long video in tens of seconds. */
export const LATENCY_BUCKETS_SEC = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120] as const;

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

function newHistogram(): Histogram {
  return { counts: LATENCY_BUCKETS_SEC.map(() => 0), sum: 0, count: 0 };
}

function observe(h: Histogram, valueSec: number): void {
  for (let i = 0; i < LATENCY_BUCKETS_SEC.length; i++) if (valueSec <= LATENCY_BUCKETS_SEC[i]!) h.counts[i]! += 1;
  h.sum += valueSec;
  h.count += 1;
}

function labels(pairs: Record<string, string>): string {
  const body = Object.entries(pairs)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');
  return body ? `{${body}}` : '';
}

function histogramLines(name: string, pairs: Record<string, string>, h: Histogram): string[] {
  const out = LATENCY_BUCKETS_SEC.map((b, i) => `${name}_bucket${labels({ ...pairs, le: String(b) })} ${h.counts[i]}`);
  out.push(`${name}_bucket${labels({ ...pairs, le: '+Inf' })} ${h.count}`);
  out.push(`${name}_sum${labels(pairs)} ${h.sum}`);
  out.push(`${name}_count${labels(pairs)} ${h.count}`);
  return out;
}

export interface GaugeReadings {
  queued: number;
  busy: number;
  admitted: number;
  capacity: number;
  workersReady: number;
  workers: number;
}

export interface ServeMetrics {
  request(route: string, method: string, status: number, durationSec: number): void;
  /** outcome: live, attack, no-face, error, cancelled. */
  inference(outcome: string, durationSec: number | null): void;
  render(gauges: GaugeReadings): string;
}

export function createServeMetrics(): ServeMetrics {
  const requests = new Map<string, { route: string; method: string; status: string; n: number }>();
  const latency = new Map<string, Histogram>();
  const inferences = new Map<string, number>();
  const inferenceTime = newHistogram();
  return {
    request(route, method, status, durationSec) {
      const key = `${method} ${route} ${status}`;
      const r = requests.get(key) ?? { route, method, status: String(status), n: 0 };
      r.n += 1;
      requests.set(key, r);
      const h = latency.get(route) ?? newHistogram();
      observe(h, durationSec);
      latency.set(route, h);
    },
    inference(outcome, durationSec) {
      inferences.set(outcome, (inferences.get(outcome) ?? 0) + 1);
      if (durationSec !== null) observe(inferenceTime, durationSec);
    },
    render(g) {
      const lines: string[] = [];
      lines.push('# HELP vidpad_http_requests_total HTTP requests answered, by route, method and status.', '# TYPE vidpad_http_requests_total counter');
      for (const r of [...requests.values()].sort((a, b) => `${a.route}${a.method}${a.status}`.localeCompare(`${b.route}${b.method}${b.status}`))) {
        lines.push(`vidpad_http_requests_total${labels({ route: r.route, method: r.method, status: r.status })} ${r.n}`);
      }
      lines.push('# HELP vidpad_http_request_duration_seconds Time from a request\'s arrival to its answer, by route.', '# TYPE vidpad_http_request_duration_seconds histogram');
      for (const [route, h] of [...latency.entries()].sort(([a], [b]) => a.localeCompare(b))) lines.push(...histogramLines('vidpad_http_request_duration_seconds', { route }, h));
      lines.push('# HELP vidpad_inferences_total Inferences run by the workers, by outcome (live, attack, no-face, error, cancelled).', '# TYPE vidpad_inferences_total counter');
      for (const [outcome, n] of [...inferences.entries()].sort(([a], [b]) => a.localeCompare(b))) lines.push(`vidpad_inferences_total${labels({ outcome })} ${n}`);
      lines.push('# HELP vidpad_inference_duration_seconds Time a worker spent on one input.', '# TYPE vidpad_inference_duration_seconds histogram');
      lines.push(...histogramLines('vidpad_inference_duration_seconds', {}, inferenceTime));
      const gauge = (name: string, help: string, v: number) => lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${v}`);
      gauge('vidpad_inference_queue_length', 'Inputs waiting for a free worker.', g.queued);
      gauge('vidpad_inferences_in_progress', 'Inputs being scored now.', g.busy);
      gauge('vidpad_requests_admitted', 'Predict requests in flight (uploading, queued or scoring).', g.admitted);
      gauge('vidpad_requests_capacity', 'Predict requests admitted at most (workers + queue bound); beyond it, 503.', g.capacity);
      gauge('vidpad_workers_ready', 'Inference workers with the model loaded and warmed up.', g.workersReady);
      gauge('vidpad_workers', 'Inference workers configured.', g.workers);
      gauge('process_resident_memory_bytes', 'Resident memory of the service process, workers included.', process.memoryUsage.rss());
      return lines.join('\n') + '\n';
    },
  };
}
