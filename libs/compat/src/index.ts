export * as nodemcu from './lib/nodemcu/index.ts';
export { createNodeMcuHttp, type NodeMcuHttp } from './lib/nodemcu/index.ts';
