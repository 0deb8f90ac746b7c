import { StatementNames } from './statement-names';

describe('StatementNames', () => {
  it('names a single statement by a hash of its text, the same name every time', () => {
    const names = new StatementNames();
    const name = names.nameFor('SELECT * FROM t WHERE id = $1', 1);
    expect(name).toMatch(/^hs_[0-9a-f]{24}$/);
    expect(names.nameFor('SELECT * FROM t WHERE id = $1', 1)).toBe(name);
    expect(new StatementNames().nameFor('SELECT * FROM t WHERE id = $1', 1)).toBe(name);
    expect(names.nameFor('SELECT * FROM t WHERE id = $2', 2)).not.toBe(name);
    expect(names.nameFor('UPDATE t SET n = n + 1;  ', 0)).toMatch(/^hs_/);
  });

  it.each([
    ['several statements', 'BEGIN; SET LOCAL lock_timeout = 1; SELECT 1', 0],
    ['a semicolon inside', "SELECT ';' AS x", 0],
    ['two trailing semicolons', 'SELECT 1;;', 0],
    ['a text over 8 KB', `SELECT '${'x'.repeat(8_200)}'`, 0],
    ['over 256 parameters', 'INSERT INTO t VALUES ($1)', 257],
  ])('never names %s', (_what, sql, parameters) => {
    expect(new StatementNames().nameFor(sql, parameters)).toBeUndefined();
  });

  it('names a text only from its minRuns-th run when asked (texts run once stay unnamed)', () => {
    const names = new StatementNames({ minRuns: 3 });
    const sql = "SELECT * FROM q WHERE name = 'jobs'";
    expect(names.nameFor(sql, 0)).toBeUndefined();
    expect(names.nameFor(sql, 0)).toBeUndefined();
    const name = names.nameFor(sql, 0);
    expect(name).toMatch(/^hs_/);
    expect(names.nameFor(sql, 0)).toBe(name);
  });

  it('names at most maxNames texts; the rest go unnamed', () => {
    const names = new StatementNames({ maxNames: 2 });
    expect(names.nameFor('SELECT 1', 0)).toBeDefined();
    expect(names.nameFor('SELECT 2', 0)).toBeDefined();
    expect(names.nameFor('SELECT 3', 0)).toBeUndefined();
    expect(names.nameFor('SELECT 1', 0)).toBeDefined();
  });
});
