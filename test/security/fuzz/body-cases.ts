// Bad JSON bodies for the routes that take one: a valid body with one field made bad (the answer
// must name that field), arbitrary JSON, text that is not JSON, hostile JSON, wrong content types.
import fc from 'fast-check';
import type { HTTPMethods } from 'fastify';
import {
  badDst,
  badHeaders,
  badMethod,
  badSha256,
  badTimeout,
  badUrl,
  hexString,
  hostileJsonText,
  notABoolean,
  notACount,
  notAString,
  notJson,
  protoJsonText,
  wrongContentType,
} from './bad-values.ts';
import type { FuzzCase } from './fuzz-app.ts';

const jsonType = { 'content-type': 'application/json' };

/** Job codes: the origin lib's precise ones where it checks, BAD_JOB / BAD_PATH otherwise. */
const jobCodes = ['BAD_JOB', 'BAD_URL', 'BAD_HEADER', 'BAD_METHOD', 'UNSUPPORTED_SCHEME', 'BAD_PATH'];

/** A body built as a value: `JSON.stringify` gives the bytes. */
function bodyCase(method: HTTPMethods, url: string, value: unknown, field: string): FuzzCase {
  return { method, url, headers: jsonType, payload: JSON.stringify(value), expect: { status: 400, codes: jobCodes, field } };
}

/** Field → values that must be refused there. */
type BadFields = Record<string, fc.Arbitrary<unknown>>;

const word = fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,11}$/);

const enqueueOptionFields: BadFields = {
  attempts: fc.oneof(notACount, fc.constantFrom(0, 51, 1e9)),
  delayMs: fc.oneof(notACount, fc.integer({ min: 7 * 24 * 3_600_000 + 1 })),
  priority: fc.oneof(notACount, fc.integer({ min: 2_097_153 })),
  idempotencyKey: fc.oneof(notAString, fc.constantFrom('', 'has space', 'tab\there', 'x'.repeat(257), 'é', 'a\0b', 'a\r\nb')),
};

const requestJobFields: BadFields = {
  url: fc.oneof(notAString, badUrl, fc.constant(`http://127.0.0.1/${'a'.repeat(9000)}`)),
  method: badMethod,
  headers: badHeaders,
  body: fc.oneof(fc.integer(), fc.boolean(), fc.constant([]), fc.constantFrom({ base64: 'not base64!' }, { base64: 1 }, { base64: 'QQ=' }, { text: 'x' }, { base64: 'QQ==', x: 1 })),
  headersTimeoutMs: badTimeout,
  bodyTimeoutMs: badTimeout,
  totalTimeoutMs: badTimeout,
  maxRedirects: fc.oneof(notACount, fc.integer({ min: 51 })),
  maxResponseBytes: fc.oneof(notACount, fc.constant(2 ** 53 + 2)),
  dontReuse: notABoolean,
  dontMakeReusable: notABoolean,
  preferIpv6: notABoolean,
  acceptAnyStatus: notABoolean,
  verbatimMethod: notABoolean,
  kind: fc.oneof(fc.constantFrom('download', 'other', '', 'REQUEST'), fc.integer(), fc.constant(null)),
  ...enqueueOptionFields,
};

const validRequestJob = fc.record(
  {
    url: fc.constantFrom('http://127.0.0.1:9/', 'https://127.0.0.1:9/path?q=1', 'http://[::1]:9/x', 'http://localhost:9/'),
    method: fc.constantFrom('GET', 'post', 'HEAD', 'DELETE'),
    headers: fc.constantFrom({ 'x-trace': 'abc' }, [['accept', 'text/plain']], {}),
    totalTimeoutMs: fc.integer({ min: 0, max: 60_000 }),
    idempotencyKey: fc.stringMatching(/^[a-z0-9-]{1,20}$/),
  },
  { requiredKeys: ['url'] },
);

const downloadJobFields: BadFields = {
  url: fc.oneof(notAString, badUrl),
  dst: badDst,
  sha256: badSha256,
  size: fc.oneof(notACount, fc.constant(2 ** 53 + 2)),
  headers: badHeaders,
  kind: fc.oneof(fc.constantFrom('request', 'other', ''), fc.integer(), fc.constant(null)),
  ...enqueueOptionFields,
};

const hex64 = hexString({ minLength: 64, maxLength: 64 });

const validDownloadJob = fc.record(
  {
    url: fc.constantFrom('http://127.0.0.1:9/fw.bin', 'https://[::1]:9/a/b.img'),
    dst: fc.stringMatching(/^[a-z0-9]{1,8}(\/[a-z0-9]{1,8}){0,2}\.bin$/),
    sha256: hex64,
    size: fc.integer({ min: 0, max: 2 ** 40 }),
  },
  { requiredKeys: ['url', 'dst'] },
);

/** A valid job with one field made bad, an unknown field added, or its required field left out. */
function mutated(valid: fc.Arbitrary<Record<string, unknown>>, fields: BadFields, required: readonly string[]) {
  const known = new Set(Object.keys(fields));
  return fc.oneof(
    { weight: 8, arbitrary: fc.tuple(valid, fc.constantFrom(...Object.keys(fields))).chain(([job, field]) => fields[field]!.map((bad) => ({ job: { ...job, [field]: bad }, field }))) },
    { weight: 1, arbitrary: fc.tuple(valid, word.filter((k) => !known.has(k)), fc.jsonValue({ maxDepth: 2 })).map(([job, field, value]) => ({ job: { ...job, [field]: value }, field })) },
    {
      weight: 1,
      arbitrary: fc.tuple(valid, fc.constantFrom(...required)).map(([job, field]) => {
        const { [field]: _dropped, ...rest } = job;
        return { job: rest, field };
      }),
    },
  );
}

/** The mutated job alone, or at some place in a batch of valid ones (`jobs[2].url`). */
function jobBodies(url: string, valid: fc.Arbitrary<Record<string, unknown>>, fields: BadFields, required: readonly string[]) {
  const one = mutated(valid, fields, required);
  return fc.oneof(
    one.map(({ job, field }) => bodyCase('POST', url, job, field)),
    fc.tuple(one, fc.array(valid, { maxLength: 4 }), fc.nat()).map(([{ job, field }, others, at]) => {
      const index = at % (others.length + 1);
      const jobs: unknown[] = [...others];
      jobs.splice(index, 0, job);
      return bodyCase('POST', url, { jobs }, `jobs[${index}].${field}`);
    }),
    fc.constantFrom<unknown>([], {}, null, 1, 'x', [{}]).map((jobs) => bodyCase('POST', url, { jobs }, 'jobs')),
  );
}

/**
 * What every JSON body route must refuse whatever its schema: arbitrary JSON (a 400 naming some
 * field), text that is not JSON, an empty body, prototype keys (400 BAD_BODY, field `body`), and
 * other content types (415).
 */
export function garbageBodies(method: HTTPMethods, url: string, opts: { validKeys: readonly string[]; nullIsValid?: boolean }): fc.Arbitrary<FuzzCase> {
  const valid = new Set(opts.validKeys);
  const send = (payload: string, expect: FuzzCase['expect'], headers: Record<string, string> = jsonType): FuzzCase => ({ method, url, headers, payload, expect });
  const anyJson = fc.jsonValue({ maxDepth: 4 }).filter((v) => !(v === null && opts.nullIsValid === true));
  // An object only of keys the route does not know (a valid key could make a valid body by chance).
  const unknownKeys = fc.dictionary(
    fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.constantFrom('constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', '\u0000', '\u202e', '😀')).filter((k) => !valid.has(k)),
    fc.jsonValue({ maxDepth: 3 }),
    { minKeys: 1, maxKeys: 4 },
  );
  return fc.oneof(
    anyJson.filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)).map((v) => send(JSON.stringify(v), { status: 400, field: 'body' })),
    unknownKeys.map((v) => send(JSON.stringify(v), { status: 400, named: true })),
    hostileJsonText.filter((t) => !(t === 'null' && opts.nullIsValid === true)).map((t) => send(t, { status: 400, named: true })),
    notJson.map((t) => send(t, { status: 400, codes: ['BAD_BODY'], field: 'body' })),
    fc.constant(send('', { status: 400, codes: ['BAD_BODY'], field: 'body' })),
    protoJsonText.map((t) => send(t, { status: 400, codes: ['BAD_BODY'], field: 'body' })),
    fc.tuple(wrongContentType, fc.constantFrom('{}', '{"url":"http://127.0.0.1:9/"}', 'a=b', '<x/>')).map(([type, t]) => send(t, { status: 415, codes: ['BAD_BODY'] }, { 'content-type': type })),
    fc.constantFrom('{}', 'x').map((t) => send(t, { status: 415, codes: ['BAD_BODY'] }, {})),
  );
}

export function requestBodies(maxBatch: number): fc.Arbitrary<FuzzCase> {
  const tooMany = { jobs: Array.from({ length: maxBatch + 1 }, () => ({ url: 'http://127.0.0.1:9/' })) };
  return fc.oneof(
    { weight: 6, arbitrary: jobBodies('/v1/requests', validRequestJob, requestJobFields, ['url']) },
    { weight: 3, arbitrary: garbageBodies('POST', '/v1/requests', { validKeys: ['url', 'jobs'] }) },
    { weight: 1, arbitrary: fc.constant(bodyCase('POST', '/v1/requests', tooMany, 'jobs')) },
  );
}

export function downloadBodies(): fc.Arbitrary<FuzzCase> {
  return fc.oneof(
    { weight: 6, arbitrary: jobBodies('/v1/downloads', validDownloadJob, downloadJobFields, ['url', 'dst']) },
    { weight: 3, arbitrary: garbageBodies('POST', '/v1/downloads', { validKeys: ['url', 'dst', 'jobs'] }) },
  );
}

const validCampaign = fc.record({
  firmware: fc.record({ url: fc.constantFrom('http://127.0.0.1:9/fw/{device}.bin', 'https://127.0.0.1:9/fw.bin'), sha256: hex64, size: fc.integer({ min: 0, max: 2 ** 40 }) }),
  devices: fc.uniqueArray(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,10}$/), { minLength: 1, maxLength: 5 }),
});

const badRatio = fc.oneof(
  notAString.filter((v) => typeof v !== 'number'),
  fc.double({ max: -1e-9, noNaN: true, noDefaultInfinity: true }),
  fc.double({ min: 1.000001, noNaN: true, noDefaultInfinity: true }),
);

const badDeviceEntry = fc.oneof(
  fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.constant([])),
  fc.constantFrom('', '-x', '.x', 'a b', 'a/b', '../x', 'a\0', 'é', 'x'.repeat(129)),
  fc.constantFrom({}, { id: 1 }, { id: 'ok', extra: 1 }, { id: 'ok', dst: '../x' }, { id: 'ok', dst: '/etc/x' }, { id: 'ok', dst: '' }, { id: 'ok', dst: 'a\0' }, { id: 'ok', dst: 5 }),
  badDst.map((dst) => ({ id: 'dev-x', dst })),
);

/** Campaign field → bad values; `path` is where the answer must point. */
const campaignMutations: fc.Arbitrary<{ body: Record<string, unknown>; field: string }> = fc.tuple(validCampaign, fc.nat()).chain(([campaign, n]) => {
  const firmware = campaign.firmware;
  const set = (key: string, value: unknown, field = key) => ({ body: { ...campaign, [key]: value }, field });
  return fc.oneof(
    fc.oneof(notAString, fc.constant([])).map((v) => set('firmware', v)),
    fc.oneof(notAString, badUrl).map((url) => set('firmware', { ...firmware, url }, 'firmware.url')),
    badSha256.map((sha256) => set('firmware', { ...firmware, sha256 }, 'firmware.sha256')),
    fc.oneof(notACount, fc.constant(2 ** 53 + 2)).map((size) => set('firmware', { ...firmware, size }, 'firmware.size')),
    fc.constant(set('firmware', { url: firmware.url, size: firmware.size }, 'firmware.sha256')),
    fc.constant(set('firmware', { ...firmware, extra: 1 }, 'firmware.extra')),
    fc.oneof(notAString.filter((v) => !Array.isArray(v)), fc.constant([])).map((v) => set('devices', v)),
    badDeviceEntry.map((entry) => {
      const devices: unknown[] = [...campaign.devices];
      const at = n % (devices.length + 1);
      devices.splice(at, 0, entry);
      return set('devices', devices, `devices[${at}]`);
    }),
    fc.constant(set('devices', [...campaign.devices, campaign.devices[0]], `devices[${campaign.devices.length}]`)),
    fc.oneof(
      notAString.filter((v) => !Array.isArray(v)),
      fc.constantFrom([], [0], [2], [-1], [0.5], [0.5, 0.2, 1], [0.5, 0.5, 1], ['1'], [null], Array.from({ length: 21 }, (_, i) => (i + 1) / 21)),
    ).map((v) => set('waves', v)),
    badRatio.map((v) => set('failureThreshold', v)),
    fc.oneof(notAString, fc.constantFrom('', 'same-file.bin', '../{device}.bin', '/abs/{device}.bin', 'C:\\{device}', '{device}/', 'x'.repeat(1025))).map((v) => set('dstTemplate', v)),
    fc.oneof(notAString, fc.constantFrom('', 'x'.repeat(201))).map((v) => set('name', v)),
    enqueueOptionFields.attempts!.map((v) => set('attempts', v)),
    enqueueOptionFields.idempotencyKey!.map((v) => set('idempotencyKey', v)),
    word.filter((k) => !['name', 'firmware', 'devices', 'waves', 'failureThreshold', 'dstTemplate', 'attempts', 'idempotencyKey'].includes(k)).map((k) => set(k, 1)),
    fc.constantFrom('firmware', 'devices').map((k) => {
      const { [k as 'firmware']: _dropped, ...rest } = campaign;
      return { body: rest, field: k };
    }),
  );
});

export function campaignBodies(): fc.Arbitrary<FuzzCase> {
  return fc.oneof(
    { weight: 6, arbitrary: campaignMutations.map(({ body, field }) => bodyCase('POST', '/v1/campaigns', body, field)) },
    { weight: 3, arbitrary: garbageBodies('POST', '/v1/campaigns', { validKeys: ['firmware', 'devices'] }) },
  );
}

export function sessionBodies(): fc.Arbitrary<FuzzCase> {
  return fc.oneof(
    fc.oneof(notAString, fc.constant('x'.repeat(4097))).map((token) => bodyCase('POST', '/v1/session', { token }, 'token')),
    garbageBodies('POST', '/v1/session', { validKeys: ['token'], nullIsValid: true }),
  );
}
