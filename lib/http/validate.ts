/** Request input validation: every bad field is named with its reason, nothing is changed. */
import type { z } from 'zod';
import { ValidationError } from '../errors';

/** Unknown field names are echoed, but never whole: a few, each cut short. */
const MAX_ECHOED_NAMES = 5;
const MAX_ECHOED_NAME_LENGTH = 40;

function echoNames(keys: readonly string[]): string {
  const shown = keys.slice(0, MAX_ECHOED_NAMES).map((k) => (k.length > MAX_ECHOED_NAME_LENGTH ? `${k.slice(0, MAX_ECHOED_NAME_LENGTH)}...` : k));
  return shown.join(', ') + (keys.length > MAX_ECHOED_NAMES ? ` and ${keys.length - MAX_ECHOED_NAMES} more` : '');
}

export function validate<T>(schema: z.ZodType<T>, value: unknown, where: 'body' | 'query' | 'route' | 'header'): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new ValidationError(
    r.error.issues.slice(0, 20).map((i) => ({
      field: [where, ...i.path.map((p) => echoNames([String(p)]))].join('.'),
      reason: i.code === 'unrecognized_keys' ? `unknown field(s): ${echoNames((i as { keys?: string[] }).keys ?? [])}` : i.message,
    })),
  );
}

export function parseJson(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (e) {
    throw ValidationError.of('body', `is not valid JSON: ${(e as Error).message.slice(0, 200)}`);
  }
}
