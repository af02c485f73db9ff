/**
 * Kernels vidpad registers for the tfjs wasm backend, where wasm lacks them or
 * has only scalar loops.
 */
export function registerWasmKernels(): void {}
