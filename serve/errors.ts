import { LmmGymError } from '../envs/core/errors.js';

/**
 * An error the env server answers with a JSON body `{error: {type, message}}` and an HTTP
 * status. Each subclass fixes its status; the message says what was expected.
 */
export class ServeError extends LmmGymError {
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

/** 400: malformed JSON, a body of the wrong shape, an unknown env or option, a bad label. */
export class BadRequestError extends ServeError {
  constructor(message: string) { super(message, 400); }
}

/** 401: a missing or wrong bearer token. */
export class UnauthorizedError extends ServeError {
  constructor(message = 'missing or wrong bearer token (send "Authorization: Bearer <token>")') { super(message, 401); }
}

/** 404: an unknown route, or an unknown, closed or expired session. */
export class NotFoundError extends ServeError {
  constructor(message: string) { super(message, 404); }
}

/** 405: a known route with the wrong method. */
export class MethodNotAllowedError extends ServeError {
  constructor(message: string) { super(message, 405); }
}

/** 409: a session in the wrong state (step before reset, step after the episode ended). */
export class SessionStateError extends ServeError {
  constructor(message: string) { super(message, 409); }
}

/** 413: a request body over the server's limit. */
export class PayloadTooLargeError extends ServeError {
  constructor(message: string) { super(message, 413); }
}

/** 429: creating sessions past the server's limit (close some, or raise --max-sessions). */
export class TooManySessionsError extends ServeError {
  constructor(message: string) { super(message, 429); }
}

/** 503: the server is draining (Ctrl-C) and takes no new work. */
export class ShuttingDownError extends ServeError {
  constructor(message = 'the server is shutting down') { super(message, 503); }
}
