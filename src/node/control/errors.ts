/**
 * The control plane's error classes (public: the library exports them). Both are catalogue errors,
 * so their code travels as a code to the admin API's body and the CLI's output.
 */
import { AppError, appError, type ErrorCode, type ErrorDetails } from '../../errors/index.js';

function coded(code: ErrorCode, details: ErrorDetails & { message?: string }): ConstructorParameters<typeof AppError> {
  const e = appError(code, details);
  return [
    e.code,
    e.message,
    {
      exitCode: e.exitCode,
      details: e.details,
      ...(e.suggestion === undefined ? {} : { suggestion: e.suggestion }),
      ...(e.httpStatus === undefined ? {} : { httpStatus: e.httpStatus }),
      ...(e.httpError === undefined ? {} : { httpError: e.httpError }),
    },
  ];
}

/** No peer with this id (PEER_NOT_FOUND, HTTP 404). */
export class PeerNotFoundError extends AppError {
  override readonly name = 'PeerNotFoundError';
  readonly statusCode = 404;
  constructor(readonly peerId: string) {
    super(...coded('PEER_NOT_FOUND', { peerId }));
  }
}

/** A bad argument to a library call (INVALID_ARGUMENT, HTTP 400). */
export class InvalidArgumentError extends AppError {
  override readonly name = 'InvalidArgumentError';
  readonly statusCode = 400;
  constructor(message: string, field?: string) {
    super(...coded('INVALID_ARGUMENT', { message, ...(field === undefined ? {} : { field }) }));
  }
}
