/** Serving the browser liveness page (`vidpad web`): a static server for the built page and a model folder. */
export { defaultWebPageDir, startWebServer, WEB_MODEL_FILES, WEB_MODEL_INT8_FILES } from './server.node.js';
export type { WebServer, WebServerOptions } from './server.node.js';
export { prepareWebModel } from './prepare-model.node.js';
