/**
 * What the node's HTTP servers (admin API, health) share: a fastify instance with strict JSON-schema
 * validation, one error boundary that answers `{error, message, code}`, a JSON 404, request logging
 * through the injected pino logger, and a listen/close handle.
 */
import { STATUS_CODES } from 'node:http';
import { isIP } from 'node:net';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { ZodError } from 'zod';
import { AppError, appError, isAppError, type ErrorCode } from '../../errors/index.js';

/** A running (or ready to run) HTTP server. */
export interface HttpServerHandle {
  /** Binds host:port (port 0: any free port). Resolves with the bound URL; PORT_IN_USE when taken. */
  listen(): Promise<{ url: string; port: number }>;
  /** Stops listening and drops open connections. Safe to call twice or before listen. */
  close(): Promise<void>;
}

/** The JSON error body of every HTTP error. `code` is the catalogue code (docs/errors.md). */
export interface ErrorBody {
  error: string;
  message: string;
  code: string;
  /** For INVALID_ARGUMENT: the offending field, e.g. `routes[0].prefix`. */
  field?: string;
}

/** Creates the fastify instance: fastify's own logger off (we log through pino), no type coercion. */
export function createBaseApp(opts: { bodyLimit?: number; trustProxy?: boolean }): FastifyInstance {
  return Fastify({
    logger: false,
    // request.ip from X-Forwarded-For only when the operator says a proxy writes it (security.trustProxy)
    trustProxy: opts.trustProxy ?? false,
    bodyLimit: opts.bodyLimit ?? 65536,
    // An in-flight /admin/ilp/send may wait 30 s for its packet; stopping the node must not wait for it.
    forceCloseConnections: true,
    ajv: {
      customOptions: {
        // Money is never a JS number: "1000" stays a string and 1000 is refused, never silently converted.
        coerceTypes: false,
        removeAdditional: false,
        allErrors: false,
        // parentSchema on each error lets the 400 message quote the field's description.
        verbose: true,
      },
    },
  });
}

/**
 * Installs the error boundary and the JSON 404. Anything that is not an AppError is logged and answered 500.
 * `notFoundNote` adds a sentence to every 404 (the health server says where the admin API is).
 */
export function installErrorHandling(app: FastifyInstance, log: Logger, notFoundNote?: () => string): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const e = toHttpError(err, { bodyLimit: app.initialConfig.bodyLimit });
    const status = e.httpStatus ?? 500;
    if (status >= 500 && e.code === 'INTERNAL') log.error({ err, method: request.method, path: pathOf(request.url) }, 'request failed');
    else log.debug({ code: e.code, status, path: pathOf(request.url) }, 'request refused');
    return sendError(reply, e);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, appError('NOT_FOUND', { message: `No route ${request.method} ${pathOf(request.url)}${notFoundNote ? `: ${notFoundNote()}` : ''}` })),
  );
}

/** Logs every answered request at debug (path only: a query string may hold what should not be logged). */
export function installRequestLog(app: FastifyInstance, log: Logger): void {
  app.addHook('onResponse', (request, reply, done) => {
    log.debug({ method: request.method, path: pathOf(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'http request');
    done();
  });
}

/** Answers with an AppError's status and `{error, message, code, field?}`. */
export function sendError(reply: FastifyReply, e: AppError): FastifyReply {
  const body: ErrorBody = { error: e.httpError ?? 'InternalError', message: e.message, code: e.code };
  const field = e.details.field;
  if (e.code === 'INVALID_ARGUMENT' && typeof field === 'string') body.field = field;
  return reply.code(e.httpStatus ?? 500).type('application/json; charset=utf-8').send(body);
}

/** A client status carried by a foreign error (`statusCode`) and its catalogue code. */
const BY_STATUS: Record<number, ErrorCode | undefined> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  503: 'NOT_READY',
};

/** Maps anything thrown in a request to an AppError with an HTTP status (`bodyLimit` in bytes, for 413). */
export function toHttpError(err: unknown, ctx: { bodyLimit?: number } = {}): AppError {
  // A coded error travels as its code: its catalogue entry says the status, whatever its class.
  if (isAppError(err)) {
    if (err.httpStatus !== undefined) return err;
    // A coded error without an HTTP status: user-fixable input (exit 2) is a 400, the rest a 500 that keeps its message.
    return err.exitCode === 2 ? withStatus(err, 400, 'BadRequest') : withStatus(err, 500, 'InternalError');
  }
  if (!(err instanceof Error)) return appError('INTERNAL');
  const fe = err as Partial<FastifyError>;
  if (fe.validation && fe.validation.length > 0) return validationError(fe as FastifyError);
  if (err instanceof ZodError && err.issues.length > 0) {
    const issue = err.issues[0];
    const field = formatPath(issue.path.filter((p): p is string | number => typeof p !== 'symbol'));
    return appError('INVALID_ARGUMENT', { field, reason: issue.message, message: `Invalid ${field || 'request'}: ${issue.message}` });
  }
  const status = fe.statusCode;
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || status === 413) {
    return appError('PAYLOAD_TOO_LARGE', { limit: ctx.bodyLimit ?? 'the allowed number of' });
  }
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || status === 415) {
    return appError('UNSUPPORTED_MEDIA_TYPE', { message: `${err.message}: send JSON with 'Content-Type: application/json'` });
  }
  // Errors that carry their own client status (fastify's: malformed JSON, bad URL):
  // their messages are about the request, so they are passed on with that status.
  if (typeof status === 'number' && ((status >= 400 && status < 500) || status === 503)) {
    const code = BY_STATUS[status];
    if (code !== undefined) return appError(code, { message: err.message }, err);
    const name = (STATUS_CODES[status] ?? 'Bad Request').replace(/[^A-Za-z]/g, '');
    return new AppError('INVALID_ARGUMENT', err.message, { exitCode: 2, httpStatus: status, httpError: name, cause: err });
  }
  return appError('INTERNAL', { message: 'Internal error (details are in the node log)' }, err);
}

function withStatus(e: AppError, httpStatus: number, httpError: string): AppError {
  return new AppError(e.code, e.message, {
    exitCode: e.exitCode,
    ...(e.suggestion === undefined ? {} : { suggestion: e.suggestion }),
    httpStatus,
    httpError,
    details: e.details,
    cause: e,
  });
}

interface AjvError {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
  parentSchema?: { description?: string };
}

/** One validation failure -> `Invalid <field>: <reason>`, naming the field the way a user wrote it. */
function validationError(err: FastifyError): AppError {
  const first = (err.validation as unknown as AjvError[])[0];
  const segments = first.instancePath.split('/').slice(1).map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, '/').replace(/~0/g, '~')));
  let reason: string;
  switch (first.keyword) {
    case 'required':
      segments.push(String(first.params.missingProperty));
      reason = 'is required';
      break;
    case 'additionalProperties':
      segments.push(String(first.params.additionalProperty));
      reason = 'is not a known field';
      break;
    case 'type':
      reason = `must be ${article(String(first.params.type))}`;
      if (first.parentSchema?.description) reason += ` (${first.parentSchema.description})`;
      break;
    default:
      reason = first.parentSchema?.description ? `must be ${first.parentSchema.description}` : (first.message ?? 'is invalid');
  }
  const context = err.validationContext;
  let field = formatPath(segments);
  if (context === 'querystring') field = `query parameter ${field}`;
  else if (context === 'params') field = `path parameter ${field}`;
  else if (field === '') field = 'request body';
  return appError('INVALID_ARGUMENT', { field, reason });
}

function article(type: string): string {
  if (type === 'object' || type === 'array' || type === 'integer') return `an ${type}`;
  return `a ${type}`;
}

/** ['routes', 0, 'prefix'] -> 'routes[0].prefix' */
function formatPath(segments: (string | number)[]): string {
  let out = '';
  for (const s of segments) out += typeof s === 'number' ? `[${s}]` : out === '' ? s : `.${s}`;
  return out;
}

/** The URL without its query string. */
export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** PORT_IN_USE for a listener, naming its config key (when known) in the details and the suggestion. */
export function portInUseError(listener: string, host: string, port: number, key: string | undefined, cause: unknown): AppError {
  if (key === undefined) return appError('PORT_IN_USE', { listener, host, port }, cause);
  const suggestion = `Stop whatever holds port ${port} (another node?), or set ${key} to another port (0 picks a free one).`;
  return appError('PORT_IN_USE', { listener, host, port, key, suggestion }, cause);
}

/**
 * Wraps a fastify instance as listen/close; `label` names the listener in PORT_IN_USE and `key` its
 * config key (so a library caller is told which key to change, as the CLI is).
 */
export function serverHandle(app: FastifyInstance, opts: { host: string; port: number; label: string; key?: string; logger: Logger }): HttpServerHandle {
  let listening: Promise<{ url: string; port: number }> | undefined;
  let closing: Promise<void> | undefined;
  return {
    listen() {
      listening ??= (async () => {
        try {
          await app.listen({ host: opts.host, port: opts.port });
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
            throw portInUseError(opts.label, opts.host, opts.port, opts.key, err);
          }
          throw err;
        }
        const addr = app.server.address();
        const port = typeof addr === 'object' && addr !== null ? addr.port : opts.port;
        const host = isIP(opts.host) === 6 ? `[${opts.host}]` : opts.host;
        const url = `http://${host}:${port}`;
        opts.logger.debug({ url, listener: opts.label }, 'http server listening');
        return { url, port };
      })();
      return listening;
    },
    close() {
      closing ??= app.close();
      return closing;
    },
  };
}
