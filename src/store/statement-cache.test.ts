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

  it('keeps at most `capacity` statements, dropping the least recently used', () => {
    const raw = new Database(':memory:');
    const seen: string[] = [];
    const db = cachingStatements({ close: () => raw.close(), prepare: (sql: string) => (seen.push(sql), raw.prepare(sql)) }, 2);
    db.prepare('select 1');
    db.prepare('select 2');
    db.prepare('select 1'); // now the most recent: 'select 2' is the one to go
    db.prepare('select 3');
    db.prepare('select 1');
    db.prepare('select 2');
    expect(seen).toEqual(['select 1', 'select 2', 'select 3', 'select 2']);
    db.close();
  });
});
