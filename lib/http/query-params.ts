/** Query-string parameters several routes share: ISO times, $top, continuation, the function key. */
import { z } from 'zod';
import { parseOrderBy, SORT_FIELDS } from '../app/inventory/sorted';
import type { ValidationError } from '../errors';

const MAX_MS = 9_999_999_999_999;
const ISO = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;
/** An ISO 8601 date or time whose calendar date exists (Date.parse takes 2026-02-31 for 3 March). */
const isTime = (s: string) => {
  const day = Date.parse(s.slice(0, 10));
  return ISO.test(s) && Date.parse(s) >= 0 && Date.parse(s) <= MAX_MS && Number.isFinite(day) && new Date(day).toISOString().startsWith(s.slice(0, 10));
};
export const isoTime = z.string().refine(isTime, 'must be an ISO 8601 date or time with its offset (2026-01-31, 2026-01-31T12:00:00Z), 1970-2286');

export const top = (what: string) =>
  z.string().regex(/^\d{1,4}$/, 'must be a whole number from 1 to 1000').transform(Number).pipe(z.number().min(1, 'must be at least 1').max(1000, 'must be at most 1000')).default(100).describe(`${what} per page (1-1000, default 100)`);

export const continuation = z.string().regex(/^[A-Za-z0-9_-]{1,2000}$/, "must be the continuation of the previous page's nextLink").optional().describe("From the previous page's nextLink");

/** The Functions host takes the function key from ?code= and leaves it in the query. */
export const functionKey = z.string().optional().describe('The function key, when sent in the query (read by the Functions host)');

export const booleanText = z.enum(['true', 'false']).transform((v) => v === 'true');

/** `$orderby=<field> [asc|desc]` of the inventory listings (lib/app/inventory/sorted.ts). */
export const orderBy = z
  .string()
  .max(64)
  .transform((v, ctx) => {
    try {
      return parseOrderBy(v);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as ValidationError).issues[0]!.reason });
      return z.NEVER;
    }
  })
  .optional()
  .describe(`Sort: one of ${SORT_FIELDS.join(', ')}, optionally followed by asc or desc (default: the table's key order). Each page reads the whole selection; not with CSV`);
