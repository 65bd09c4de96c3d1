import { CliError } from '../io.ts';

/** The server the CLI talks to when neither `--server` nor `COURIER_SERVER` says otherwise. */
export const defaultServer = 'http://127.0.0.1:8080';

/** An error answer of the API (`{ error: { code, message } }`), or a server that can't be reached. */
export class ApiRequestError extends CliError {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number | undefined,
  ) {
    super(`${code}: ${message}`);
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
      throw new CliError(`--server: not a URL: ${JSON.stringify(options.server)}`, 2);
    }
    if (this.#base.protocol !== 'http:' && this.#base.protocol !== 'https:') throw new CliError('--server: must be an http:// or https:// URL', 2);
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
      throw new ApiRequestError('QUEUE_UNAVAILABLE', `can't reach ${this.#base.origin} (${cause?.code ?? (error as Error).message}); is \`courier serve\` running?`, undefined);
    }
  }
}

/** `--server`, else `COURIER_SERVER`, else the default; the token always from `COURIER_TOKEN`. */
export function serverClientFrom(options: { server?: string }, env: NodeJS.ProcessEnv): ServerClient {
  const token = env.COURIER_TOKEN === '' ? undefined : env.COURIER_TOKEN;
  return new ServerClient({ server: options.server ?? (env.COURIER_SERVER || defaultServer), token });
}
