import { createHash } from 'node:crypto';

export interface StatementNamesOptions {
  /** Names given at most (later texts go unnamed); bounds what each connection keeps prepared. */
  readonly maxNames?: number;
  /**
   * Runs of a text before it is named: 1 for callers that name only fixed texts; more for texts of
   * another library, so that texts with values written into them (each run once) are not prepared.
   */
  readonly minRuns?: number;
}

/** Larger statements (bulk inserts, whose text varies with the row count) are not worth keeping. */
const MAX_NAMED_PARAMETERS = 256;
const MAX_NAMED_SQL_LENGTH = 8_192;
/** Texts counted at most while they wait for their `minRuns`; the count starts over beyond. */
const MAX_COUNTED_TEXTS = 2_000;

/**
 * Names for statements to prepare once per connection (DR-52): `hs_` and a hash of the text, so every
 * process and connection names a text alike. Only single statements are named (a prepared statement
 * holds one), within size bounds.
 */
export class StatementNames {
  private readonly names = new Map<string, string>();
  private readonly runs = new Map<string, number>();
  private readonly maxNames: number;
  private readonly minRuns: number;

  constructor(options: StatementNamesOptions = {}) {
    this.maxNames = options.maxNames ?? 1_000;
    this.minRuns = options.minRuns ?? 1;
  }

  /** The name to prepare `sql` under, or undefined to send it unnamed. */
  nameFor(sql: string, parameterCount: number): string | undefined {
    const known = this.names.get(sql);
    if (known !== undefined) return known;
    if (
      this.names.size >= this.maxNames ||
      parameterCount > MAX_NAMED_PARAMETERS ||
      sql.length > MAX_NAMED_SQL_LENGTH ||
      !singleStatement(sql)
    )
      return undefined;
    if (this.minRuns > 1) {
      const runs = (this.runs.get(sql) ?? 0) + 1;
      if (runs < this.minRuns) {
        if (this.runs.size >= MAX_COUNTED_TEXTS) this.runs.clear();
        this.runs.set(sql, runs);
        return undefined;
      }
      this.runs.delete(sql);
    }
    const name = `hs_${createHash('sha1').update(sql).digest('hex').slice(0, 24)}`;
    this.names.set(sql, name);
    return name;
  }
}

/** No `;` but a trailing one: never several statements (one with `;` in a literal stays unnamed). */
function singleStatement(sql: string): boolean {
  const semicolon = sql.indexOf(';');
  return semicolon === -1 || (sql.slice(semicolon + 1).trim() === '' && semicolon === sql.lastIndexOf(';'));
}
