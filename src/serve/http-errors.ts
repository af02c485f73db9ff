/**
 * Errors as HTTP answers: each typed error gets its status and the one JSON
 * error body ({ error: { code, message, ... }, requestId }). Anything
 * untyped is a 500 whose details go to the log, not to the client.
 */
import { AuthError, BusyError, DeadlineError, InputError, LimitError, VidpadError } from '../errors.js';

/** The request itself is malformed (its body, a field, a missing file part): 400. */
export class RequestError extends InputError {}

/** A body of a content type the service does not take: 415. */
export class MediaTypeError extends InputError {}

/** The client went away before its answer (logged, never sent). */
export class ClientClosedError extends Error {
  constructor() {
    super('the client closed the connection before the answer');
    this.name = 'ClientClosedError';
  }
}

export interface ErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: { error: { code: string; message: string; limit?: string; value?: number; allowed?: number; retryAfterSec?: number }; requestId: string };
  /** Whether the service is at fault (logged with the stack). */
  internal: boolean;
}

interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message: string;
  validation?: { instancePath?: string; message?: string; params?: Record<string, unknown> }[];
  validationContext?: string;
}

export function errorAnswer(err: unknown, requestId: string, limits: { maxUploadBytes: number }): ErrorAnswer {
  const answer = (status: number, code: string, message: string, extra: Partial<ErrorAnswer['body']['error']> = {}, headers: Record<string, string> = {}, internal = false): ErrorAnswer => ({
    status,
    headers,
    body: { error: { code, message, ...extra }, requestId },
    internal,
  });
  if (err instanceof LimitError) return answer(413, err.code, err.message, { limit: err.limit, value: err.value, allowed: err.allowed });
  if (err instanceof AuthError) return answer(401, err.code, err.message, {}, { 'www-authenticate': 'Bearer realm="vidpad"' });
  if (err instanceof BusyError) return answer(503, err.code, err.message, { retryAfterSec: err.retryAfterSec }, { 'retry-after': String(err.retryAfterSec) });
  if (err instanceof DeadlineError) return answer(504, err.code, err.message, {}, { connection: 'close' });
  if (err instanceof MediaTypeError) return answer(415, err.code, err.message);
  if (err instanceof RequestError) return answer(400, err.code, err.message);
  if (err instanceof VidpadError) {
    // Media that cannot be used (not a video, damaged, too few frames, bad frames): the request was well formed.
    if (err.code === 'E_INPUT' || err.code === 'E_SHAPE') return answer(422, err.code, err.message);
    return answer(500, 'E_INTERNAL', `the service could not score this input [${err.code}]: ${err.message}`, {}, {}, true);
  }
  const f = err as FastifyLikeError;
  if (f && typeof f.statusCode === 'number' && f.statusCode >= 400 && f.statusCode < 500) {
    if (f.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || f.statusCode === 413) {
      return answer(413, 'E_LIMIT', `upload too large: this service accepts at most ${(limits.maxUploadBytes / 1048576).toFixed(2)} MiB (--max-upload-mb)`, { limit: '--max-upload-mb', allowed: limits.maxUploadBytes });
    }
    if (f.validation) {
      const where = f.validationContext ?? 'request';
      const parts = f.validation.map((v) => {
        const allowed = v.params?.allowedValues as unknown[] | undefined;
        return `${where}${v.instancePath ?? ''} ${v.message ?? 'is invalid'}${allowed ? ` (${allowed.map((a) => JSON.stringify(a)).join(', ')})` : ''}`;
      });
      return answer(400, 'E_INPUT', parts.join('; '));
    }
    return answer(f.statusCode, 'E_INPUT', f.message);
  }
  return answer(500, 'E_INTERNAL', `internal error; the service log has the details under request id ${requestId}`, {}, {}, true);
}
