import { LmmGymError } from '../envs/core/errors.js';

/** Base of the agent layer's errors. */
export class AgentError extends LmmGymError {}

/** An agent spec (`random`, `openai:URL#model`, `model:PATH` ...) that no factory understands. */
export class AgentSpecError extends AgentError {}

/** An oracle asked to play an env (or state) it cannot solve. */
export class OracleError extends AgentError {}

/** Base of the chat client's errors; `attempts` is how many requests were made. */
export class ChatClientError extends AgentError {
  constructor(message: string, readonly attempts = 1) {
    super(message);
  }
}

/** The server could not be reached (connection refused, DNS, reset). */
export class ServerUnavailableError extends ChatClientError {}

/** The server did not answer within the timeout. */
export class ServerTimeoutError extends ChatClientError {}

/** The server answered with an HTTP error status (after retries for 5xx/429). */
export class ServerHttpError extends ChatClientError {
  constructor(message: string, readonly status: number, attempts = 1) {
    super(message, attempts);
  }
}

/** The server answered something that is not a chat-completions response. */
export class BadServerResponseError extends ChatClientError {}

/** The server's answer was larger than `maxResponseBytes` (read as a stream and cut off there). */
export class ResponseTooLargeError extends ChatClientError {
  constructor(message: string, readonly limit: number, attempts = 1) {
    super(message, attempts);
  }
}
