// `@courier/server/testing`: the server's test helpers for tests outside this library (source
// only: src/testing/ is excluded from the build, so only the `@courier/source` condition resolves it).
export { buildTestApp, json, startOrigin, type TestApp, type TestAppOptions } from './test-app.ts';
export { readEvents, type ServerSentEvent } from './sse.ts';
