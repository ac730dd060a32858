/** Entra's error answers: HTTP status, OAuth error, AADSTS code and text, in Entra's body shape. */
import { randomUUID } from 'node:crypto';

/** An answer the way Entra gives it: status, OAuth error, AADSTS code and text. */
export class EntraError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly aadsts: number,
    description: string,
  ) {
    super(`AADSTS${aadsts}: ${description}`);
  }
}

export const invalidClient = (aadsts: number, description: string) => new EntraError(401, 'invalid_client', aadsts, description);
export const invalidRequest = (aadsts: number, description: string) => new EntraError(400, 'invalid_request', aadsts, description);

/** The body Entra sends with an error; the description repeats trace id, correlation id and time, as Entra's does. */
export function entraErrorBody(e: EntraError, correlationId: string, url: string) {
  const traceId = randomUUID();
  const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  return {
    error: e.error,
    error_description: `${e.message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [e.aadsts],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `${url}/error?code=${e.aadsts}`,
  };
}
