import { describe, expect, test } from 'vitest';
import { originColumns, originRow, OriginTable } from './origin-rows.ts';
import { originSnapshot } from '@courier/queue/testing';

const snapshot = originSnapshot;
const quiet = { rps: 0, p50Ms: null, p99Ms: null };
const col = (name: (typeof originColumns)[number]) => originColumns.indexOf(name);

describe('origin rows', () => {
  test('a row has one value per column; fleet rows are told apart by worker', () => {
    const row = originRow({ ...snapshot('http://a:80'), workerId: 'w1' }, { rps: 1.234, p50Ms: 0.123456, p99Ms: 9 });
    expect(row).toHaveLength(originColumns.length);
    expect(row[col('id')]).toBe('w1 http://a:80');
    expect(row[col('key')]).toBeNull();
    expect(row[col('rps')]).toBe(1.23);
    expect(row[col('p50Ms')]).toBe(0.12);
  });

  test('the table sends only rows that changed and the ids of rows gone', () => {
    const table = new OriginTable();
    const first = table.update([originRow(snapshot('http://a:80'), quiet), originRow(snapshot('http://b:80'), quiet)]);
    expect(first.upserts).toHaveLength(2);
    expect(table.update([originRow(snapshot('http://a:80'), quiet), originRow(snapshot('http://b:80'), quiet)]).upserts).toEqual([]);
    const next = table.update([originRow(snapshot('http://a:80', { state: 'active', inFlight: 1 }), quiet)]);
    expect(next.upserts.map((r) => r[col('state')])).toEqual(['active']);
    expect(next.removes).toEqual(['http://b:80']);
    expect(next.total).toBe(1);
    expect(table.all()).toHaveLength(1);
  });
});
