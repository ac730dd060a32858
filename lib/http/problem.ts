/**
 * HTTP answers for errors: application/problem+json (RFC 9457) carrying the error's
 * code. One table (ANSWERS) decides, per error code, the API's status and the detail
 * fields an answer may carry: an adapter error (storage, Exchange, Entra) never chooses
 * the status, and its internal details (an SDK's own HTTP status, request ids) stay in
 * the log. Unknown failures answer 500 with a correlation id and no internals.
 */
import type { HttpResponseInit } from '@azure/functions';
import { AppError, ValidationError, describeError } from '../errors';
import type { Logger } from '../log';
import { wwwAuthenticateFor } from './www-authenticate';

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  [extra: string]: unknown;
}

interface Answer {
  status: number;
  /** Detail fields copied into the answer (the rest stays in the log). */
  fields?: readonly string[];
  /** A fixed text instead of the error's message (which may hold internals). */
  detail?: string;
}

/**
 * Every error code the API may answer with. The connector lacking a storage or Exchange
 * role is the connector's problem, never the authorised caller's: 502/503, not 403.
 */
const ANSWERS: Record<string, Answer> = {
  ValidationError: { status: 400 },
  Unauthorized: { status: 401 },
  Forbidden: { status: 403, fields: ['requiredRole'] },
  NotFound: { status: 404 },
  ReportNotFound: { status: 404, fields: ['report', 'knownReports'] },
  ReportNotComputed: { status: 404, fields: ['report'] },
  Conflict: { status: 409 },
  SyncInProgress: { status: 409, fields: ['holder', 'expiresAt', 'renewedAt'] },
  ConcurrencyConflict: { status: 409 },
  PayloadTooLarge: { status: 413, fields: ['limitBytes'] },
  UnsupportedMediaType: { status: 415 },
  // Settings: names and reasons go to the log and the health report, never to a caller.
  ConfigError: { status: 503, detail: 'The connector is not configured correctly; its log and GET /api/health name the settings to fix.' },
  ConnectorMisconfigured: { status: 503, detail: 'The connector is not configured correctly; its log and GET /api/health name the settings to fix.' },
  StorageUnavailable: { status: 503, fields: ['operation'] },
  StorageError: { status: 502, fields: ['operation'], detail: 'Table storage refused the connector (for example a missing data role on the storage account); the log holds the details under this correlation id.' },
  LeaseLost: { status: 503 },
  TenantUnresolved: { status: 503 },
  TokenAcquisitionFailed: { status: 502 },
  ScopeGroups: { status: 503 },
  PermissionMissing: { status: 502, fields: ['cmdlet', 'actionId'] },
  // The install check found the route's cmdlets missing from the app's Exchange role: refused before any call.
  FeatureUnavailable: { status: 503, fields: ['feature', 'missingCmdlets', 'checkedAt', 'nextCheckAt'] },
  ExoAuth: { status: 502, fields: ['cmdlet'] },
  ExoThrottled: { status: 503, fields: ['cmdlet'] },
  ExoTransient: { status: 503, fields: ['cmdlet'] },
  ExoTimeout: { status: 504, fields: ['cmdlet'] },
  ExoOutcomeUnknown: { status: 502, fields: ['cmdlet'] },
  ExoNotFound: { status: 502, fields: ['cmdlet'] },
  ExoBadParameter: { status: 502, fields: ['cmdlet'] },
  ExoConflict: { status: 502, fields: ['cmdlet'] },
  ExoPagingExpired: { status: 503, fields: ['cmdlet'] },
  ExoIncompleteListing: { status: 503, fields: ['cmdlet'] },
  ExoBadResponse: { status: 502, fields: ['cmdlet'] },
  ExoCancelled: { status: 503, fields: ['cmdlet'] },
  ExoFailed: { status: 502, fields: ['cmdlet'] },
  // Device actions: refused before Exchange is asked (4xx), or Exchange's own refusal.
  DeviceRemoved: { status: 409, fields: ['deviceGuid'] },
  WipePending: { status: 409, fields: ['actionId', 'state', 'wipe'] },
  WipeAcknowledged: { status: 409, fields: ['wipe'] },
  FullWipeNotApplicable: { status: 409, fields: ['deviceGuid', 'clientType'] },
  RemoteWipeUnsupported: { status: 409, fields: ['deviceGuid'] },
  NoPendingWipe: { status: 409, fields: ['deviceGuid'] },
  WipeAlreadyPickedUp: { status: 409, fields: ['actionId', 'state'] },
  CancelRefused: { status: 409, fields: ['actionId', 'requestId'] },
  NotAwaitingApproval: { status: 409, fields: ['actionId', 'state'] },
  ApprovalExpired: { status: 409, fields: ['actionId'] },
  ActionInProgress: { status: 409, fields: ['actionId'] },
  NoDeviceId: { status: 409, fields: ['deviceGuid'] },
  IdempotencyKeyReused: { status: 422, fields: ['header'] },
  IdempotentRequestInProgress: { status: 409, fields: ['header'] },
  // Access rules and organization settings: refused before Exchange, or half done there (If-Match: as the policies, below).
  ImpactConfirmationRequired: { status: 409, fields: ['impact', 'wouldBlock', 'wouldQuarantine', 'threshold', 'confirmImpact'] },
  RuleExists: { status: 409, fields: ['identity', 'ruleId', 'managed'] },
  RuleRemovalPending: { status: 502, fields: ['ruleId', 'identity', 'pendingRemoval', 'cmdlet', 'exchangeCode', 'requestId'] },
  ExchangeRefused: { status: 502, fields: ['cmdlet', 'requestId', 'exchangeCode'] },
  ExchangeOutcomeUnknown: { status: 502, fields: ['cmdlet'] },
  // Mailbox policies (lib/app/policies/errors.ts).
  PreconditionRequired: { status: 428, fields: ['header', 'etag'] },
  PreconditionFailed: { status: 412, fields: ['header', 'etag'] },
  PolicyNotManaged: { status: 404, fields: ['policy'] },
  PolicyNotInExchange: { status: 404, fields: ['policy'] },
  DefaultPolicy: { status: 409, fields: ['policy'] },
  PolicyInUse: { status: 409, fields: ['policy', 'assignedMailboxes'] },
  PolicyNotApplied: { status: 502, fields: ['policy', 'cmdlet', 'detail'] },
  PolicyOutcomeUnknown: { status: 502, fields: ['policy', 'cmdlet'] },
  MailboxNotFound: { status: 404, fields: ['mailbox'] },
  BuiltInCollection: { status: 409, fields: ['collection'] },
};

const INTERNAL: Answer = { status: 500, detail: 'The connector failed unexpectedly; the log holds the details under this correlation id.' };

/** The answer table's entry for an error code (exported for the OpenAPI document and tests). */
export function answerFor(code: string): { status: number } {
  return { status: (ANSWERS[code] ?? INTERNAL).status };
}

export function problemOf(error: unknown, correlationId?: string): Problem {
  const known = error instanceof AppError ? ANSWERS[error.code] : undefined;
  const code = known && error instanceof AppError ? error.code : 'InternalError';
  const answer = known ?? INTERNAL;
  const extra: Record<string, unknown> = {};
  if (error instanceof ValidationError) extra.errors = error.issues;
  else if (error instanceof AppError && answer.fields) {
    for (const f of answer.fields) if (error.details[f] !== undefined) extra[f] = error.details[f];
  }
  return {
    ...extra,
    type: `urn:exo-connector:error:${code}`,
    title: code,
    status: answer.status,
    code,
    detail: answer.detail ?? (error instanceof AppError ? error.message : ''),
    ...(correlationId ? { correlationId } : {}),
  };
}

export function problemResponse(error: unknown, log: Logger, correlationId?: string): HttpResponseInit {
  const problem = problemOf(error, correlationId);
  if (problem.status >= 500) log.error('Request failed', { code: problem.code, status: problem.status, correlationId, error: describeError(error) });
  else log.warn('Request refused', { code: problem.code, status: problem.status, detail: problem.detail, correlationId });
  const headers: Record<string, string> = { 'content-type': 'application/problem+json' };
  const challenge = problem.status === 401 || problem.status === 403 ? wwwAuthenticateFor(error) : undefined;
  if (challenge) headers['www-authenticate'] = challenge;
  return { status: problem.status, headers, body: JSON.stringify(problem) };
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}
