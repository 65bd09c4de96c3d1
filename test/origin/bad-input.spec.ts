import { createClient } from '@courier/origin';
import { describe, expect, it, onTestFinished } from 'vitest';
import { forThisTest, startHttpFixture } from '../fixtures/index.ts';

describe('bad input is refused before any socket opens', async () => {
  const cases: Array<[string, string | URL, Record<string, unknown>, string]> = [
    ['a malformed URL', 'http://exa mple.com:99999/', {}, 'BAD_URL'],
    ['not a URL at all', 'no scheme here', {}, 'BAD_URL'],
    ['LF in the URL', 'http://127.0.0.1/a\nb', {}, 'BAD_URL'],
    ['CR in the URL', 'http://127.0.0.1/a\rHost: evil', {}, 'BAD_URL'],
    ['an unsupported scheme', 'ftp://127.0.0.1/file', {}, 'UNSUPPORTED_SCHEME'],
    ['a file URL', 'file:///etc/passwd', {}, 'UNSUPPORTED_SCHEME'],
    ['CR/LF in a header value', '{url}', { headers: { 'x-a': 'ok\r\nx-injected: 1' } }, 'BAD_HEADER'],
    ['LF in a header value', '{url}', { headers: { 'x-a': 'a\nb' } }, 'BAD_HEADER'],
    ['a bad header name', '{url}', { headers: { 'bad name': 'x' } }, 'BAD_HEADER'],
    ['a header value that is an object', '{url}', { headers: { 'x-a': { no: 1 } } }, 'BAD_HEADER'],
    ['a client-managed header', '{url}', { headers: { 'transfer-encoding': 'chunked' } }, 'BAD_HEADER'],
    ['a bad method token', '{url}', { method: 'GE T' }, 'BAD_METHOD'],
    ['a method with CRLF', '{url}', { method: 'GET\r\n' }, 'BAD_METHOD'],
    ['a body of the wrong type', '{url}', { method: 'POST', body: 42 }, 'BAD_BODY'],
  ];
  it.each(cases)('%s → %s', async (_name, url, init, code) => {
    const f = await forThisTest(startHttpFixture());
    const c = createClient();
    onTestFinished(() => c.destroy());
    const target = typeof url === 'string' ? url.replace('{url}', `${f.url}/hello`) : url;
    await expect(c.request(target, init as never)).rejects.toMatchObject({ code, name: 'CourierError' });
    expect(f.connections).toBe(0);
    expect(c.size).toBe(0);
  });
});
