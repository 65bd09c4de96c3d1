export { buildApp, loggerOptions, type AppConfig, type BuildAppOptions } from './app.ts';
export { closeOnSignals, createLogger, startServer, warnIfExposed, type RunningServer, type ShutdownStep, type StartServerOptions } from './server.ts';
export { ConfigError, isLoopbackHost, loadConfig, type CourierConfig } from './config/env.ts';
export { defaults as serverDefaults } from './config/defaults.ts';
export { fleetOriginsView, localOriginsView, type CloseConnectionsOutcome, type OriginsView, type OriginView } from './origins/origins-view.ts';
export { type ApiErrorBody, type ApiErrorCode } from './http/api-error.ts';
export { deviceJobId } from './campaigns/campaign-engine.ts';
export { type CampaignView } from './campaigns/campaign-view.ts';
