import type { Database } from '@hotswap/database';

/**
 * Runs raw SQL in the caller's transaction and returns its rows. TypeORM answers UPDATE and DELETE
 * with `[rows, affectedCount]` but SELECT and INSERT with the rows; this hides the difference.
 */
export async function queryRows<T>(database: Database, sql: string, params: unknown[]): Promise<T[]> {
  const result: unknown = await database.manager().query(sql, params);
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as T[];
  }
  return Array.isArray(result) ? (result as T[]) : [];
}
