/** The liveness check as an HTTP service: createServer builds the Fastify app; `vidpad serve` listens with it. */
export { createServer } from './server.js';
export type { ServeHandle } from './server.js';
export { DEFAULT_SERVE_LIMITS, defaultWorkerCount, resolveServeConfig } from './config.js';
export type { ServeConfig, ServeLimits, ServeOptions, WorkerDetectorOptions } from './config.js';
export { loadApiKeys } from './api-keys.js';
export type { ModelInfo } from './model-info.js';
