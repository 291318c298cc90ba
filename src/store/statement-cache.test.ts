import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { cachingStatements } from './statement-cache.js';

describe('cachingStatements', () => {
  it('prepares a SQL text once and reuses the statement, which still runs with new parameters', () => {
    const raw = new Database(':memory:');
    let prepared = 0;
    const counting = { close: () => raw.close(), prepare: (sql: string) => (prepared++, raw.prepare(sql)) };
    const db = cachingStatements(counting);
    db.prepare('create table t (v integer)').run([]);
    const insert = db.prepare('insert into t (v) values (?)');
    insert.run([1]);
    expect(db.prepare('insert into t (v) values (?)')).toBe(insert);
    db.prepare('insert into t (v) values (?)').run([2]);
    expect(db.prepare('select v from t order by v').all([])).toEqual([{ v: 1 }, { v: 2 }]);
    expect(prepared).toBe(3);
    db.close();
  });

  it('keeps at most the budget of SQL text, dropping the least recently used, and never caches a statement over it', () => {
    const raw = new Database(':memory:');
    const seen: string[] = [];
    // Each 'select N' is 8 characters: a 16-character budget holds two.
    const db = cachingStatements({ close: () => raw.close(), prepare: (sql: string) => (seen.push(sql), raw.prepare(sql)) }, 16);
    db.prepare('select 1');
    db.prepare('select 2');
    db.prepare('select 1'); // now the most recent: 'select 2' is the one to go
    db.prepare('select 3');
    db.prepare('select 1');
    db.prepare('select 2');
    expect(seen).toEqual(['select 1', 'select 2', 'select 3', 'select 2']);
    const big = `select ${'1 + '.repeat(10)}1`;
    db.prepare(big);
    db.prepare(big);
    db.prepare('select 1');
    expect(seen.slice(4)).toEqual([big, big]);
    db.close();
  });
});
