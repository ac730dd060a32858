/** The refusals of the policy routes, each with its code (lib/http/problem.ts answers them). */
import { AppError } from '../../errors';

export class PreconditionRequiredError extends AppError {
  constructor(what: string, etag: string) {
    super('PreconditionRequired', `${what} is managed already: send If-Match with its ETag (${etag}) so a change made meanwhile is not overwritten`, 428, { header: 'If-Match', etag });
  }
}

export class PreconditionFailedError extends AppError {
  constructor(what: string, etag: string | null) {
    super('PreconditionFailed', etag ? `${what} changed since the ETag sent was read (now ${etag}): read it again` : `${what} is not managed: there is nothing for If-Match to match`, 412, { header: 'If-Match', etag });
  }
}

export class PolicyNotManagedError extends AppError {
  constructor(name: string) {
    super('PolicyNotManaged', `The connector does not manage a policy named "${name}" (PUT creates it)`, 404, { policy: name });
  }
}

export class PolicyNotInExchangeError extends AppError {
  constructor(name: string) {
    super('PolicyNotInExchange', `Exchange has no mobile device mailbox policy named "${name}"`, 404, { policy: name });
  }
}

export class DefaultPolicyError extends AppError {
  constructor(name: string, what: string) {
    super('DefaultPolicy', `"${name}" is the default policy: ${what}; make another policy the default first ("isDefault": true on it)`, 409, { policy: name });
  }
}

export class PolicyInUseError extends AppError {
  constructor(name: string, exchangeWords: string, assigned: number | null) {
    super('PolicyInUse', `Exchange refused to remove "${name}"${assigned === null ? '' : `: ${assigned} mailbox${assigned === 1 ? ' is' : 'es are'} assigned it`} (${exchangeWords}); assign them another policy first (PUT /api/users/{upn}/policy)`, 409, { policy: name, assignedMailboxes: assigned });
  }
}

/** Exchange did not apply the desired values (refused), or its answer was lost: the reconcile reads the truth. */
export class PolicyNotAppliedError extends AppError {
  constructor(name: string, cmdlet: string, detail: string, unknown: boolean) {
    super(
      unknown ? 'PolicyOutcomeUnknown' : 'PolicyNotApplied',
      unknown
        ? `No answer from Exchange to ${cmdlet} for "${name}": it is not sent again; the desired values are kept and the next reconcile reads Exchange and repairs what differs`
        : `Exchange refused ${cmdlet} for "${name}": ${detail}. The desired values are kept; correct them (PUT/PATCH) or stop managing the policy`,
      502,
      { policy: name, cmdlet, detail },
    );
  }
}

export class MailboxNotFoundError extends AppError {
  constructor(mailbox: string) {
    super('MailboxNotFound', `Exchange has no mailbox "${mailbox}"`, 404, { mailbox });
  }
}
