export { createEryxHttp, HttpConnectionFactory as HttpConnection, type EryxHttp, type EryxHttpOptions } from './eryx.ts';
export { HttpConnection as HttpConnectionObject, type HttpResponse } from './http-connection.ts';
export { HttpResponseStream } from './response-stream.ts';
export type { BodyReader, BodyStream } from './request-body.ts';
export type { TimeoutInit, TimeoutOptions } from './timeouts.ts';
