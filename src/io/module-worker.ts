/**
 * Starting a worker thread on one of vidpad's own modules, in the form this
 * code runs in: compiled .js directly; .ts (tests, development under tsx)
 * through a bootstrap that registers tsx in the worker first, since Node 20
 * workers do not inherit `--import` hooks.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * A worker running the module `name` (without extension) beside the module
 * at `from` (pass `import.meta.url`), with `workerData`.
 */
export function startModuleWorker(from: string, name: string, workerData: unknown): Worker {
  const ext = path.extname(fileURLToPath(from));
  const url = new URL(`./${name}${ext}`, from);
  if (ext !== '.ts') return new Worker(url, { workerData });
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}
