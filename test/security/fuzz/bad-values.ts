// Values an attacker (or a careless client) puts where the API expects something else. Each
// arbitrary here yields only values that MUST be refused where it is used, so a case that is
// answered 2xx is a hole, not noise. URLs with userinfo are not here: they are accepted (and
// stripped), not refused.
import fc from 'fast-check';

export const notAString = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }),
);

/** Not a non-negative safe integer: fractions, negatives, numbers past 2^53, strings, NaN-ish JSON. */
export const notACount = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
  fc.double({ noInteger: true, noNaN: true, noDefaultInfinity: true }),
  fc.integer({ max: -1 }),
  fc.constantFrom(-0.5, 1e300, -1e300, 2 ** 53 + 2, Number.MAX_VALUE),
);

export const notABoolean = fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.constant(null), fc.constant([]), fc.constant({}));

/** Timeouts outside 0 … 1 h (the queue's cap), or not integers. */
export const badTimeout = fc.oneof(notACount, fc.integer({ min: 3_600_001 }));

/** Hex digits (fast-check 4 dropped `hexaString`). */
export function hexString(length: { minLength?: number; maxLength?: number }): fc.Arbitrary<string> {
  return fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), ...length });
}

/** Printable ASCII, for building text that is wrong for a reason other than its characters. */
const word = fc.stringMatching(/^[a-z0-9]{1,8}$/);

/** Strings `new URL` refuses, or that name a scheme other than http(s), or carry CR/LF/TAB/NUL. */
export const badUrl = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    'not a url',
    '//no-scheme/x',
    'http://',
    'https://',
    'http://a b/',
    'http://exa mple.com/',
    'http://[::1/',
    'http://[::zz]/',
    'http://[1:2:3]/',
    'http://[::1]]/',
    'http://[fe80::1%25eth0]/',
    'http://127.0.0.1:99999/',
    'http://127.0.0.1:-1/',
    'http://127.0.0.1:port/',
    'http://%00/',
    'http://a%zz/',
    'ftp://127.0.0.1/x',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'gopher://127.0.0.1:6379/_FLUSHALL',
    'ws://127.0.0.1/',
    'http://127.0.0.1/\r\nX-Injected: 1',
    'http://127.0.0.1/\nx',
    'http://127.0.0.1/\0',
    'http://a\tb/',
    '\u0000http://127.0.0.1/',
  ),
  fc.tuple(fc.constantFrom('\r', '\n', '\r\n', '\t', '\0'), word, word).map(([bad, a, b]) => `http://${a}.example/${bad}${b}`),
  fc.tuple(fc.constantFrom('ftp', 'file', 'gopher', 'dict', 'ldap', 'ssh', 'smb', 'chrome'), word).map(([scheme, rest]) => `${scheme}://${rest}/`),
  fc.tuple(word, fc.constantFrom(' ', '<', '>', '^', '|', '[', ']')).map(([host, ch]) => `http://${host}${ch}${host}/`),
  // IPv6 literal garbage: too many groups, bad digits, unclosed brackets.
  fc.array(hexString({ minLength: 5, maxLength: 6 }), { minLength: 1, maxLength: 9 }).map((groups) => `http://[${groups.join(':')}]/`),
);

/** Header names that are not HTTP tokens, values with CR/LF/NUL, wrong shapes, and headers the client manages. */
export const badHeaders = fc.oneof(
  fc.oneof(fc.integer(), fc.boolean(), fc.constant('x-a: b'), fc.constant(null)),
  fc.constantFrom<unknown>(
    { 'bad name': 'v' },
    { 'x:y': 'v' },
    { '': 'v' },
    { 'x\0y': 'v' },
    { 'x\r\ny': 'v' },
    { 'é': 'v' },
    { '(x)': 'v' },
    { 'x-a': 'v\r\nx-b: w' },
    { 'x-a': 'v\nw' },
    { 'x-a': 'v\rw' },
    { 'x-a': 'v\0' },
    { 'x-a': { nested: true } },
    { 'x-a': [1, 2] },
    { 'x-a': null },
    { 'transfer-encoding': 'chunked' },
    { connection: 'upgrade' },
    [['x-a']],
    [['x-a', 'b', 'c']],
    [['bad name', 'v']],
    [['x-a', 'v\r\n']],
    ['x-a', 'v'],
  ),
  fc.tuple(word, fc.constantFrom('\r', '\n', '\0', '\r\n'), word).map(([a, bad, b]) => ({ [`x-${a}`]: `${a}${bad}${b}` })),
  fc.tuple(word, fc.constantFrom(' ', ':', '"', '(', ')', ',', '/', ';', '<', '=', '>', '?', '@', '[', '\\', ']', '{', '}', '\t')).map(([a, ch]) => ({
    [`${a}${ch}${a}`]: 'v',
  })),
);

/** Methods that are not HTTP tokens. */
export const badMethod = fc.oneof(
  notAString,
  fc.constantFrom('', 'GET POST', 'GET\r\n', 'G(E)T', 'é', 'GET\0', 'x'.repeat(65), 'GET/1.1', 'G:T'),
  fc.tuple(word, word).map(([a, b]) => `${a} ${b}`),
);

/** Not 64 hex digits. */
export const badSha256 = fc.oneof(
  notAString,
  hexString({ maxLength: 63 }),
  hexString({ minLength: 65, maxLength: 70 }),
  hexString({ minLength: 63, maxLength: 63 }).map((h) => `${h}g`),
  hexString({ minLength: 64, maxLength: 64 }).map((h) => ` ${h}`),
  fc.constant('0'.repeat(63) + '\0'),
);

/** Download destinations that leave the root, are absolute, hold NUL, or name no file. */
export const badDst = fc.oneof(
  fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.constant([])),
  fc.constantFrom('', '..', '../x', 'a/../../x', 'a/..', '/etc/passwd', '/tmp/x', 'C:\\x', 'c:x', '\\\\server\\share\\x', '.', './', 'a/', 'a\0b', 'x'.repeat(4097)),
  fc.tuple(fc.array(word, { maxLength: 3 }), word).map(([dirs, file]) => [...dirs, '..', '..', file].join('/')),
  word.map((w) => `/${w}/${w}`),
  word.map((w) => `${w}\0.bin`),
);

/** Ids that break the `[A-Za-z0-9._~-]{1,200}` rule, already percent-encoded for a path. */
export const badIdSegment = fc.oneof(
  fc.constantFrom('%00', 'a%00b', '%0d%0a', 'a%20b', '%2F', 'a%2Fb', '%2e%2e%2f', '%5c', 'a%3Bb', '%E2%80%AE', '%C3%A9', '%F0%9F%98%80', "a'b", 'a"b', 'a*b'),
  fc.integer({ min: 201, max: 256 }).map((n) => 'a'.repeat(n)),
  fc.tuple(word, fc.constantFrom('%00', '%0A', '%20', '%2F', '%3C', '%40', '%25', '%7B', '%7C')).map(([w, bad]) => `${w}${bad}${w}`),
);

/** Path segments the router itself refuses: longer than its 256 characters (414), or bad percent-encoding (400). */
export const routerRefusedSegment = fc.oneof(
  fc.integer({ min: 257, max: 20_000 }).map((n) => ({ segment: 'a'.repeat(n), status: 414 })),
  fc.constantFrom('%', '%zz', 'a%', '%E0%A4%A', '%C3', '%FF', '%ED%A0%80').map((segment) => ({ segment, status: 400 })),
);

/** Ids that are well formed but name nothing: reserved words of drivers and of JavaScript objects. */
export const unknownId = fc.oneof(
  fc.constantFrom(
    '..',
    '.',
    '...',
    '~',
    '-',
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'hasOwnProperty',
    'valueOf',
    'events',
    'completed',
    'failed',
    'waiting',
    'active',
    'delayed',
    'paused',
    'wait',
    'meta',
    'id',
    'stalled-check',
    'limiter',
    'marker',
    'priority',
    'repeat',
    'undefined',
    'null',
    'NaN',
    '0',
    '-1',
    'a'.repeat(200),
  ),
  fc.stringMatching(/^[A-Za-z0-9._~-]{1,40}$/).filter((s) => s !== '.' && s !== '..'),
);

/** Query values that are not non-negative integers (what `Number()` would turn into one is left out). */
export const badIntegerQuery = fc.oneof(
  fc.constantFrom('x', 'NaN', 'Infinity', '-Infinity', '1e400', '-1', '-0.5', '1.5', '0x', '1_000', '1,2', '9'.repeat(400)),
  fc.integer({ max: -1 }).map(String),
  fc.double({ noInteger: true, noNaN: true, min: 0.01, max: 1e9 }).map(String),
  fc.stringMatching(/^[a-z]{1,6}$/),
);

/** Text that is not JSON (checked against `JSON.parse`, so the oracle is the real parser). */
export const notJson = fc.oneof(
  fc.constantFrom('{', '}', '{"url":', "{'url':'x'}", '[1,]', '{"a":1,}', 'undefined', 'NaN', "\u{feff}{}", '{"a":"\ud800"', '{"a":01}', '--', '0x10', '.5', '\u{feff}\u{feff}{}'),
  fc.string({ minLength: 1, maxLength: 40 }),
).filter((s) => {
  try {
    // Fastify's parser skips a leading byte order mark, so `\u{feff}{}` is JSON to it.
    JSON.parse(s.replace(/^\u{feff}/u, ''));
    return false;
  } catch {
    return true;
  }
});

/** JSON texts made to hurt a parser or a walker: deep nesting, huge numbers, prototype keys, odd unicode. */
export const hostileJsonText = fc.oneof(
  fc.integer({ min: 100, max: 20_000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
  fc.integer({ min: 100, max: 5_000 }).map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
  fc.constantFrom('1e400', '-1e400', '123456789012345678901234567890', '-0', '0.0000000000000000000000001', '"\\u0000"', '"\\ud800"', 'true', 'null', '[]', '""'),
);

/** JSON texts with prototype-pollution keys (Fastify's parser refuses `__proto__` and `constructor.prototype`). */
export const protoJsonText = fc.oneof(
  fc.constantFrom(
    '{"__proto__":{"polluted":true}}',
    '{"a":{"__proto__":{"polluted":true}}}',
    '[{"__proto__":0}]',
    '{"constructor":{"prototype":{"polluted":true}}}',
    '{"jobs":[{"url":"http://127.0.0.1:9/","__proto__":{"polluted":true}}]}',
    '{"url":"http://127.0.0.1:9/","headers":{"__proto__":{"polluted":"x"}}}',
  ),
);

/** Content types the API does not parse. */
export const wrongContentType = fc.constantFrom(
  'text/plain',
  'text/html',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'image/png',
  'application/jsonx',
  'json',
  'application/',
);
