import { describe, expect, it } from 'vitest';
import { LeaseExchange } from './lease-exchange.ts';

describe('LeaseExchange: slots handed between batches of one worker', () => {
  it('hands a slot to a batch waiting for its origin, else answers false (the slot goes back to Redis)', () => {
    const exchange = new LeaseExchange();
    const lease = { origin: 'http://a.test', token: 't#1' };
    expect(exchange.offer('http://a.test', lease)).toBe(false);
    const taken: unknown[] = [];
    const full = exchange.wait('http://a.test', () => false);
    const stop = exchange.wait('http://a.test', (l) => {
      taken.push(l);
      return true;
    });
    expect(exchange.offer('http://b.test', lease)).toBe(false);
    expect(exchange.offer('http://a.test', lease)).toBe(true);
    expect(taken).toEqual([lease]);
    stop();
    full();
    expect(exchange.offer('http://a.test', lease)).toBe(false);
  });
});
