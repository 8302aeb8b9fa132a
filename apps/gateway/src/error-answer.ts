import { type ErrorBody, httpStatusOf } from './errors.js';

/**
 * An answer as status, headers and text, for routes the Node server may also answer without the
 * router (`GatewayInternals`); the app wraps it in a `Response`.
 */
export interface PlainAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The documented error answer (docs/errors.md) for a code, with its HTTP status. */
export function errorAnswer(
  code: string,
  message: string,
  path?: string,
  headers?: Readonly<Record<string, string>>,
): PlainAnswer {
  const body: ErrorBody = { error: path === undefined ? { code, message } : { code, message, path } };
  return {
    status: httpStatusOf(code),
    // A copy of the code for logs and proxies; the body is the contract.
    headers: { 'content-type': 'application/json', 'x-assent-error': code, ...headers },
    body: JSON.stringify(body),
  };
}

export function toResponse(answer: PlainAnswer): Response {
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
}

/** {@link errorAnswer} as a `Response`. */
export function errorResponse(
  code: string,
  message: string,
  path?: string,
  headers?: Readonly<Record<string, string>>,
): Response {
  return toResponse(errorAnswer(code, message, path, headers));
}

/** A JSON answer. */
export function json(value: unknown, status = 200, headers?: Readonly<Record<string, string>>): Response {
  return new Response(JSON.stringify(value), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}
