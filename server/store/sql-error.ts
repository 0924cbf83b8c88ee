/** The fields of a driver's database error that name what failed, never the values involved. */
const KEPT = ['code', 'severity', 'schema', 'table', 'column', 'constraint', 'routine'] as const;

/**
 * A database error as the rest of the server sees and logs it. Drivers attach the statement's
 * parameters (PGlite: `params`) and the offending row (`detail`: "Failing row contains (…)"), which
 * would put message bodies and search text in the log; this keeps only the statement, the SQLSTATE
 * `code` and the names of the table, column and constraint. The original is not kept as `cause`,
 * since loggers print causes too.
 */
export class SqlError extends Error {
  override readonly name = 'SqlError';
  /** The SQLSTATE (e.g. `23514`), when the server gave one. */
  readonly code: string | undefined;
  readonly severity: string | undefined;
  readonly schema: string | undefined;
  readonly table: string | undefined;
  readonly column: string | undefined;
  readonly constraint: string | undefined;
  readonly routine: string | undefined;
  /** The statement's text, with its `$n` placeholders (never their values). */
  readonly statement: string | undefined;

  constructor(message: string, fields: Partial<Record<(typeof KEPT)[number], string>>, statement: string | undefined) {
    super(message);
    this.code = fields.code;
    this.severity = fields.severity;
    this.schema = fields.schema;
    this.table = fields.table;
    this.column = fields.column;
    this.constraint = fields.constraint;
    this.routine = fields.routine;
    this.statement = statement;
  }
}

/**
 * Postgres quotes the offending value at the end of some messages (`invalid input syntax for type
 * uuid: "…"`); names in quotes elsewhere (`relation "users"`) stay.
 */
function withoutTrailingValue(message: string): string {
  return message.replace(/: ".*"$/s, ': (value omitted)');
}

/** The error a query threw, as a SqlError without parameters or row values. */
export function scrubSqlError(error: unknown, statement?: string): SqlError {
  const source = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const fields: Partial<Record<(typeof KEPT)[number], string>> = {};
  for (const key of KEPT) if (typeof source[key] === 'string') fields[key] = source[key];
  const message = error instanceof Error ? error.message : String(error);
  const scrubbed = new SqlError(withoutTrailingValue(message), fields, statement);
  // Where the query was made from is worth keeping; the original's first line is its message.
  if (error instanceof Error && error.stack) scrubbed.stack = `SqlError: ${scrubbed.message}\n${error.stack.split('\n').slice(1).join('\n')}`;
  return scrubbed;
}
