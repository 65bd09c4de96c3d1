// Bad ids in paths and bad query strings. A malformed id is a 400 naming `params.id`; a
// well-formed id that names nothing (`..`, `__proto__`, `events`) is a 404, never a 5xx.
import fc from 'fast-check';
import type { HTTPMethods } from 'fastify';
import { badIdSegment, badIntegerQuery, badUrl, routerRefusedSegment, unknownId } from './bad-values.ts';
import type { FuzzCase } from './fuzz-app.ts';

const queryCodes = ['BAD_OPTION', 'BAD_URL', 'UNSUPPORTED_SCHEME'];

/** `:id` in `path` filled with a malformed id (400 params.id) or an unknown one (404). */
export function idCases(method: HTTPMethods, path: string): fc.Arbitrary<FuzzCase> {
  return fc.oneof(
    badIdSegment.map((id) => ({ method, url: path.replace(':id', id), expect: { status: 400, codes: ['BAD_OPTION'], field: 'params.id' } })),
    // `.` and `..` are dot segments: the URL resolves them away, to another route (whose answer
    // stands) or none (`/v1/requests/../events` is the global event stream, which never ends: not there).
    unknownId.filter((id) => !(path.endsWith('/events') && (id === '.' || id === '..'))).map((id) => ({ method, url: path.replace(':id', encodeURIComponent(id)), expect: id === '.' || id === '..' ? { ok: true } : { status: 404, codes: ['NOT_FOUND'] } })),
    routerRefusedSegment.map(({ segment, status }) => ({ method, url: path.replace(':id', segment), expect: { status, codes: ['BAD_OPTION'], field: 'path' } })),
  );
}

const word = fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,9}$/);

/** A query string: `base` pairs with one made bad. */
function query(path: string, pairs: ReadonlyArray<readonly [string, string]>): string {
  return `${path}?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`;
}

interface QueryPlan {
  method: HTTPMethods;
  path: string;
  /** Pairs that make a valid query (bad ones are added to or swapped into it). */
  base: ReadonlyArray<readonly [string, string]>;
  /** Query key → values that must be refused. */
  bad: Record<string, fc.Arbitrary<string>>;
}

/** One key made bad, the key repeated (an array where a string is expected), or an unknown key. */
export function queryCases(plan: QueryPlan): fc.Arbitrary<FuzzCase> {
  const { method, path, base, bad } = plan;
  const without = (key: string) => base.filter(([k]) => k !== key);
  const expectField = (key: string) => ({ status: 400, codes: queryCodes, field: `query.${key}` });
  return fc.oneof(
    fc.constantFrom(...Object.keys(bad)).chain((key) => bad[key]!.map((value) => ({ method, url: query(path, [...without(key), [key, value]]), expect: expectField(key) }))),
    fc.tuple(fc.constantFrom(...Object.keys(bad)), fc.string({ maxLength: 4 })).map(([key, other]) => ({
      method,
      url: query(path, [...without(key), [key, 'x'], [key, other]]),
      expect: expectField(key),
    })),
    word
      .filter((k) => !(k in bad) && !base.some(([b]) => b === k))
      .map((key) => ({ method, url: query(path, [...base, [key, '1']]), expect: expectField(key) })),
  );
}

/** A `remote` / `origin` the origin lib refuses: a bad URL with a scheme, empty, or too long. */
export const badRemote = fc.oneof(
  badUrl.filter((u): u is string => typeof u === 'string' && /^[a-z][a-z0-9+.-]*:\/\//i.test(u) && u.length <= 2048),
  fc.constantFrom('', 'a b', 'a\r\nb', 'host:99999', 'host:port', '[::zz]', 'a'.repeat(2049), '%', '%00'),
);

export const requestsListQuery = queryCases({
  method: 'GET',
  path: '/v1/requests',
  base: [['state', 'failed']],
  bad: {
    state: fc.constantFrom('', 'completed', 'waiting', 'FAILED', 'failed ', '*'),
    start: badIntegerQuery,
    end: fc.oneof(badIntegerQuery, fc.constantFrom('100000', '501')),
  },
});

export const requestWaitQuery = queryCases({ method: 'GET', path: '/v1/requests/some-id', base: [], bad: { wait: fc.oneof(badIntegerQuery, fc.constant(String(24 * 3_600_000 + 1))) } });

export const campaignsListQuery = queryCases({
  method: 'GET',
  path: '/v1/campaigns',
  base: [],
  bad: { offset: badIntegerQuery, limit: fc.oneof(badIntegerQuery, fc.constantFrom('0', '501')) },
});

export const campaignQuery = queryCases({
  method: 'GET',
  path: '/v1/campaigns/cmp-unknown',
  base: [],
  bad: {
    deviceOffset: badIntegerQuery,
    deviceLimit: fc.oneof(badIntegerQuery, fc.constant('1001')),
    deviceState: fc.constantFrom('', 'waiting', 'COMPLETED', 'x'),
  },
});

export const originsQuery = queryCases({
  method: 'GET',
  path: '/v1/origins',
  base: [],
  bad: { filter: fc.constant('x'.repeat(513)), limit: fc.oneof(badIntegerQuery, fc.constantFrom('0', '100001')) },
});

export function remoteCases(method: HTTPMethods, path: string, key: string, required: boolean): fc.Arbitrary<FuzzCase> {
  // A required remote is present and valid beside the bad pair (the stream of a valid inspect never ends, but one bad pair refuses it).
  const cases = queryCases({ method, path, base: required ? [[key, '127.0.0.1:9']] : [], bad: { [key]: badRemote } });
  if (!required) return cases;
  return fc.oneof(cases, fc.constant<FuzzCase>({ method, url: path, expect: { status: 400, codes: queryCodes, field: `query.${key}` } }));
}
