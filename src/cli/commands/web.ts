/**
 * `vidpad web`: serves the browser liveness page with a model folder, until
 * stopped (Ctrl-C). The page runs everything (camera, BlazeFace, the model)
 * in the browser; this process only hands out static files.
 */
import path from 'node:path';
import type { CliCommand } from '../command.js';
import { InputError, UsageError, defaultWebPageDir, prepareWebModel, readInt8Export, startWebServer } from '../../index.js';

export const webCommand: CliCommand = {
  name: 'web',
  summary: 'serve the browser liveness page (camera, face tracking, the model, all in the browser)',
  usage: '--model DIR [--port N] [--host ADDR] [--page DIR] [--precision fp32|int8]',
  description:
    'Serves the built page (npm run build:web writes it to dist/web) and the model folder\'s model.json and\n' +
    'model.onnx under /model/ (model.onnx is exported first when missing or stale). Open the printed URL, allow\n' +
    'the camera, and the page shows the face box, the live score, the decision (the mean of the last clips\'\n' +
    'scores against the model\'s threshold) and a short history. No frame leaves the browser. Browsers give\n' +
    'cameras only to https pages and localhost, hence the default host 127.0.0.1. The responses make the page\n' +
    'cross-origin isolated, so WebAssembly runs on several threads. Runs until interrupted.',
  // Ctrl-C and SIGTERM close the server and end with status 0 (run waits for them).
  handlesSignals: true,
  options: [
    { name: 'model', type: 'string', valueName: 'DIR', description: 'the trained model folder (required)' },
    { name: 'port', type: 'string', valueName: 'N', description: 'the port to listen on (0: a free one)', default: '8080' },
    { name: 'host', type: 'string', valueName: 'ADDR', description: 'the address to listen on', default: '127.0.0.1' },
    { name: 'page', type: 'string', valueName: 'DIR', description: 'the built page folder (default: dist/web of this vidpad)' },
    { name: 'precision', type: 'string', valueName: 'fp32|int8', description: "int8: serve model.int8.onnx too (made by 'vidpad export --quantize int8', checked at start) and open the page with ?precision=int8, which runs it after checking its SHA-256", default: 'fp32' },
  ],
  async run(args, io) {
    const o = args.options;
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'; give the folder with --model`);
    const dir = o.model as string | undefined;
    if (dir === undefined || dir === '') throw new UsageError("--model DIR is required; see 'vidpad web --help'");
    const portText = o.port as string;
    if (!/^\d+$/.test(portText) || Number(portText) > 65535) throw new UsageError(`--port: expected a whole number in 0..65535, got '${portText}'`);
    const precision = String(o.precision ?? 'fp32');
    if (precision !== 'fp32' && precision !== 'int8') throw new UsageError(`--precision must be one of fp32, int8, got '${precision}'`);
    const { meta, exported } = await prepareWebModel(dir);
    if (precision === 'int8') {
      try {
        await readInt8Export(dir, meta);
      } catch (err) {
        if (err instanceof InputError) throw new UsageError(`--precision int8: ${err.message}`);
        throw err;
      }
    }
    if (exported) io.stderr.write(`exported ${path.join(dir, 'model.onnx')} (the page runs the ONNX graph)\n`);
    const server = await startWebServer({
      pageDir: (o.page as string | undefined) ?? defaultWebPageDir(),
      modelDir: dir,
      host: o.host as string,
      port: Number(portText),
      precision,
    });
    io.stdout.write(`vidpad web: ${server.url}${precision === 'int8' ? '?precision=int8' : ''} (model ${dir}${precision === 'int8' ? ', int8' : ''}: T = ${meta.config.frames}, ${meta.config.inputSize}² crops, threshold ${meta.threshold!.value.toFixed(4)}); Ctrl-C stops\n`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await server.close();
    return 0;
  },
};
