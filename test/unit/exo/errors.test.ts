import {
  ExoAuthError,
  ExoBadParameterError,
  ExoConflictError,
  ExoFailedError,
  ExoNotFoundError,
  ExoPagingExpiredError,
  ExoThrottledError,
  ExoTransientError,
  PermissionMissingError,
} from '../../../lib/exo/errors';
import { classifyExchangeError, extractExchangeError, parseRetryAfter } from '../../../lib/exo/classify';
import { AppError } from '../../../lib/errors';

function envelope(detail: string | null, inner: string | null = null, outer = 'Invalid Operation') {
  return JSON.stringify({
    error: {
      code: 'BadRequest',
      message: outer,
      details: detail === null ? [] : [{ code: 'Client', target: '', message: detail }],
      innererror: inner === null ? undefined : { type: 'X', internalexception: { message: inner, type: 'InnerType' } },
    },
  });
}

const NOT_FOUND =
  "ex1|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because object 'jdoe\\ExchangeActiveSyncDevices\\x' couldn't be found on 'AM0PR.prod.outlook.com'.";
const NO_PARAMETER = "ex2|System.Management.Automation.ParameterBindingException|A parameter cannot be found that matches parameter name 'Colour'.";

describe('classifyExchangeError', () => {
  const cases: { when: string; status: number; headers?: Record<string, string>; body: unknown; then: new (...a: never[]) => AppError; code: string }[] = [
    { when: 'a 400 names ManagementObjectNotFoundException', status: 400, body: envelope(NOT_FOUND), then: ExoNotFoundError, code: 'ExoNotFound' },
    { when: "only the text says \"couldn't be found\"", status: 400, body: envelope(null, null, "The object 'x' couldn't be found."), then: ExoNotFoundError, code: 'ExoNotFound' },
    { when: 'a 400 names ParameterBindingException (unknown parameter)', status: 400, body: envelope(NO_PARAMETER), then: ExoBadParameterError, code: 'ExoBadParameter' },
    {
      when: 'the unknown-parameter text comes without a type',
      status: 400,
      body: envelope(null, "A parameter cannot be found that matches parameter name 'Colour'."),
      then: ExoBadParameterError,
      code: 'ExoBadParameter',
    },
    {
      when: 'a bad enum value is refused',
      status: 400,
      body: envelope('ex3|System.Management.Automation.ParameterBindingValidationException|Cannot bind parameter \'AccessLevel\'. Cannot convert value "Maybe"'),
      then: ExoBadParameterError,
      code: 'ExoBadParameter',
    },
    { when: 'the parameter set is invalid', status: 400, body: envelope(null, 'Parameter set cannot be resolved using the specified named parameters.'), then: ExoBadParameterError, code: 'ExoBadParameter' },
    {
      when: 'a value fails validation',
      status: 400,
      body: envelope('ex4|Microsoft.Exchange.Data.DataValidationException|The value 99 is out of range for MinPasswordLength.'),
      then: ExoBadParameterError,
      code: 'ExoBadParameter',
    },
    {
      when: 'the object already exists',
      status: 400,
      body: envelope("ex5|Microsoft.Exchange.Configuration.Tasks.ManagementObjectAlreadyExistsException|The policy 'Sales' already exists."),
      then: ExoConflictError,
      code: 'ExoConflict',
    },
    { when: 'the answer is 401', status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' }, body: '', then: ExoAuthError, code: 'ExoAuth' },
    { when: 'the answer is 403 with NUL bytes for a body', status: 403, headers: { 'x-ms-diagnostics': '2000008;reason="The cmdlet is not in the role"' }, body: Buffer.alloc(16), then: PermissionMissingError, code: 'PermissionMissing' },
    { when: 'the answer is 429', status: 429, headers: { 'retry-after': '1.5' }, body: '', then: ExoThrottledError, code: 'ExoThrottled' },
    {
      when: 'the per-tenant concurrency text arrives with status 500',
      status: 500,
      body: envelope(null, 'You have reached the maximum number of concurrent requests per tenant. Please wait and try again'),
      then: ExoThrottledError,
      code: 'ExoThrottled',
    },
    {
      when: 'the per-tenant concurrency text arrives with status 400',
      status: 400,
      body: envelope('ex7|Microsoft.Exchange.Net.TooManyRequests|You have reached the maximum number of concurrent requests per tenant. Please wait and try again'),
      then: ExoThrottledError,
      code: 'ExoThrottled',
    },
    { when: 'the answer is 503', status: 503, body: '<html>Service Unavailable</html>', then: ExoTransientError, code: 'ExoTransient' },
    { when: 'the answer is 504', status: 504, body: '', then: ExoTransientError, code: 'ExoTransient' },
    ...['DCOverloadedException', 'SuitabilityDirectoryException', 'ServerInMMException', 'ADServerSettingsChangedException', 'StorageTransientException'].map((type) => ({
      when: `a 500 body names ${type}`,
      status: 500,
      body: envelope(`ex8|Microsoft.Exchange.Data.Directory.${type}|Try again later.`),
      then: ExoTransientError,
      code: 'ExoTransient',
    })),
    {
      when: 'a 400 carries only the header x-ExceptionType DCOverloadedException',
      status: 400,
      headers: { 'x-ExceptionType': 'DCOverloadedException' },
      body: '',
      then: ExoTransientError,
      code: 'ExoTransient',
    },
    {
      when: 'a page link expired',
      status: 400,
      body: envelope(null, null, 'Expired or Invalid pagination request. Default Expiry time is 00:30:00'),
      then: ExoPagingExpiredError,
      code: 'ExoPagingExpired',
    },
    { when: 'a 500 says nothing known', status: 500, body: envelope(null, null, 'Something odd happened'), then: ExoFailedError, code: 'ExoFailed' },
    {
      when: "a mailbox deleted after the listing answers RecipientNotFoundException (\"Couldn't find 'x' as a recipient.\")",
      status: 400,
      body: envelope("|Microsoft.Exchange.Configuration.Tasks.RecipientNotFoundException|Couldn't find 'jdoe' as a recipient."),
      then: ExoNotFoundError,
      code: 'ExoNotFound',
    },
    {
      when: 'a wrong recipient type answers RecipientNotValidException',
      status: 400,
      body: envelope("ex9|Microsoft.Exchange.Configuration.Tasks.RecipientNotValidException|'Sales' does not represent a valid recipient."),
      then: ExoNotFoundError,
      code: 'ExoNotFound',
    },
    {
      when: 'details[0].message has an empty id (|type|text)',
      status: 400,
      body: envelope("|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because object 'x' couldn't be found."),
      then: ExoNotFoundError,
      code: 'ExoNotFound',
    },
    {
      when: 'a not-found arrives with code InternalServerError (HTTP 500)',
      status: 500,
      body: JSON.stringify({ error: { code: 'InternalServerError', message: "|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because object 'x' couldn't be found." } }),
      then: ExoNotFoundError,
      code: 'ExoNotFound',
    },
    {
      when: 'only the header x-ExceptionType carries the short type name while the body names System.Exception',
      status: 400,
      headers: { 'x-ExceptionType': 'RecipientNotFoundException' },
      body: JSON.stringify({ error: { code: 'BadRequest', message: 'Invalid Operation', innererror: { type: 'System.Exception' } } }),
      then: ExoNotFoundError,
      code: 'ExoNotFound',
    },
    {
      when: 'a bad enum value answers ParameterTransformationException without details',
      status: 400,
      body: JSON.stringify({
        error: {
          code: 'BadRequest',
          message: "Cannot process argument transformation on parameter 'AccessLevel'.",
          innererror: { type: 'System.Management.Automation.ParameterTransformationException', message: "Cannot process argument transformation on parameter 'AccessLevel'." },
        },
      }),
      then: ExoBadParameterError,
      code: 'ExoBadParameter',
    },
    {
      when: 'an unknown parameter answers AmbiguousParameterSetException',
      status: 400,
      body: envelope('|System.Management.Automation.AmbiguousParameterSetException|Parameter set cannot be resolved using the specified named parameters. Invalid cmdlet parameters specified. Colour'),
      then: ExoBadParameterError,
      code: 'ExoBadParameter',
    },
    {
      // The body as a live tenant sent it (MicrosoftDocs/office-docs-powershell#7970, #8058): a missing role.
      when: 'a 401 says "User is not allowed to call <cmdlet>"',
      status: 401,
      body: JSON.stringify({
        error: {
          code: 'Unauthorized',
          message: 'User is not allowed to call Get-MobileDevice',
          innererror: { message: 'User is not allowed to call Get-MobileDevice', type: 'Microsoft.Exchange.Admin.OData.Core.ODataServiceException' },
        },
      }),
      then: PermissionMissingError,
      code: 'PermissionMissing',
    },
  ];

  it.each(cases)('When $when, then it is $code', ({ status, headers, body, then, code }) => {
    const error = classifyExchangeError(status, headers ?? {}, body, 'Get-MobileDevice');
    expect(error).toBeInstanceOf(then);
    expect(error.code).toBe(code);
    expect(error.cmdlet).toBe('Get-MobileDevice');
    expect(error.httpStatus).toBe(status);
    expect(error.message).toMatch(/^Invoking cmdlet Get-MobileDevice failed: /);
  });

  it('When Exchange answers 403 with NUL bytes, then the error names the cmdlet and the x-ms-diagnostics reason', () => {
    const error = classifyExchangeError(403, { 'X-MS-Diagnostics': '2000008;reason="not in role"', 'request-id': 'r-403' }, Buffer.alloc(64), 'Clear-MobileDevice');
    expect(error).toBeInstanceOf(PermissionMissingError);
    expect(error.status).toBe(403);
    expect(error.requestId).toBe('r-403');
    expect(error.message).toContain('Invoking cmdlet Clear-MobileDevice failed: the app is not allowed to run it (2000008;reason="not in role")');
    expect((error as PermissionMissingError).diagnostics).toBe('2000008;reason="not in role"');
  });

  it('When a 403 has no diagnostics, then the message still says what to check', () => {
    const error = new PermissionMissingError('Get-User');
    expect(error.message).toBe(
      "Invoking cmdlet Get-User failed: the app is not allowed to run it (HTTP 403 without diagnostics). Check that the app's service principal is in an Exchange role group holding Get-User.",
    );
    expect(error.code).toBe('PermissionMissing');
    expect(error.toJSON()).toMatchObject({ code: 'PermissionMissing', cmdlet: 'Get-User', httpStatus: 403 });
  });

  it('When Exchange answers 429 with Retry-After, then the throttled error carries the wait', () => {
    const error = classifyExchangeError(429, { 'Retry-After': '1.5' }, '', 'Get-MobileDevice') as ExoThrottledError;
    expect(error.retryAfterMs).toBe(1500);
    expect(error.status).toBe(503);
  });
});

describe('extractExchangeError', () => {
  it('When details[0] holds id|type|text, then the text and type come from it, even when the text holds a |', () => {
    const got = extractExchangeError(envelope('ex9|Some.TypeException|left | right', 'inner text'));
    expect(got).toEqual({ message: 'left | right', exceptionType: 'Some.TypeException' });
  });

  it('When details are empty, then the inner exception message is used, then error.message', () => {
    expect(extractExchangeError(envelope(null, 'inner text')).message).toBe('inner text');
    expect(extractExchangeError(envelope(null, null, 'outer text')).message).toBe('outer text');
  });

  it('When the body gives no type, then the x-ExceptionType header does', () => {
    expect(extractExchangeError(envelope(null, null, 'outer'), { 'x-exceptiontype': 'HeaderTypeException' }).exceptionType).toBe('HeaderTypeException');
  });

  it('When the body is not JSON, then its text (NULs removed) is the message', () => {
    expect(extractExchangeError(Buffer.from('\u0000\u0000oops\u0000'))).toEqual({ message: 'oops', exceptionType: null });
    expect(extractExchangeError(Buffer.alloc(8))).toEqual({ message: null, exceptionType: null });
  });
});

describe('parseRetryAfter', () => {
  it('When Retry-After is whole, fractional, a date, missing or junk, then it gives ms or null', () => {
    const now = Date.UTC(2025, 0, 1);
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
    expect(parseRetryAfter(new Date(now + 4000).toUTCString(), now)).toBe(4000);
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
  });
});
