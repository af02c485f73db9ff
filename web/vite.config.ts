/**
 * Builds the page (web/) into static files (dist/web by default, or
 * VIDPAD_WEB_OUT): relative URLs so it can be hosted under any path, and the
 * runtime files the browser fetches copied from node_modules beside it, under
 * vidpad/: onnxruntime-web's WebAssembly and its loader (ort/),
 * tfjs-backend-wasm's WebAssembly (tfjs/) and BlazeFace's model from
 * @vladmandic/human (blazeface/). Nothing is fetched from elsewhere at build
 * or run time.
 *
 * onnxruntime-web is taken in its "extern wasm" form (the export condition
 * onnxruntime-web-use-extern-wasm): its default bundle inlines the
 * Emscripten loader, and its WebAssembly threads then start as workers from
 * the page's own bundle, which fails (`document is not defined`); with the
 * loader kept as its own file (ort/ort-wasm-simd-threaded.jsep.mjs) the
 * workers load that file.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig } from 'vite';
import type { Plugin } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const require = createRequire(path.join(root, 'package.json'));

function packageDir(name: string): string {
  // Walk up from the package's entry to the folder holding its package.json (exports may hide package.json itself).
  let dir = path.dirname(require.resolve(name));
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

/** What the page fetches at run time: [source in node_modules, destination under vidpad/]. */
export function runtimeFiles(): [string, string][] {
  const ort = path.join(packageDir('onnxruntime-web'), 'dist');
  const tfw = path.join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist');
  const human = path.join(packageDir('@vladmandic/human'), 'models');
  return [
    ...['ort-wasm-simd-threaded.jsep.mjs', 'ort-wasm-simd-threaded.jsep.wasm'].map((f): [string, string] => [path.join(ort, f), `ort/${f}`]),
    ...['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'].map((f): [string, string] => [path.join(tfw, f), `tfjs/${f}`]),
    ...['blazeface.json', 'blazeface.bin'].map((f): [string, string] => [path.join(human, f), `blazeface/${f}`]),
  ];
}

function copyRuntimeFiles(outDir: string): Plugin {
  return {
    name: 'vidpad-runtime-files',
    apply: 'build',
    closeBundle() {
      for (const [from, to] of runtimeFiles()) {
        const dest = path.join(outDir, 'vidpad', to);
        mkdirSync(path.dirname(dest), { recursive: true });
        copyFileSync(from, dest);
      }
    },
  };
}

const outDir = path.resolve(process.env.VIDPAD_WEB_OUT ?? path.join(root, 'dist', 'web'));

export default defineConfig({
  root: here,
  base: './',
  logLevel: 'warn',
  publicDir: false,
  resolve: { conditions: ['onnxruntime-web-use-extern-wasm', ...defaultClientConditions] },
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 4000,
    sourcemap: false,
  },
  // The pipeline worker is a module worker: onnxruntime-web imports its loader dynamically.
  worker: { format: 'es' },
  plugins: [copyRuntimeFiles(outDir)],
});
