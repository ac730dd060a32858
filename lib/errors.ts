/**
 * Errors are values with a code. Every error the connector raises on purpose is an
 * AppError: it carries a stable `code` (used in logs and problem+json answers), the
 * HTTP status to answer with, and structured details. Never throw a string.
 */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: Record<string, unknown>;

  constructor(code: string, message: string, status = 500, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.details = details;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, ...this.details };
  }
}

/** One bad field of an input (HTTP body, query, route, config, Exchange response). */
export interface FieldIssue {
  field: string;
  reason: string;
}

/** Bad input: names every field and why, and nothing has been changed. */
export class ValidationError extends AppError {
  readonly issues: FieldIssue[];

  constructor(issues: FieldIssue[], summary?: string) {
    const text = summary ?? issues.map((i) => `${i.field}: ${i.reason}`).join('; ');
    super('ValidationError', text, 400, { issues });
    this.issues = issues;
  }

  static of(field: string, reason: string): ValidationError {
    return new ValidationError([{ field, reason }]);
  }
}

/** Start-up configuration is missing or malformed; lists every bad setting. */
export class ConfigError extends AppError {
  readonly issues: FieldIssue[];

  constructor(issues: FieldIssue[]) {
    super(
      'ConfigError',
      `Invalid configuration (${issues.length} setting${issues.length === 1 ? '' : 's'}):\n` +
        issues.map((i) => `  - ${i.field}: ${i.reason}`).join('\n'),
      500,
      { issues },
    );
    this.issues = issues;
  }
}

/**
 * Why a caller is not authenticated, as RFC 6750 tells them apart: no token at all (the
 * challenge carries no error code) or a token that was refused (`invalid_token`).
 */
export type UnauthorizedReason = 'missing_token' | 'invalid_token';

export interface UnauthorizedDetails {
  reason: UnauthorizedReason;
  /** A short, fixed sentence for the challenge's error_description; never token content. */
  description?: string;
}

/** The caller of this project's HTTP API is not authenticated (401) or lacks a role (403). */
export class UnauthorizedError extends AppError {
  readonly reason: UnauthorizedReason;
  readonly description: string | undefined;

  constructor(message: string, details: UnauthorizedDetails = { reason: 'invalid_token' }) {
    super('Unauthorized', message, 401, { ...details });
    this.reason = details.reason;
    this.description = details.description;
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('Forbidden', message, 403, details);
  }
}

export class NotFoundError extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('NotFound', message, 404, details);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('Conflict', message, 409, details);
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** A short, safe description of any thrown value for logs. */
export function describeError(e: unknown): string {
  if (e instanceof AppError) return `${e.code}: ${e.message}`;
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}
