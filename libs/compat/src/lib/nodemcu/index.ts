export { http, createNodeMcuHttp, type NodeMcuHttp } from './http.ts';
export {
  NodeMcuConnection,
  type CompleteCallback,
  type ConnectCallback,
  type DataCallback,
  type HeadersCallback,
  type NodeMcuEvent,
  type RequestResult,
} from './connection.ts';
export type { NodeMcuOptions } from './options.ts';
export type { OneShotCallback, OneShotResult } from './one-shot.ts';
export { NodeMcuStatus, statusByErrorCode, statusForError } from './status-codes.ts';
export { ACKNOW, DELAYACK, DELETE, GET, HEAD, POST, PUT } from './constants.ts';
