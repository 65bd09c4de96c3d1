import cookie from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from '../http/api-error.ts';
import { SessionStore } from '../auth/session-store.ts';
import { bearerToken, TokenGuard } from '../auth/token.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route answers without the token (only `/healthz` and `POST /v1/session`). */
    public?: boolean;
  }
  interface FastifyInstance {
    auth: AuthService;
  }
}

/** Name of the session cookie set by `POST /v1/session`. */
export const sessionCookieName = 'courier_session';

export interface AuthOptions {
  /** `COURIER_TOKEN`; undefined → every route is open. */
  token: string | undefined;
  /** Session lifetime in seconds. */
  sessionTtlSeconds: number;
}

export interface AuthService {
  readonly enabled: boolean;
  /** Constant-time check of a presented token (false when auth is off). */
  tokenMatches(given: string): boolean;
  /**
   * Starts a server-side session and sets its HttpOnly, SameSite=Strict cookie (`Secure` when
   * the request came over https, as `trustProxy` lets Fastify see it); returns its expiry (ms since epoch).
   */
  startSession(request: FastifyRequest, reply: FastifyReply): number;
  /** Revokes the request's session, if any, and clears its cookie. */
  endSession(request: FastifyRequest, reply: FastifyReply): void;
}

/**
 * Bearer token when `COURIER_TOKEN` is set, or the session cookie that `POST /v1/session` hands
 * out in exchange for it (browsers' EventSource and the dashboard cannot send an Authorization
 * header). One `onRequest` hook for the whole app, so a new route is protected by default.
 */
export const authPlugin = fp<AuthOptions>(
  async (app, options) => {
    await app.register(cookie);
    const guard = options.token === undefined ? undefined : new TokenGuard(options.token);
    const sessions = new SessionStore();

    const service: AuthService = {
      enabled: guard !== undefined,
      tokenMatches: (given) => guard?.matches(given) ?? false,
      startSession(request, reply) {
        const now = Date.now();
        const expiresAtMs = now + options.sessionTtlSeconds * 1000;
        if (guard === undefined) return expiresAtMs;
        reply.setCookie(sessionCookieName, sessions.issue(expiresAtMs, now), {
          httpOnly: true,
          sameSite: 'strict',
          secure: request.protocol === 'https',
          path: '/',
          maxAge: options.sessionTtlSeconds,
        });
        return expiresAtMs;
      },
      endSession(request, reply) {
        const session = request.cookies[sessionCookieName];
        if (session !== undefined) sessions.revoke(session);
        reply.clearCookie(sessionCookieName, { path: '/', httpOnly: true, sameSite: 'strict', secure: request.protocol === 'https' });
      },
    };
    app.decorate('auth', service);

    if (guard === undefined) return;
    app.addHook('onRequest', async (request) => {
      if (request.routeOptions.config.public === true) return;
      const presented = bearerToken(request.headers.authorization);
      if (presented !== undefined) {
        if (guard.matches(presented)) return;
        throw new ApiError('UNAUTHORIZED', 'wrong token', 401);
      }
      const session = request.cookies[sessionCookieName];
      if (session !== undefined && sessions.isValid(session, Date.now())) return;
      throw new ApiError(
        'UNAUTHORIZED',
        session === undefined ? 'missing token: send "Authorization: Bearer <COURIER_TOKEN>"' : 'session expired, ended or invalid: POST /v1/session again',
        401,
      );
    });
  },
  { name: 'courier-auth', fastify: '5.x' },
);
