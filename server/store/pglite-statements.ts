import type { PGlite, Transaction } from '@electric-sql/pglite';
import { parse, protocol } from '@electric-sql/pglite';
import { LRUCache } from 'lru-cache';

/** How many statements stay prepared; the least recently used is closed past it. */
const PREPARED_LIMIT = 256;

/** A statement prepared on the database's one connection: its name, and its parameters' type OIDs. */
interface Prepared {
  readonly name: string;
  readonly paramTypes: readonly number[];
}

/**
 * Runs PGlite queries as prepared statements. PGlite's own `query` makes six calls into the database
 * for every statement (Parse, Describe, Bind, Describe, Execute, Sync, each one turn of Postgres's main
 * loop in WebAssembly), and parses and plans the statement each time: about 200 µs of CPU for
 * `SELECT 1`, and 40 % of a lone message's append. Here a statement is parsed once per connection
 * (Parse, then Describe for its parameters' types) and each later run is one call with the Bind,
 * Describe, Execute and Sync messages together (the PostgreSQL frontend/backend protocol's extended
 * query flow, as node-postgres runs a named statement).
 *
 * What `query` answers is what PGlite's `query` would: the parameters are serialized by the database's
 * own serializers for the types Postgres inferred, the rows are parsed by its parsers
 * (`parse.parseResults`), and a database error is thrown as PGlite throws it, after the Sync that ends
 * the statement has run (a transaction it was in is then aborted, as with `query`). The locks are
 * PGlite's: outside a transaction the statement waits for any open one to end, as `query` does.
 *
 * A script run by `exec` may change the schema, so every statement prepared before one is let go
 * (`forgetAll`, closed with the next call) rather than risk a plan whose result type changed.
 */
export class PgliteStatements {
  private readonly prepared: LRUCache<string, Prepared>;
  /** Statements evicted from the cache, closed at the start of the next call into the database. */
  private toClose: string[] = [];
  private next = 1;

  constructor(
    private readonly db: PGlite,
    limit = PREPARED_LIMIT,
  ) {
    this.prepared = new LRUCache<string, Prepared>({ max: limit, dispose: (statement) => this.toClose.push(statement.name) });
  }

  /**
   * The rows of `text` run with `params` (objects keyed by column name, parsed as PGlite parses them).
   * `tx`: the open transaction to run it in (from inside `db.transaction`'s callback, which holds the
   * transaction lock, so only the query lock is taken), or undefined for a statement of its own. Throws
   * what the database throws (PGlite's DatabaseError), and, as PGlite's own `tx.query` does, an Error
   * for a transaction already closed.
   */
  async query<R>(text: string, params: readonly unknown[] | undefined, tx: Transaction | undefined): Promise<{ rows: R[] }> {
    if (tx?.closed) throw new Error('Transaction is closed');
    const run = () => this.run<R>(text, params ?? [], tx !== undefined);
    return tx ? this.db.runExclusive(run) : this.db._runExclusiveTransaction(() => this.db.runExclusive(run));
  }

  /**
   * Lets every prepared statement go (after a script that may have changed the schema): the next
   * statement is prepared again, and the old ones are closed by the next call into the database.
   */
  forgetAll(): void {
    // The cache's dispose puts each one on the list to close.
    this.prepared.clear();
  }

  private async run<R>(text: string, params: readonly unknown[], inTransaction: boolean): Promise<{ rows: R[] }> {
    const statement = this.prepared.get(text) ?? (await this.prepare(text));
    const values = params.map((value, i) => {
      if (value === null || value === undefined) return null;
      const serializer = this.db.serializers[statement.paramTypes[i] as number];
      return serializer ? serializer(value) : String(value);
    });
    const { messages } = await this.db.execProtocol(
      concat([...this.closing(), protocol.serialize.bind({ statement: statement.name, values }), protocol.serialize.describe({ type: 'P' }), protocol.serialize.execute({}), protocol.serialize.sync()]),
      { syncToFs: false },
    );
    if (!inTransaction) await this.db.syncToFs();
    const [result] = parse.parseResults(messages, this.db.parsers);
    return { rows: (result?.rows ?? []) as R[] };
  }

  /** Parses `text` as a named statement and reads its parameters' types; cached only once that worked. */
  private async prepare(text: string): Promise<Prepared> {
    const name = `chat_${this.next++}`;
    const { messages } = await this.db.execProtocol(
      concat([...this.closing(), protocol.serialize.parse({ name, text, types: [] }), protocol.serialize.describe({ type: 'S', name }), protocol.serialize.sync()]),
      { syncToFs: false },
    );
    const prepared: Prepared = { name, paramTypes: parse.parseDescribeStatementResults(messages) };
    this.prepared.set(text, prepared);
    return prepared;
  }

  /** The Close messages of the statements evicted since the last call. */
  private closing(): Uint8Array[] {
    if (this.toClose.length === 0) return [];
    const closes = this.toClose.map((name) => protocol.serialize.close({ type: 'S', name }));
    this.toClose = [];
    return closes;
  }
}

/** The messages one after the other, in one buffer. */
function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
