/**
 * The WWW-Authenticate challenge of an answer refused for authentication, per RFC 6750
 * section 3: no error code when the request carried no bearer token (the client may not
 * have known it needs one), `invalid_token` for a token that was refused, and
 * `insufficient_scope` naming the app role for a token without it.
 */
import { ForbiddenError, UnauthorizedError } from '../errors';

/** The protection space of the connector API. */
export const REALM = 'exo-mobile-connector';

const DEFAULT_DESCRIPTION = 'The access token was refused';
const MAX_DESCRIPTION = 120;

/** The header value for an error, or undefined when the error is not an authentication error. */
export function wwwAuthenticateFor(error: unknown): string | undefined {
  if (error instanceof UnauthorizedError) {
    if (error.reason === 'missing_token') return challenge({});
    return challenge({ error: 'invalid_token', error_description: description(error.description ?? DEFAULT_DESCRIPTION) });
  }
  if (error instanceof ForbiddenError) {
    const role = error.details.requiredRole;
    if (typeof role !== 'string' || scopeToken(role) === '') return undefined;
    return challenge({
      error: 'insufficient_scope',
      error_description: description(`The app role ${role} is required`),
      scope: scopeToken(role),
    });
  }
  return undefined;
}

function challenge(params: Record<string, string>): string {
  return ['Bearer', [`realm="${REALM}"`, ...Object.entries(params).map(([k, v]) => `${k}="${v}"`)].join(', ')].join(' ');
}

/** RFC 6750 allows %x20-21 / %x23-5B / %x5D-7E in error_description: no quote, backslash or control. */
function description(text: string): string {
  const clean = text.replace(/[\x00-\x1f\x7f]+/g, ' ').replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '').replace(/ +/g, ' ').trim();
  return clean.length > MAX_DESCRIPTION ? `${clean.slice(0, MAX_DESCRIPTION - 3)}...` : clean || DEFAULT_DESCRIPTION;
}

/** A scope-token: %x21 / %x23-5B / %x5D-7E (app role values fit; anything else is dropped). */
function scopeToken(value: string): string {
  return value.replace(/[^\x21\x23-\x5b\x5d-\x7e]/g, '');
}
