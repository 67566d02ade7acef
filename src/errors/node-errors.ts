/**
 * The coded errors the node's library API throws (ConnectorNode re-exports them). Each is an AppError
 * with a catalogue code, so the admin API answers it by its code and never by its class name.
 */
import { AppError, NotFoundError, appError } from './app-error.js';

/** Copies a catalogue AppError's fields into a subclass instance. */
function fields(e: AppError): ConstructorParameters<typeof AppError>[2] {
  return {
    exitCode: e.exitCode,
    ...(e.suggestion === undefined ? {} : { suggestion: e.suggestion }),
    ...(e.httpStatus === undefined ? {} : { httpStatus: e.httpStatus, httpError: e.httpError }),
    details: e.details,
  };
}

/** NODE_NOT_STARTED: thrown by methods that need a started node. */
export class ConnectorNotStartedError extends AppError {
  override readonly name: string = 'ConnectorNotStartedError';

  /** @param method the library method that was called too early, e.g. `sendPacket` */
  constructor(method: string) {
    const e = appError('NODE_NOT_STARTED', { method, message: `${method}() needs a started node: await node.start() first` });
    super(e.code, e.message, fields(e));
  }
}

/** PEER_NOT_FOUND (404): no peer with this id. */
export class PeerNotFoundError extends NotFoundError {
  override readonly name: string = 'PeerNotFoundError';
  /** The seed's field, kept for callers that read it; the code and httpStatus say the same. */
  readonly statusCode = 404;

  constructor(readonly peerId: string) {
    super('PEER_NOT_FOUND', { peerId });
  }
}

/** INVALID_ARGUMENT (400): a library or admin request with a bad field; the message names it. */
export class InvalidArgumentError extends AppError {
  override readonly name: string = 'InvalidArgumentError';
  /** The seed's field, kept for callers that read it; the code and httpStatus say the same. */
  readonly statusCode = 400;

  constructor(message: string, details: { field?: string } = {}) {
    const e = appError('INVALID_ARGUMENT', { ...details, message });
    super(e.code, e.message, fields(e));
  }
}
