/**
 * The error catalogue: coded, user-facing errors for the CLI and the node (see docs/errors.md).
 */
export { catalogue, isErrorCode, type CatalogueEntry, type ErrorCode } from './catalogue.js';
export {
  AppError,
  NotFoundError,
  appError,
  formatTemplate,
  isAppError,
  type ErrorDetails,
  type NotFoundCode,
} from './app-error.js';
export { ConnectorNotStartedError, InvalidArgumentError, PeerNotFoundError } from './node-errors.js';
export { ILP_ERROR_NAMES, isKnownIlpErrorCode, type IlpErrorCode } from './ilp-codes.js';
