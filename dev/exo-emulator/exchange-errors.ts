/**
 * The errors a cmdlet raises, as Exchange names them. Over the admin API every one of
 * them is an HTTP 400 whose only reliable classifier is the .NET exception type
 * (error.details[0].message is `<id>|<type>|<text>`), so the emulator keeps Exchange's
 * types and wording.
 */

/** The domain controller Exchange names in "couldn't be found on '...'" texts. */
export const EXCHANGE_SERVER = 'DB9PR01A05DC003.EURPR01A005.PROD.OUTLOOK.COM';

export class EmulatedCmdletError extends Error {
  constructor(
    readonly exceptionType: string,
    text: string,
  ) {
    super(text);
    this.name = 'EmulatedCmdletError';
  }
}

const PARAMETER_BINDING = 'System.Management.Automation.ParameterBindingException';
const PARAMETER_VALIDATION = 'System.Management.Automation.ParameterBindingValidationException';
const ARGUMENT_TRANSFORMATION = 'System.Management.Automation.ParameterBindingArgumentTransformationException';

export const cmdletErrors = {
  notFound: (identity: string) =>
    new EmulatedCmdletError(
      'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException',
      `The operation couldn't be performed because object '${identity}' couldn't be found on '${EXCHANGE_SERVER}'.`,
    ),
  unknownParameter: (name: string) => new EmulatedCmdletError(PARAMETER_BINDING, `A parameter cannot be found that matches parameter name '${name}'.`),
  missingParameters: (names: string[]) =>
    new EmulatedCmdletError(PARAMETER_BINDING, `Cannot process command because of one or more missing mandatory parameters: ${names.join(' ')}.`),
  parameterSet: () => new EmulatedCmdletError(PARAMETER_BINDING, 'Parameter set cannot be resolved using the specified named parameters.'),
  validation: (param: string, detail: string) => new EmulatedCmdletError(PARAMETER_VALIDATION, `Cannot validate argument on parameter '${param}'. ${detail}`),
  nullArgument: (param: string) =>
    new EmulatedCmdletError(PARAMETER_VALIDATION, `Cannot bind argument to parameter '${param}' because it is null.`),
  conversion: (param: string, value: unknown, typeName: string, detail: string) =>
    new EmulatedCmdletError(
      PARAMETER_BINDING,
      `Cannot bind parameter '${param}'. Cannot convert value "${typeof value === 'string' ? value : JSON.stringify(value)}" to type "${typeName}". Error: "${detail}"`,
    ),
  notBoolean: (param: string, value: unknown) =>
    new EmulatedCmdletError(
      ARGUMENT_TRANSFORMATION,
      `Cannot process argument transformation on parameter '${param}'. Cannot convert value "${typeof value === 'string' ? 'System.String' : JSON.stringify(value)}" to type "System.Boolean". Boolean parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0.`,
    ),
  badFilter: (filter: string, position: number) =>
    new EmulatedCmdletError(
      PARAMETER_BINDING,
      `Cannot bind parameter 'Filter' to the target. Exception setting "Filter": "Invalid filter syntax. For a description of the filter parameter syntax see the command help.\n"${filter}" at position ${position}."`,
    ),
  alreadyExists: (dn: string) =>
    new EmulatedCmdletError(
      'Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException',
      `Active Directory operation failed on ${EXCHANGE_SERVER}. The object '${dn}' already exists.`,
    ),
  invalidOperation: (text: string) => new EmulatedCmdletError('System.InvalidOperationException', text),
  dataValidation: (text: string) => new EmulatedCmdletError('Microsoft.Exchange.Data.DataValidationException', text),
};
