/** RFC 6750 challenges for refused API calls, from the error alone. */
import { ConflictError, ForbiddenError, UnauthorizedError, ValidationError } from '../../lib/errors';
import { REALM, wwwAuthenticateFor } from '../../lib/http/www-authenticate';

describe('WWW-Authenticate challenges', () => {
  test('When no token was sent, then the challenge names the realm and carries no error code', () => {
    const header = wwwAuthenticateFor(new UnauthorizedError('A bearer token is required', { reason: 'missing_token', description: 'ignored' }));
    expect(header).toBe(`Bearer realm="${REALM}"`);
    expect(header).not.toMatch(/error=/);
  });

  test('When a token was refused, then the challenge is invalid_token with the short description', () => {
    const header = wwwAuthenticateFor(new UnauthorizedError('The bearer token was refused: "exp" claim timestamp check failed', { reason: 'invalid_token', description: 'The access token expired' }));
    expect(header).toBe(`Bearer realm="${REALM}", error="invalid_token", error_description="The access token expired"`);
  });

  test('When a refused token has no description, then a generic one is given, not the message', () => {
    const header = wwwAuthenticateFor(new UnauthorizedError('issued by https://evil.example/ for tenant x'));
    expect(header).toBe(`Bearer realm="${REALM}", error="invalid_token", error_description="The access token was refused"`);
  });

  test('When a description holds quotes, backslashes, control characters or is long, then it is made a safe quoted-string', () => {
    const header = wwwAuthenticateFor(new UnauthorizedError('x', { reason: 'invalid_token', description: `bad "quoted"\\ text\r\nSet-Cookie: a=b ${'y'.repeat(300)}` }));
    const description = /error_description="([^"]*)"$/.exec(header ?? '')?.[1] ?? '';
    expect(description).not.toMatch(/["\\\r\n]/);
    expect(description.length).toBeLessThanOrEqual(120);
    expect(description.startsWith('bad quoted text Set-Cookie: a=b')).toBe(true);
  });

  test('When the app role is missing, then the challenge is insufficient_scope naming the role as scope', () => {
    const header = wwwAuthenticateFor(new ForbiddenError('The caller x lacks the app role Devices.Wipe', { requiredRole: 'Devices.Wipe' }));
    expect(header).toBe(`Bearer realm="${REALM}", error="insufficient_scope", error_description="The app role Devices.Wipe is required", scope="Devices.Wipe"`);
  });

  test('When the error is not an authentication error, then there is no challenge', () => {
    for (const e of [new ForbiddenError('not a role question'), new ConflictError('lease held'), ValidationError.of('kind', 'must be full or delta'), new Error('boom'), 'a string', undefined]) {
      expect(wwwAuthenticateFor(e)).toBeUndefined();
    }
  });
});
