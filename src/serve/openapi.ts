/**
 * /openapi.json, generated from the routes' own schemas (the ones Fastify
 * validates and serialises with) as they are registered, plus each route's
 * `config.openapi` for what a JSON schema cannot say (binary bodies, the
 * security scheme, summaries).
 */
export interface RouteDoc {
  summary: string;
  description?: string;
  /** The JSON request body's schema, when the handler validates it itself (the predict route reads its body under its own limits). */
  jsonBody?: unknown;
  /** Request bodies Fastify does not parse as JSON (multipart, raw media), by content type. */
  binaryBodies?: Record<string, unknown>;
  /** Whether the route needs an API key when keys are on. */
  secured?: boolean;
  /** Headers of answers, by status (e.g. Retry-After on 503). */
  responseHeaders?: Record<string, Record<string, { description: string; schema: unknown }>>;
  /** Answers that are not JSON (e.g. Prometheus text), by status. */
  textResponses?: Record<string, { contentType: string; description: string }>;
}

export interface RouteEntry {
  method: string;
  url: string;
  schema?: { body?: unknown; response?: Record<string, unknown>; querystring?: unknown };
  doc: RouteDoc;
}

const STATUS_TEXT: Record<string, string> = {
  200: 'OK',
  400: 'Malformed request (body, fields or media type)',
  401: 'No valid API key',
  413: 'Over a limit (upload size, duration, frames, resolution)',
  415: 'Unsupported content type',
  422: 'The media cannot be used (not a video or image, too few frames, damaged)',
  500: 'Internal error',
  503: 'Busy (queue full), loading or shutting down: retry after Retry-After seconds',
  504: 'Past the per-request deadline',
};

/** Strips Fastify-only keywords ($id) so the schema is plain OpenAPI 3.1 (JSON Schema 2020-12). */
function plain(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(plain);
  if (schema && typeof schema === 'object') {
    return Object.fromEntries(Object.entries(schema as Record<string, unknown>).filter(([k]) => k !== '$id').map(([k, v]) => [k, plain(v)]));
  }
  return schema;
}

export function buildOpenApi(routes: readonly RouteEntry[], info: { title: string; version: string; description: string; keysOn: boolean }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const op: Record<string, unknown> = { summary: r.doc.summary, operationId: `${r.method.toLowerCase()}${r.url.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}` };
    if (r.doc.description) op.description = r.doc.description;
    const content: Record<string, unknown> = {};
    const json = r.doc.jsonBody ?? r.schema?.body;
    if (json) content['application/json'] = { schema: plain(json) };
    for (const [type, schema] of Object.entries(r.doc.binaryBodies ?? {})) content[type] = { schema: plain(schema) };
    if (Object.keys(content).length > 0) op.requestBody = { required: true, content };
    const responses: Record<string, unknown> = {};
    for (const [status, schema] of Object.entries(r.schema?.response ?? {})) {
      const headers = r.doc.responseHeaders?.[status];
      responses[status] = { description: STATUS_TEXT[status] ?? status, content: { 'application/json': { schema: plain(schema) } }, ...(headers ? { headers } : {}) };
    }
    for (const [status, t] of Object.entries(r.doc.textResponses ?? {})) responses[status] = { description: t.description, content: { [t.contentType]: { schema: { type: 'string' } } } };
    op.responses = responses;
    if (r.doc.secured && info.keysOn) op.security = [{ bearer: [] }, { apiKey: [] }];
    (paths[r.url] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: info.title, version: info.version, description: info.description },
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer KEY, a key from the --api-key-file' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
    },
  };
}
