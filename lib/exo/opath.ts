/**
 * OPATH filters as the REST admin API takes them. The API runs no PowerShell, so a
 * filter cannot name a variable: the official ExchangeOnlineManagement module rewrites
 * `$true`/`$false` to `'True'`/`'False'` in Filter and RecipientFilter before it sends
 * them, and the service refuses other variables ("This filter parameter does not
 * accept filters that contain variables."). `$null` is OPATH's own literal and stays.
 * See shared/reference/exchange-online-admin-api.md, "Filters, recipients and identities".
 */
import { ValidationError } from '../errors';

/** `$name` outside quoted text; OPATH quotes with ' or " (a doubled quote escapes itself). */
const TOKEN = /'(?:[^']|'')*'|"(?:[^"]|"")*"|\$[A-Za-z_][A-Za-z0-9_]*|\$\{[^}]*\}/g;

/**
 * The filter with `$true`/`$false` (any case) as `'True'`/`'False'`; a ValidationError
 * naming `field` for any other variable (`$null` is kept).
 */
export function restFilter(filter: string, field = 'Filter'): string {
  const refused: string[] = [];
  const out = filter.replace(TOKEN, (token) => {
    if (!token.startsWith('$')) return token;
    const name = token.toLowerCase();
    if (name === '$true') return "'True'";
    if (name === '$false') return "'False'";
    if (name === '$null') return token;
    refused.push(token);
    return token;
  });
  if (refused.length) {
    throw ValidationError.of(
      field,
      `contains the PowerShell variable ${refused.join(', ')}: Exchange Online's REST API accepts no variables in a filter except $null; write the value itself (e.g. 'Sales' or 'True')`,
    );
  }
  return out;
}
