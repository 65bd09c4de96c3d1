import { exitCodeFor, exitCodes, serverUnreachable } from '../exit-codes.ts';
import { CliError } from '../io.ts';

/** The port `courier serve` listens on when `PORT` is unset (the server's own default). */
const defaultPort = '8080';

/**
 * The server the CLI talks to when neither `--server` nor `COURIER_SERVER` says otherwise: this
 * machine, on `PORT` when it is set (as `npm start` then listens there), else 8080.
 */
export function defaultServer(env: NodeJS.ProcessEnv): string {
  const port = env.PORT || defaultPort;
  if (!/^\d{1,5}$/.test(port)) throw new CliError(`PORT: must be an integer (got ${JSON.stringify(port.slice(0, 100))}); or give --server / COURIER_SERVER`, exitCodes.usage);
  return `http://127.0.0.1:${port}`;
}

/** What every command that talks to a server says in its help about where and how. */
export const serverHelp = `
Server: --server URL, else $COURIER_SERVER, else http://127.0.0.1:$PORT (8080 when PORT is unset).
Token: $COURIER_TOKEN, sent as a bearer token (needed when the server has COURIER_TOKEN set).`;

/** An error answer of the API (`{ error: { code, message } }`), or a server that can't be reached. */
export class ApiRequestError extends CliError {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number | undefined,
  ) {
    super(`${code}: ${withWayOut(status, message)}`, exitCodeFor(code));
  }
}

export interface ServerClientOptions {
  /** Base URL, e.g. http://127.0.0.1:8080. */
  server: string;
  /** `COURIER_TOKEN`, sent as a bearer token when set. */
  token: string | undefined;
}

/**
 * A thin JSON client for the Courier API over Node's built-in fetch (undici): the CLI's calls
 * are few and simple, so no extra HTTP library.
 */
export class ServerClient {
  readonly #base: URL;
  readonly #token: string | undefined;

  constructor(options: ServerClientOptions) {
    try {
      this.#base = new URL(options.server);
    } catch {
      throw new CliError(`--server: not a URL: ${JSON.stringify(options.server)}`, exitCodes.usage);
    }
    if (this.#base.protocol !== 'http:' && this.#base.protocol !== 'https:') throw new CliError('--server: must be an http:// or https:// URL', exitCodes.usage);
    this.#token = options.token;
  }

  get server(): string {
    return this.#base.origin;
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.raw(method, path, body);
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new ApiRequestError('BAD_RESPONSE', `${method} ${path}: the server answered ${response.status} with non-JSON`, response.status);
    }
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new ApiRequestError(error?.code ?? `HTTP_${response.status}`, error?.message ?? response.statusText, response.status);
    }
    return parsed as T;
  }

  async raw(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await fetch(new URL(path, this.#base), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      throw new ApiRequestError(serverUnreachable, `can't reach ${this.#base.origin} (${cause?.code ?? (error as Error).message}); is \`courier serve\` running?`, undefined);
    }
  }
}

/**
 * The server's message, plus what a CLI user does about it: the server's 401 speaks of an
 * `Authorization` header, which the CLI sends itself from `COURIER_TOKEN`.
 */
function withWayOut(status: number | undefined, message: string): string {
  return status === 401 ? `${message}; set COURIER_TOKEN to the server's token` : message;
}

/** `--server`, else `COURIER_SERVER`, else the default; the token always from `COURIER_TOKEN`. */
export function serverClientFrom(options: { server?: string }, env: NodeJS.ProcessEnv): ServerClient {
  const token = env.COURIER_TOKEN === '' ? undefined : env.COURIER_TOKEN;
  return new ServerClient({ server: options.server ?? (env.COURIER_SERVER || defaultServer(env)), token });
}
