/** Request input validation: every bad field is named with its reason, nothing is changed. */
import type { HttpRequest } from '@azure/functions';
import type { z } from 'zod';
import { ValidationError } from '../errors';

export function validate<T>(schema: z.ZodType<T>, value: unknown, where: 'body' | 'query' | 'route'): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new ValidationError(
    r.error.issues.map((i) => ({
      field: [where, ...i.path.map(String)].join('.'),
      reason: i.code === 'unrecognized_keys' ? `unknown field(s): ${(i as { keys?: string[] }).keys?.join(', ')}` : i.message,
    })),
  );
}

export async function parseJsonBody<T>(request: HttpRequest, schema: z.ZodType<T>): Promise<T> {
  const text = await request.text();
  let value: unknown;
  try {
    value = text.trim() === '' ? {} : JSON.parse(text);
  } catch (e) {
    throw ValidationError.of('body', `is not valid JSON: ${(e as Error).message}`);
  }
  return validate(schema, value, 'body');
}
