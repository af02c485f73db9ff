/**
 * `vidpad serve`: the liveness check as an HTTP service. Parses the flags,
 * builds the service (src/serve/), listens, and on SIGTERM or SIGINT stops
 * taking requests, finishes those in flight and exits.
 */
import type { CliCommand } from '../command.js';
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_TERMINATED } from '../exit-codes.js';
import { numberOption, stringOption } from '../dataset-args.js';
import { FACE_DETECTOR_NAMES, INFERENCE_PRECISIONS, InputError, SCORERS, UsageError, readInt8Export } from '../../index.js';
import type { FaceDetectorRequest, InferencePrecision, ScorerName } from '../../index.js';
import { createServer, DEFAULT_SERVE_LIMITS, loadApiKeys } from '../../serve/index.js';
import type { ServeLimits, WorkerDetectorOptions } from '../../serve/index.js';

const MIB = 1024 * 1024;

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'the liveness check as an HTTP service (POST /v1/predict; health, model, metrics, OpenAPI)',
  usage: '--model DIR [--host H] [--port P] [--workers N] [--precision fp32|int8] [--api-key-file FILE] [limits]',
  handlesSignals: true,
  description:
    'Serves the model in --model over HTTP. POST /v1/predict takes a video or an image (multipart/form-data with a file\n' +
    'field, or the raw body with its content type: video/*, image/*, application/octet-stream) or JSON frames\n' +
    '({"frames": [base64 JPEG/PNG, ...]} or {"format": "rgb24", "width", "height", "frames": [base64 RGB]}) and answers\n' +
    "the JSON of 'vidpad predict --json'. GET /healthz (alive), /readyz (model loaded and warmed up), /v1/model,\n" +
    '/metrics (Prometheus), /openapi.json. Inference runs on --workers threads, each with its own copy of the model;\n' +
    'at most workers + --max-queue predict requests are in flight, more get 503 with Retry-After. Every limit is\n' +
    'answered with a JSON error naming it (413; 504 past the deadline; 401 without a key when --api-key-file is set).\n' +
    'Writes one JSON log line per request to standard output. The service keeps no state between requests: run\n' +
    'as many instances as needed behind a load balancer that checks /readyz. SIGTERM or SIGINT: stop taking requests,\n' +
    'finish those in flight, exit (143 after SIGTERM, 130 after SIGINT, as every vidpad command); 1 if the model cannot be loaded.',
  options: [
    { name: 'model', type: 'string', valueName: 'DIR', description: 'trained model folder (model.json, weights.safetensors; model.onnx is used when current)' },
    { name: 'host', type: 'string', valueName: 'H', description: 'address to listen on (0.0.0.0 for every interface, e.g. in a container)', default: '127.0.0.1' },
    { name: 'port', type: 'string', valueName: 'P', description: 'port to listen on (0: any free port, printed at start)', default: '8080' },
    { name: 'workers', type: 'string', valueName: 'N', description: 'inference worker threads, each with its own model (default: one per 2 cores)' },
    { name: 'threads', type: 'string', valueName: 'N', description: 'ONNX Runtime threads per worker (default: cores / workers)' },
    { name: 'max-queue', type: 'string', valueName: 'N', description: 'predict requests that may wait for a worker; beyond workers + N in flight: 503 + Retry-After', default: String(DEFAULT_SERVE_LIMITS.maxQueue) },
    { name: 'max-upload-mb', type: 'string', valueName: 'MB', description: 'largest request body in MiB (413 beyond)', default: String(DEFAULT_SERVE_LIMITS.maxUploadBytes / MIB) },
    { name: 'max-duration-sec', type: 'string', valueName: 'S', description: 'longest video in seconds (413 beyond)', default: String(DEFAULT_SERVE_LIMITS.maxDurationSec) },
    { name: 'max-frames', type: 'string', valueName: 'N', description: 'most frames in one input (413 beyond)', default: String(DEFAULT_SERVE_LIMITS.maxFrames) },
    { name: 'max-frame-pixels', type: 'string', valueName: 'N', description: 'most pixels in one frame, width × height (413 beyond; 8294400 = 3840×2160)', default: String(DEFAULT_SERVE_LIMITS.maxFramePixels) },
    { name: 'deadline-sec', type: 'string', valueName: 'S', description: 'per-request deadline: upload, queue and inference together (504 beyond)', default: String(DEFAULT_SERVE_LIMITS.deadlineSec) },
    { name: 'api-key-file', type: 'string', valueName: 'FILE', description: 'require an API key (Authorization: Bearer KEY or X-API-Key: KEY) from FILE, one key a line (# comments); /healthz, /readyz and /openapi.json stay open' },
    { name: 'tmp-dir', type: 'string', valueName: 'DIR', description: "where uploads are spooled while scored (default: the OS's temp folder); removed after each request" },
    { name: 'detector', type: 'string', valueName: 'NAME', description: `face detector: auto, ${FACE_DETECTOR_NAMES.join(', ')} (default: the one the model's crops were made with)` },
    { name: 'detect-every', type: 'string', valueName: 'N', description: 'detect faces on every N-th frame, tracking between (default: as vidpad predict)' },
    { name: 'clip-stride', type: 'string', valueName: 'N', description: "frames between clip starts (default: the model's evaluation layout)" },
    { name: 'threshold', type: 'string', valueName: 'X', description: "decide live at score >= X instead of the model's threshold" },
    { name: 'scorer', type: 'string', valueName: 'NAME', description: `where clips are scored: ${SCORERS.join(', ')}`, default: 'onnx' },
    { name: 'backend', type: 'string', valueName: 'NAME', description: 'tfjs backend for blazeface and the tfjs scorer: auto, native, wasm, cpu' },
    { name: 'precision', type: 'string', valueName: 'fp32|int8', description: "the onnx scorer's export: model.onnx (fp32) or model.int8.onnx (int8, made by 'vidpad export --quantize int8', checked at start; see docs/precision.md)", default: 'fp32' },
    { name: 'quiet', type: 'boolean', description: 'no log line per request (startup and errors only)', default: false },
  ],
  async run(args, io) {
    const o = args.options;
    const model = stringOption(args, 'model', 'serve');
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'; see 'vidpad serve --help'`);
    const port = numberOption(args, 'port', { integer: true, min: 0 })!;
    if (port > 65535) throw new UsageError(`--port expects a port number 0..65535, got '${String(o.port)}'`);
    const host = String(o.host);
    const scorer = String(o.scorer);
    if (!(SCORERS as readonly string[]).includes(scorer)) throw new UsageError(`--scorer must be one of ${SCORERS.join(', ')}, got '${scorer}'`);
    const detector = o.detector as string | undefined;
    if (detector !== undefined && !['auto', ...FACE_DETECTOR_NAMES].includes(detector)) throw new UsageError(`--detector must be one of auto, ${FACE_DETECTOR_NAMES.join(', ')}, got '${detector}'`);
    const precision = String(o.precision ?? 'fp32');
    if (!(INFERENCE_PRECISIONS as readonly string[]).includes(precision)) throw new UsageError(`--precision must be one of ${INFERENCE_PRECISIONS.join(', ')}, got '${precision}'`);
    if (precision === 'int8' && scorer !== 'onnx') throw new UsageError('--precision int8 runs on --scorer onnx (model.int8.onnx)');
    // Checked here, before any worker starts: a missing or stale int8 export is the operator's mistake, not a load failure.
    if (precision === 'int8') {
      try {
        await readInt8Export(model);
      } catch (err) {
        if (err instanceof InputError) throw new UsageError(`--precision int8: ${err.message}`);
        throw err;
      }
    }
    const limits: ServeLimits = {
      maxQueue: numberOption(args, 'max-queue', { integer: true, min: 0 })!,
      maxUploadBytes: Math.round(positive(args, 'max-upload-mb') * MIB),
      maxDurationSec: positive(args, 'max-duration-sec'),
      maxFrames: numberOption(args, 'max-frames', { integer: true, min: 1 })!,
      maxFramePixels: numberOption(args, 'max-frame-pixels', { integer: true, min: 1 })!,
      deadlineSec: positive(args, 'deadline-sec'),
    };
    const workers = numberOption(args, 'workers', { integer: true, min: 1 });
    const threads = numberOption(args, 'threads', { integer: true, min: 1 });
    const detectEvery = numberOption(args, 'detect-every', { integer: true, min: 1 });
    const clipStride = numberOption(args, 'clip-stride', { integer: true, min: 1 });
    const threshold = numberOption(args, 'threshold');
    const apiKeys = typeof o['api-key-file'] === 'string' ? await loadApiKeys(o['api-key-file']) : null;
    const stderr = io.stderr as NodeJS.WritableStream;

    const detectorOptions: WorkerDetectorOptions = {
      model,
      scorer: scorer as ScorerName,
      precision: precision as InferencePrecision,
      ...(detector !== undefined ? { detector: detector as FaceDetectorRequest } : {}),
      ...(typeof o.backend === 'string' ? { backend: o.backend } : {}),
      ...(threads !== undefined ? { threads } : {}),
      ...(detectEvery !== undefined ? { detectEveryFrames: detectEvery } : {}),
      ...(clipStride !== undefined ? { clipStride } : {}),
      ...(threshold !== undefined ? { threshold } : {}),
    };
    const app = await createServer({
      detector: detectorOptions,
      ...(workers !== undefined ? { workers } : {}),
      limits,
      apiKeys,
      ...(typeof o['tmp-dir'] === 'string' ? { tmpDir: o['tmp-dir'] } : {}),
      log: o.quiet ? false : io.stdout,
    });

    // Signals are taken from now on: the first closes gracefully, a second one exits at once.
    let stopping: NodeJS.Signals | null = null;
    let onSignal: (s: NodeJS.Signals) => void = () => {};
    const signalled = new Promise<NodeJS.Signals>((resolve) => (onSignal = resolve));
    const handler = (signal: NodeJS.Signals) => {
      if (stopping) {
        stderr.write(`vidpad serve: ${signal} again: exiting now\n`);
        process.exit(signal === 'SIGINT' ? EXIT_INTERRUPTED : EXIT_TERMINATED);
      }
      stopping = signal;
      onSignal(signal);
    };
    process.on('SIGTERM', handler);
    process.on('SIGINT', handler);
    try {
      let address: string;
      try {
        address = await app.listen({ host, port });
      } catch (err) {
        await app.close();
        const e = err as NodeJS.ErrnoException;
        throw new UsageError(`cannot listen on ${host}:${port} (${e.code === 'EADDRINUSE' ? 'the port is in use' : e.code === 'EACCES' ? 'permission denied' : e.message}); choose another --port or --host`);
      }
      const { config } = app.vidpad;
      stderr.write(
        `vidpad serve: listening on ${address} (model ${model}, ${precision}, ${config.workers} worker${config.workers === 1 ? '' : 's'}, queue ${config.limits.maxQueue}${apiKeys ? `, ${apiKeys.length} API key${apiKeys.length === 1 ? '' : 's'}` : ''}); loading the model, GET /readyz answers 200 when ready\n`,
      );
      const loaded = app.vidpad.whenReady().then(
        () => {
          stderr.write('vidpad serve: ready\n');
          return new Promise<never>(() => {});
        },
        (err: unknown) => err,
      );
      const first = await Promise.race([signalled, loaded]);
      if (typeof first !== 'string') {
        stderr.write(`vidpad serve: error: the model could not be loaded: ${(first as Error).message}\n`);
        await app.close();
        return EXIT_FAILED;
      }
      const inFlight = app.vidpad.pool.state().admitted;
      stderr.write(`vidpad serve: ${first}: not taking new requests; finishing ${inFlight} in flight\n`);
      await app.close();
      stderr.write('vidpad serve: stopped\n');
      return first === 'SIGINT' ? EXIT_INTERRUPTED : EXIT_TERMINATED;
    } finally {
      process.off('SIGTERM', handler);
      process.off('SIGINT', handler);
    }
  },
};

function positive(args: Parameters<CliCommand['run']>[0], name: string): number {
  const v = numberOption(args, name)!;
  if (!(v > 0)) throw new UsageError(`--${name} expects a number > 0, got '${String(args.options[name])}'`);
  return v;
}
