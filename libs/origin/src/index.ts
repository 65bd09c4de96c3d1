export { Client, createClient } from './lib/client.ts';
export { CourierResponse } from './lib/response.ts';
export type { AdoptedSocket } from './lib/adopted-socket.ts';
export { ResponseBody } from './lib/response-body.ts';
export { CourierError, ErrorCode, errorCodes, isCourierError, isTransientCode, type CourierErrorDetails } from './lib/errors.ts';
export { toCourierError } from './lib/map-error.ts';
export { defaultPolicy, plutoPolicy, PolicyResolver, type OriginPolicy, type OriginPolicyOverride } from './lib/policy.ts';
export { originIdOf, originOf, remoteToUrl, type OriginId } from './lib/origin-key.ts';
export { parseUrl, normaliseHeaders, normaliseMethod, userinfoAuthorization, withoutUserinfo } from './lib/validate.ts';
export { proxyFromEnv, type ProxyOptions } from './lib/proxy.ts';
export { originMachine, type RedirectHandoff } from './lib/origin-machine.ts';
export { channels, type OriginStateMessage, type RequestEndMessage } from './lib/diagnostics.ts';
export { RequestWindow, windowMs as requestWindowMs, type OriginRequestStats, type RequestWindowOptions } from './lib/request-window.ts';
export { signalInUse } from './lib/request-control.ts';
export { stripUndefined } from './lib/strip-undefined.ts';
export type {
  BodyInit,
  ClientOptions,
  HeadersInit,
  HeaderValue,
  OriginSnapshot,
  OriginStateValue,
  OriginTransition,
  RedirectHop,
  RequestInit,
  ResponseHeaders,
  SocketState,
  SocketStateValue,
  Timings,
  TlsOptions,
} from './lib/types.ts';
export { luaType } from './lib/lua-type.ts';
