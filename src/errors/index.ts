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
