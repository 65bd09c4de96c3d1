export { Scheduler, type Coroutine, type CoroutineSource, type ErrorFunc, type YieldFunc } from './lib/scheduler.ts';
export { Operation } from './lib/operation.ts';
export { Wait } from './lib/wait.ts';
export { isInsideCoroutine } from './lib/coroutine-context.ts';
export { WarningCode, warningType } from './lib/warnings.ts';
// The default `http` and `createPlutoHttp` choose a transport: in-process (default) or the fleet.
export { http, setDefaultTransport, transportFromEnv } from './lib/fleet/default-http.ts';
export { createPlutoHttp, type PlutoHttp, type PlutoHttpOptions } from './lib/fleet/create-pluto-http.ts';
export { isPlutoTransport, type PlutoTransport } from './lib/fleet/transport.ts';
export { createInProcessTransport, type InProcessTransport } from './lib/fleet/in-process-transport.ts';
export { createFleetTransport, type FleetTransport, type FleetTransportStats } from './lib/fleet/fleet-transport.ts';
export { fleetTransportDefaults, type FleetTransportOptions } from './lib/fleet/fleet-options.ts';
export { createPlutoClient, type PlutoClientOptions } from './lib/http/pluto-client.ts';
export { plutoClientOptionsFromEnv } from './lib/http/environment.ts';
export { plutoReasons, plutoReason } from './lib/http/reasons.ts';
export { buildRequest, defaultAcceptEncoding, defaultUserAgent, type PlutoRequestSpec } from './lib/http/build-request.ts';
export { executeRequest } from './lib/http/execute.ts';
export type { PlutoFailure, PlutoHeaders, PlutoRequestOptions, PlutoResult, PlutoSuccess } from './lib/http/types.ts';
