/**
 * The errors a cmdlet raises, as Exchange names them. Over the admin API almost every one
 * is an HTTP 400 whose only reliable classifier is the .NET exception type, so the
 * emulator keeps Exchange's types and wording, and varies the envelope as the reference
 * says real answers vary ("Errors" and "Filters, recipients and identities"):
 * - details[0].message is `<id>|<type>|<text>`, often with an empty id. Choice: the id is
 *   empty for errors raised while binding parameters (before the cmdlet runs) and
 *   present for errors the cmdlet itself raises.
 * - a bad enum value (ParameterTransformationException) and an expired page link
 *   (System.Exception) come with no `details` at all;
 * - a not-found can arrive with code InternalServerError (choice: the device cmdlets
 *   that take a partnership Identity: statistics, Remove-, Clear-);
 * - x-ExceptionType may carry the short type name (choice: the Recipient* exceptions,
 *   AmbiguousParameterSetException and ParsingNonFilterablePropertyException do).
 */

/** The domain controller Exchange names in "couldn't be found on '...'" texts. */
export const EXCHANGE_SERVER = 'DB9PR01A05DC003.EURPR01A005.PROD.OUTLOOK.COM';

export interface ErrorShape {
  /** Default true: error.details[0] carries `<id>|<type>|<text>`. */
  details?: boolean;
  /** details[0].message starts with `|` (no id). */
  emptyId?: boolean;
  /** error.code; default from the status (BadRequest for 400). */
  code?: string;
  /** x-ExceptionType / x-ExceptionTargetType carry the type without its namespace. */
  shortTypeHeader?: boolean;
  /** With details false: error.message "Invalid Operation", the text only in innererror.internalexception (a bad enum value). */
  internalOnly?: boolean;
}

export class EmulatedCmdletError extends Error {
  constructor(
    readonly exceptionType: string,
    text: string,
    readonly shape: ErrorShape = {},
  ) {
    super(text);
    this.name = 'EmulatedCmdletError';
  }
}

const PARAMETER_BINDING = 'System.Management.Automation.ParameterBindingException';
const PARAMETER_VALIDATION = 'System.Management.Automation.ParameterBindingValidationException';
const ARGUMENT_TRANSFORMATION = 'System.Management.Automation.ParameterBindingArgumentTransformationException';
/**
 * The admin API's own exception types for an unknown parameter and a bad enum value, as
 * live answers name them (a public Go client pins bodies captured from a tenant verbatim:
 * `|Microsoft.Exchange.AdminApi.CommandInvocation.AmbiguousParameterSetException|Parameter
 * set cannot be resolved using the specified named parameters. Invalid cmdlet parameters
 * specified. BogusParameter`, and a ParameterTransformationException carried only in
 * innererror.internalexception; stored file "exoclient" errors test, 2026). Other
 * namespaces below are the emulator's choice where the reference gives only the short name.
 */
const AMBIGUOUS_PARAMETER_SET = 'Microsoft.Exchange.AdminApi.CommandInvocation.AmbiguousParameterSetException';
const PARAMETER_TRANSFORMATION = 'Microsoft.Exchange.AdminApi.CommandInvocation.ParameterTransformationException';
const NON_FILTERABLE = 'Microsoft.Exchange.Data.ParsingNonFilterablePropertyException';
const RECIPIENT_NOT_FOUND = 'Microsoft.Exchange.Configuration.Tasks.RecipientNotFoundException';
const RECIPIENT_NOT_VALID = 'Microsoft.Exchange.Configuration.Tasks.RecipientNotValidException';

/** Raised while binding parameters: no id in details[0].message. */
const binding = (type: string, text: string, shape: ErrorShape = {}) => new EmulatedCmdletError(type, text, { emptyId: true, ...shape });

const quoted = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

export const cmdletErrors = {
  notFound: (identity: string, shape: ErrorShape = {}) =>
    new EmulatedCmdletError(
      'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException',
      `The operation couldn't be performed because object '${identity}' couldn't be found on '${EXCHANGE_SERVER}'.`,
      shape,
    ),
  /** A mailbox identity that resolves to no recipient (e.g. deleted after the listing). */
  recipientNotFound: (identity: string) => new EmulatedCmdletError(RECIPIENT_NOT_FOUND, `Couldn't find '${identity}' as a recipient.`, { shortTypeHeader: true }),
  /** A recipient of the wrong type where a mailbox is needed (e.g. a group). */
  recipientNotValid: (identity: string) => new EmulatedCmdletError(RECIPIENT_NOT_VALID, `'${identity}' does not represent a valid recipient.`, { shortTypeHeader: true }),
  /**
   * An unknown parameter name. Over REST Exchange does not say "A parameter cannot be
   * found that matches parameter name 'X'." (that is PowerShell's own binder, so the
   * ExchangeOnlineManagement module raises it on the client before any call): the server
   * fails to resolve a parameter set and names the parameter at the end (reference; a live
   * capture has exactly this text, see AMBIGUOUS_PARAMETER_SET).
   */
  unknownParameter: (name: string) =>
    binding(AMBIGUOUS_PARAMETER_SET, `Parameter set cannot be resolved using the specified named parameters. Invalid cmdlet parameters specified. ${name}`, { shortTypeHeader: true }),
  missingParameters: (names: string[]) => binding(PARAMETER_BINDING, `Cannot process command because of one or more missing mandatory parameters: ${names.join(' ')}.`),
  parameterSet: () => binding(PARAMETER_BINDING, 'Parameter set cannot be resolved using the specified named parameters.'),
  validation: (param: string, detail: string) => binding(PARAMETER_VALIDATION, `Cannot validate argument on parameter '${param}'. ${detail}`),
  nullArgument: (param: string) => binding(PARAMETER_VALIDATION, `Cannot bind argument to parameter '${param}' because it is null.`),
  conversion: (param: string, value: unknown, typeName: string, detail: string) =>
    binding(PARAMETER_BINDING, `Cannot bind parameter '${param}'. Cannot convert value "${quoted(value)}" to type "${typeName}". Error: "${detail}"`),
  /**
   * A value that is not one of an enum's names: no `details`, the text only in
   * innererror.internalexception, names listed with ", " (the live capture behind
   * PARAMETER_TRANSFORMATION: "Cannot process argument transformation on parameter
   * 'QuarantineTypes'. Cannot convert value \"Nonsense\" to type \"...\". Error: \"Unable to
   * match the identifier name Nonsense to a valid enumerator name. Specify one of the
   * following enumerator names and try again: Spam, TransportRule, ...\"").
   */
  badEnum: (param: string, value: unknown, typeName: string, names: readonly string[]) =>
    binding(
      PARAMETER_TRANSFORMATION,
      `Cannot process argument transformation on parameter '${param}'. Cannot convert value "${quoted(value)}" to type "${typeName}". Error: "Unable to match the identifier name ${quoted(value)} to a valid enumerator name. Specify one of the following enumerator names and try again: ${names.join(', ')}"`,
      { details: false, internalOnly: true },
    ),
  /** A value outside an Exchange property's range (see cmdlets/params.ts, checkRange). */
  outOfRange: (param: string, value: string, min: string, max: string) =>
    binding(PARAMETER_BINDING, `Cannot bind parameter '${param}' to the target. Exception setting "${param}": "The property, (${value}), is out of range. The valid range is from ${min} to ${max}."`),
  notBoolean: (param: string, value: unknown) =>
    binding(
      ARGUMENT_TRANSFORMATION,
      `Cannot process argument transformation on parameter '${param}'. Cannot convert value "${typeof value === 'string' ? 'System.String' : JSON.stringify(value)}" to type "System.Boolean". Boolean parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0.`,
    ),
  badFilter: (filter: string, position: number) =>
    binding(
      PARAMETER_BINDING,
      `Cannot bind parameter 'Filter' to the target. Exception setting "Filter": "Invalid filter syntax. For a description of the filter parameter syntax see the command help.\n"${filter}" at position ${position}."`,
    ),
  nonFilterableProperty: (property: string) =>
    binding(NON_FILTERABLE, `"${property}" is not a recognized filterable property. For a description of the filter parameter syntax see the command help.`, { shortTypeHeader: true }),
  /** Choice: the text the reference quotes, with the Filter binding type. */
  filterVariables: (filter: string) =>
    binding(PARAMETER_BINDING, `Cannot bind parameter 'Filter' to the target. Exception setting "Filter": "This filter parameter does not accept filters that contain variables.\n"${filter}""`),
  alreadyExists: (dn: string) =>
    new EmulatedCmdletError('Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException', `Active Directory operation failed on ${EXCHANGE_SERVER}. The object '${dn}' already exists.`),
  invalidOperation: (text: string) => new EmulatedCmdletError('System.InvalidOperationException', text),
  /**
   * A cmdlet with a built-in pause (ConfirmImpact High: Clear-MobileDevice,
   * Remove-MobileDevice) called without `Confirm: false`. Over REST nobody can answer the
   * prompt; the text is PowerShell's own for a prompt in a host without user interaction
   * (System.Management.Automation.Host.HostException). Choice: that Exchange Online answers
   * so is not confirmed (see cmdlets/device-actions.ts).
   */
  confirmationRequired: (prompt: string) =>
    new EmulatedCmdletError(
      'System.Management.Automation.Host.HostException',
      `A command that prompts the user failed because the host program or the command type does not support user interaction. The host was attempting to request confirmation with the following message: ${prompt}`,
    ),
  /** Exchange 2013's SetCASMailbox: both lists changed in one call and a DeviceId is in both. Wording: choice. */
  deviceIdInBothLists: (deviceId: string) =>
    new EmulatedCmdletError(
      'Microsoft.Exchange.Management.AirSync.ErrorDeviceIdInBothLists',
      `The device ID '${deviceId}' can't be in both ActiveSyncAllowedDeviceIDs and ActiveSyncBlockedDeviceIDs.`,
    ),
  /**
   * A multivalued parameter given a JSON object without `"@odata.type":"#Exchange.GenericHashTable"`:
   * the server cannot bind it as a hash table (reference). Type and wording: choice
   * (PowerShell's conversion failure for an untyped object).
   */
  hashTableNotBound: (param: string, typeName: string) =>
    binding(
      PARAMETER_BINDING,
      `Cannot bind parameter '${param}'. Cannot convert the "System.Collections.Generic.Dictionary\`2[System.String,System.Object]" value of type "System.Collections.Generic.Dictionary\`2[[System.String],[System.Object]]" to type "${typeName}".`,
    ),
  /**
   * Account-only wipe of an ActiveSync client older than 16.1: "If the client doesn't
   * support v16.1, the wipe will fail and an error will be given" (Microsoft's remote wipe
   * article, as quoted in github.com/MicrosoftDocs/OfficeDocs-Exchange/issues/1470). That the
   * cmdlet refuses (rather than the device), the type and the wording: choice.
   */
  accountOnlyNotSupported: (identity: string, version: string) =>
    new EmulatedCmdletError(
      'System.InvalidOperationException',
      `The mobile device '${identity}' uses Exchange ActiveSync ${version} and doesn't support an account-only remote wipe, which requires Exchange ActiveSync 16.1 or later.`,
    ),
  /** Exchange 2013's RemoveMobileDevice: EasMaxDeviceDeletesPerMonth reached for the mailbox (LocalizedException). Wording: choice. */
  maxDeviceDeletes: (deleted: number, max: number) =>
    new EmulatedCmdletError(
      'Microsoft.Exchange.Data.Common.LocalizedException',
      `You have deleted ${deleted} mobile device partnerships of this mailbox this month, the maximum the throttling policy (EasMaxDeviceDeletesPerMonth) allows is ${max}. Try again next month.`,
    ),
  dataValidation: (text: string) => new EmulatedCmdletError('Microsoft.Exchange.Data.DataValidationException', text),
  /**
   * Set-CASMailbox -ActiveSyncMailboxPolicy naming no policy: Exchange 2016's
   * SetCASMailboxBase uses Strings.ErrorMobileMailboxPolicyNotFound (text from its
   * Strings.resources) for a ManagementObjectNotFoundException.
   */
  mobilePolicyNotFound: (identity: string) =>
    new EmulatedCmdletError(
      'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException',
      `Exchange Mobile Device mailbox policy "${identity}" wasn't found. Make sure you've typed the policy name correctly.`,
    ),
  /**
   * A policy application list over Exchange's limits: ArgumentException with
   * Strings.MobileDevicePolicyApplicationListTooLong (Exchange 2016's Set/NewMobilePolicy;
   * text from its Strings.resources).
   */
  applicationListTooLong: (total: number, each: number) =>
    new EmulatedCmdletError(
      'System.ArgumentException',
      `Changes to the Exchange Mobile Device mailbox policy couldn't be saved because the application list is either larger than ${total} or the individual file name that you want to add is larger than ${each}. Remove items from the application list before updating this Exchange Mobile Device mailbox policy.`,
    ),
};
