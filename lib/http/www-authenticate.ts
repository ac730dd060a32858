// Placeholder until the token-validation branch lands (it replaces this file).
import { AppError } from '../errors';

export function wwwAuthenticateFor(error: unknown): string | undefined {
  if (error instanceof AppError && error.code === 'Unauthorized') return 'Bearer error="invalid_token"';
  return undefined;
}
