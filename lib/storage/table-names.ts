/**
 * The connector's table names and the rule for their prefix, without the Table Storage
 * SDK: lib/config declares STORAGE_TABLE_PREFIX from this rule (so a prefix accepted at
 * start is one the table clients accept) and must not load the SDK to do it.
 */
export const TABLES = ['devices', 'syncruns', 'state', 'audit', 'actions', 'policies'] as const;
export type TableName = (typeof TABLES)[number];

/** Azure Table Storage: a table name is 3-63 letters and digits and starts with a letter. */
const TABLE_NAME_MAX_LENGTH = 63;

/** The longest prefix that still leaves every table name within Azure's limit. */
export const TABLE_PREFIX_MAX_LENGTH = TABLE_NAME_MAX_LENGTH - Math.max(...TABLES.map((t) => t.length));

/** Empty, or a letter followed by letters and digits (the name's own rule, since the prefix starts it). */
export const TABLE_PREFIX_PATTERN = new RegExp(`^([A-Za-z][A-Za-z0-9]{0,${TABLE_PREFIX_MAX_LENGTH - 1}})?$`);

/** The rule in words, for error messages: "must <rule>". */
export const TABLE_PREFIX_RULE = `start with a letter and hold at most ${TABLE_PREFIX_MAX_LENGTH} letters and digits`;
