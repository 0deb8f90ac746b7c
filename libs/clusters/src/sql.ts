import type { Database } from '@hotswap/database';

/** Runs raw SQL in the caller's transaction and returns its rows (for UPDATE and DELETE too). */
export function queryRows<T>(database: Database, sql: string, params: unknown[]): Promise<T[]> {
  return database.query<T>(sql, params);
}
