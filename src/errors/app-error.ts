/**
 * AppError: a user-facing error with a stable catalogue code. Anything else thrown is a bug.
 */
import { catalogue, isErrorCode, type ErrorCode } from './catalogue.js';

/** Values filled into a catalogue template; kept on the error for logs and `--json` output. */
export type ErrorDetails = Record<string, string | number | bigint | boolean | undefined>;

/** A coded error: the CLI prints message + suggestion and exits with exitCode; HTTP answers httpStatus. */
export class AppError extends Error {
  override readonly name: string = 'AppError';
  readonly code: string;
  readonly exitCode: number;
  readonly suggestion?: string;
  readonly httpStatus?: number;
  /** The `error` field of an HTTP error body. */
  readonly httpError?: string;
  readonly details: ErrorDetails;

  constructor(
    code: string,
    message: string,
    opts: {
      exitCode?: number;
      suggestion?: string;
      httpStatus?: number;
      httpError?: string;
      details?: ErrorDetails;
      cause?: unknown;
    } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.exitCode = opts.exitCode ?? 1;
    if (opts.suggestion !== undefined) this.suggestion = opts.suggestion;
    if (opts.httpStatus !== undefined) this.httpStatus = opts.httpStatus;
    if (opts.httpError !== undefined) this.httpError = opts.httpError;
    this.details = opts.details ?? {};
  }

  /** The JSON shape the CLI prints with --json: `{error: {code, message, suggestion?, details}}`. */
  toJSON(): { error: { code: string; message: string; suggestion?: string; details: Record<string, string> } } {
    const details: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.details)) if (v !== undefined) details[k] = String(v);
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.suggestion === undefined ? {} : { suggestion: this.suggestion }),
        details,
      },
    };
  }
}

/** Fills `{key}` placeholders; an unknown key stays visible as `{key}` so a missing detail is noticed. */
export function formatTemplate(template: string, details: ErrorDetails): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => {
    const v = details[key];
    return v === undefined ? whole : String(v);
  });
}

/**
 * Builds the AppError for a catalogue code.
 * @param details fills the message and suggestion templates; `message` overrides the whole message,
 *   `suggestion` the catalogue suggestion.
 * @example throw appError('PEER_NOT_FOUND', { peerId: 'bob' })
 */
export function appError(
  code: ErrorCode,
  details: ErrorDetails & { message?: string; suggestion?: string } = {},
  cause?: unknown,
): AppError {
  const entry = catalogue[code];
  const { message, suggestion, ...rest } = details;
  const text = message ?? formatTemplate(entry.message, rest);
  const hint = suggestion ?? (entry.suggestion === undefined ? undefined : formatTemplate(entry.suggestion, rest));
  return new AppError(code, text, {
    exitCode: entry.exitCode,
    ...(hint === undefined ? {} : { suggestion: hint }),
    ...(entry.httpStatus === undefined ? {} : { httpStatus: entry.httpStatus }),
    ...(entry.httpError === undefined ? {} : { httpError: entry.httpError }),
    details: rest,
    cause,
  });
}

/** The not-found family: codes a NotFoundError may carry. */
export type NotFoundCode = 'NOT_FOUND' | 'PEER_NOT_FOUND' | 'ROUTE_NOT_FOUND' | 'ACCOUNT_NOT_FOUND' | 'CHANNEL_NOT_FOUND';

/**
 * Thrown by NodeApi implementations for an unknown peer, route, account or channel; the admin API
 * answers 404 `{error: 'NotFound', message, code}`.
 *
 * @example throw new NotFoundError('PEER_NOT_FOUND', { peerId })
 * @example throw new NotFoundError('Peer not found: bob')   // a plain message: code NOT_FOUND
 */
export class NotFoundError extends AppError {
  override readonly name: string = 'NotFoundError';

  constructor(code: NotFoundCode, details?: ErrorDetails);
  constructor(message: string);
  constructor(codeOrMessage: string, details: ErrorDetails = {}) {
    const coded = isErrorCode(codeOrMessage) && catalogue[codeOrMessage].httpStatus === 404;
    const base = coded ? appError(codeOrMessage, details) : appError('NOT_FOUND', { ...details, message: codeOrMessage });
    super(base.code, base.message, {
      exitCode: base.exitCode,
      ...(base.suggestion === undefined ? {} : { suggestion: base.suggestion }),
      httpStatus: 404,
      httpError: 'NotFound',
      details: base.details,
    });
  }

  static peer(peerId: string): NotFoundError {
    return new NotFoundError('PEER_NOT_FOUND', { peerId });
  }

  static route(prefix: string): NotFoundError {
    return new NotFoundError('ROUTE_NOT_FOUND', { prefix });
  }
}

/** True for an AppError (also one from another copy of this module, matched by shape). */
export function isAppError(e: unknown): e is AppError {
  if (e instanceof AppError) return true;
  return e instanceof Error && typeof (e as { code?: unknown }).code === 'string' && typeof (e as { exitCode?: unknown }).exitCode === 'number';
}
