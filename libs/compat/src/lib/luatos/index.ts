export { http, createLuatosHttp, type LuatosHttp, type LuatosHttpOptions } from './http.ts';
export { LuatosCall, type LuatosHeaders, type LuatosResult, type LuatosResultCallback } from './result.ts';
export type { LuatosOptions } from './arguments.ts';
export { LuatosCode, codeByErrorCode, codeForError } from './error-codes.ts';
