export { loadScriptSet, type LuaScript, type ScriptSet } from './script-set.ts';
