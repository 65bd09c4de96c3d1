import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CourierError, errorCodes, isCourierError } from './errors.ts';
import { toCourierError } from './map-error.ts';

describe('error taxonomy', () => {
  it('documents every code in the README (as Fastify checks its errors doc)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const missing = errorCodes.filter((code) => !readme.includes(`| \`${code}\` |`));
    expect(missing).toEqual([]);
  });

  it('brands errors so that isCourierError works across copies', () => {
    const err = new CourierError('BAD_URL', 'x');
    expect(isCourierError(err)).toBe(true);
    expect(isCourierError(Object.assign(new Error('x'), { code: 'BAD_URL' }))).toBe(false);
    expect(err.toJSON()).toEqual({ code: 'BAD_URL', message: 'x' });
  });

  it.each([
    [{ code: 'ECONNREFUSED' }, 'CONNECT_REFUSED'],
    [{ code: 'UND_ERR_CONNECT_TIMEOUT' }, 'CONNECT_TIMEOUT'],
    [{ code: 'UND_ERR_HEADERS_TIMEOUT' }, 'HEADERS_TIMEOUT'],
    [{ code: 'UND_ERR_BODY_TIMEOUT' }, 'BODY_TIMEOUT'],
    [{ code: 'ECONNRESET' }, 'CONNECTION_RESET'],
    [{ code: 'UND_ERR_SOCKET' }, 'CLOSED_PREMATURELY'],
    [{ code: 'HPE_INVALID_CHUNK_SIZE' }, 'PROTOCOL_ERROR'],
    [{ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }, 'TLS_ERROR'],
    [{ code: 'ERR_TLS_CERT_ALTNAME_INVALID' }, 'TLS_ERROR'],
    [{ code: 'ENOTFOUND' }, 'DNS_NO_RESULTS'],
    [{ code: 'SOMETHING_NEW' }, 'INTERNAL'],
  ])('maps %j to %s', (fields, code) => {
    expect(toCourierError(Object.assign(new Error('e'), fields)).code).toBe(code);
  });

  it('unwraps causes and aggregate errors (happy eyeballs)', () => {
    const agg = new AggregateError([Object.assign(new Error('a'), { code: 'ECONNREFUSED' })], 'all failed');
    expect(toCourierError(agg).code).toBe('CONNECT_REFUSED');
  });
});
