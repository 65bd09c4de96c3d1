import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loggerOptions } from './app.ts';
import { warnIfExposed } from './server.ts';

describe('warnIfExposed', () => {
  it('warns only for a non-loopback HOST without a token', () => {
    const warnings: unknown[] = [];
    const logger = { warn: (...args: unknown[]) => warnings.push(args) };
    expect(warnIfExposed({ host: '127.0.0.1', token: undefined }, logger)).toBe(false);
    expect(warnIfExposed({ host: '0.0.0.0', token: 'a-token-of-sorts' }, logger)).toBe(false);
    expect(warnings).toHaveLength(0);
    expect(warnIfExposed({ host: '0.0.0.0', token: undefined }, logger)).toBe(true);
    expect(JSON.stringify(warnings[0])).toContain('COURIER_TOKEN is unset');
  });
});

describe('the server logger', () => {
  it('redacts credentials from request headers and logged job headers', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = pino(loggerOptions('info'), sink);
    logger.info({ req: { headers: { authorization: 'Bearer s3cret', cookie: 'sid=s3cret', 'x-ok': 'visible' } } }, 'request');
    logger.info({ job: { headers: { 'proxy-authorization': 'Basic s3cret' } }, token: 's3cret' }, 'job');
    const text = lines.join('');
    expect(text).not.toContain('s3cret');
    expect(text).toContain('visible');
    expect(text).toContain('[redacted]');
  });
});

describe('the server logger with sensitive headers', () => {
  it('redacts x-api-key, x-auth-token and the configured names, and scrubs URL userinfo from any line', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = pino(loggerOptions('info', ['x-tenant-key']), sink);
    logger.info({ req: { url: '/v1/connections?remote=http://u:s3cret@x/', headers: { 'x-api-key': 's3cret', 'x-auth-token': 's3cret', 'x-tenant-key': 's3cret' } } }, 'request');
    logger.info({ code: 'BAD_URL' }, 'url: malformed URL: "http://user:s3cret@exa mple.com/"');
    const text = lines.join('');
    expect(text).not.toContain('s3cret');
    expect(text).toContain('/v1/connections?remote=http://[redacted]@x/');
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  });
});
