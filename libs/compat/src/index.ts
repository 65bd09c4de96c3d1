export * as nodemcu from './lib/nodemcu/index.ts';
export * as luatos from './lib/luatos/index.ts';
export * as eryx from './lib/eryx/index.ts';
export { createNodeMcuHttp, type NodeMcuHttp } from './lib/nodemcu/index.ts';
export { createLuatosHttp, type LuatosHttp, type LuatosHttpOptions } from './lib/luatos/index.ts';
export { createEryxHttp, type EryxHttp, type EryxHttpOptions } from './lib/eryx/index.ts';
