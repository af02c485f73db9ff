/**
 * vidpad's typed errors. Every error a user can meet carries a stable `code`
 * and a message that names the offending input and, where there is a list,
 * the valid choices.
 */

export type VidpadErrorCode =
  | 'E_CONFIG'
  | 'E_BACKEND'
  | 'E_INPUT'
  | 'E_SHAPE'
  | 'E_IO'
  | 'E_NATIVE'
  | 'E_USAGE'
  | 'E_OUTPUT'
  // The HTTP service's refusals (src/serve/): a limit, a missing key, overload, a deadline.
  | 'E_LIMIT'
  | 'E_AUTH'
  | 'E_BUSY'
  | 'E_TIMEOUT';

export class VidpadError extends Error {
  readonly code: VidpadErrorCode;
  constructor(code: VidpadErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A configuration value is missing, of the wrong type or out of range. `path` names the field, e.g. `train.lr`. */
export class ConfigError extends VidpadError {
  readonly path: string;
  constructor(path: string, message: string) {
    super('E_CONFIG', `${path}: ${message}`);
    this.path = path;
  }
}

/** A compute backend was asked for that is unknown or cannot run here. */
export class BackendError extends VidpadError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_BACKEND', message, options);
  }
}

/** A tensor or array argument has the wrong rank, size or dtype. */
export class ShapeError extends VidpadError {
  constructor(message: string) {
    super('E_SHAPE', message);
  }
}

/** Bad user input: a file, a value or a record that cannot be used as it is. */
export class InputError extends VidpadError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_INPUT', message, options);
  }
}

/** Wrong command-line usage: an unknown command or option, a missing argument. */
export class UsageError extends VidpadError {
  constructor(message: string) {
    super('E_USAGE', message);
  }
}

/**
 * An output location vidpad refuses or cannot use: a folder it did not make
 * (no marker file) that is not empty, a model it would replace, a path under
 * a file, a folder it cannot write. Found before any work is done.
 */
export class OutputError extends VidpadError {
  /** The refused path, as the user gave it. */
  readonly file: string;
  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super('E_OUTPUT', message, options);
    this.file = file;
  }
}

/** Why a video could not be read; callers such as a preprocessing cache record it per file. */
export type VideoErrorReason = 'missing-file' | 'not-video' | 'truncated' | 'empty' | 'range' | 'decode';

/** A video file that cannot be read as asked. `file` is the path; `reason` says what is wrong with it. */
export class VideoError extends InputError {
  readonly file: string;
  readonly reason: VideoErrorReason;
  constructor(file: string, reason: VideoErrorReason, message: string, options?: { cause?: unknown }) {
    super(`${file}: ${message}`, options);
    this.file = file;
    this.reason = reason;
  }
}

/**
 * An input over one of the HTTP service's limits. `limit` names the limit
 * (its flag, e.g. `--max-upload-mb`), `value` what was sent, `allowed` the most accepted.
 */
export class LimitError extends VidpadError {
  readonly limit: string;
  readonly value: number;
  readonly allowed: number;
  constructor(limit: string, value: number, allowed: number, message: string) {
    super('E_LIMIT', message);
    this.limit = limit;
    this.value = value;
    this.allowed = allowed;
  }
}

/** A request to the HTTP service without a valid API key. */
export class AuthError extends VidpadError {
  constructor(message: string) {
    super('E_AUTH', message);
  }
}

/** The HTTP service cannot take the request now (queue full, model loading, shutting down); try again after `retryAfterSec`. */
export class BusyError extends VidpadError {
  readonly retryAfterSec: number;
  constructor(retryAfterSec: number, message: string) {
    super('E_BUSY', message);
    this.retryAfterSec = retryAfterSec;
  }
}

/** A request ran past its deadline (upload, queue and inference together). */
export class DeadlineError extends VidpadError {
  readonly deadlineSec: number;
  constructor(deadlineSec: number, message: string) {
    super('E_TIMEOUT', message);
    this.deadlineSec = deadlineSec;
  }
}

/** Why a camera could not be opened in a browser. */
export type CameraErrorReason = 'denied' | 'absent' | 'in-use' | 'unsupported';

/** A camera the page asked for and did not get: refused by the user, missing, busy, or no camera API (an insecure page). */
export class CameraError extends InputError {
  readonly reason: CameraErrorReason;
  constructor(reason: CameraErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}
