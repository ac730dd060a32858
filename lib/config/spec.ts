/**
 * The shape of one declared setting (lib/config/settings.ts holds them all) and how it is
 * documented. The loader reads values through these declarations, README's settings
 * table is rendered from them and the Bicep template is checked against them, so a
 * default, a range or a list of choices is written exactly once.
 */

/** How infra/main.bicep writes the setting into the Function App's app settings. */
export type TemplateBinding =
  /** From this template parameter, whose default, range or allowed values must match. */
  | { param: string }
  /** By the template itself (a resource's output, a Key Vault reference): why. */
  | { computed: string }
  /** Left out on purpose: why. */
  | { notSet: string };

interface SettingBase {
  name: string;
  /** README's "required" column: when the setting must be given. */
  required: string;
  /** README's "default" column when the default is not a plain value (derived, or the platform's). */
  defaultNote?: string;
  /**
   * May hold credential material (a key, a client secret, a private key, a proxy password,
   * a SAS): no error reason ever shows its value (lib/config/reader.ts enforces it).
   */
  secret: boolean;
  example: string;
  /**
   * What the setting means. README appends the range and the schedule floor from the
   * fields below; a setting with choices and no description is documented by its choices.
   */
  description: string;
  /** The end of "is missing: ..." when the loader requires the setting. */
  missing?: string;
  /** Variables read before this one, as curl does (the lower-case proxy variables). */
  readFirst?: readonly string[];
  template: TemplateBinding;
}

export type SettingSpec =
  | (SettingBase & { type: 'int'; default: number; min: number; max: number; unit?: string })
  | (SettingBase & { type: 'choice'; choices: readonly string[]; default?: string })
  | (SettingBase & { type: 'url'; default?: string })
  /** A proxy URL: http(s), a host, no path; it may carry a password. */
  | (SettingBase & { type: 'proxyUrl' })
  /** NCRONTAB with 6 fields, UTC; `minMinutes`: the smallest gap allowed between two runs. */
  | (SettingBase & { type: 'schedule'; default: string; minMinutes?: number })
  /** Free text, or text matching `format` (the reason names what was expected). */
  | (SettingBase & { type: 'text'; default?: string; format?: { pattern: RegExp; invalid: string }; maxLength?: number })
  /** Entries separated by `separator`, trimmed, empty ones dropped. */
  | (SettingBase & { type: 'list'; separator: RegExp });

export type SettingType = SettingSpec['type'];
export type SettingOf<T extends SettingType> = Extract<SettingSpec, { type: T }>;

/** A setting as README documents it: every column a string. */
export interface DocumentedSetting {
  name: string;
  required: string;
  default: string;
  example: string;
  description: string;
}

export function documented(s: SettingSpec): DocumentedSetting {
  const plain = 'default' in s && s.default !== undefined ? String(s.default) : '';
  return { name: s.name, required: s.required, default: s.defaultNote ?? plain, example: s.example, description: describe(s) };
}

function describe(s: SettingSpec): string {
  switch (s.type) {
    case 'int':
      return `${s.description}, ${s.min}-${s.max}${s.unit ? ` ${s.unit}` : ''}`;
    case 'choice':
      return s.description || s.choices.join(' | ');
    case 'schedule':
      return s.minMinutes !== undefined ? `${s.description}, at most every ${s.minMinutes} minutes` : s.description;
    default:
      return s.description;
  }
}
