/**
 * Turns whatever a command caught into a catalogue AppError. A coded error (AppError, LedgerError)
 * keeps its code; config errors keep their issue list,
 * listeners that cannot bind name the config key, a held LevelDB lock becomes LEDGER_IN_USE, oclif's
 * own parse errors become INVALID_ARGUMENT. Anything else is a bug and becomes INTERNAL.
 */
import { AppError, appError, isAppError } from '../errors/index.js';
import { ConfigError, type ConfigIssue } from '../config/index.js';

/** An AppError that also carries the config issues behind it (printed one per line). */
export class ConfigInvalidError extends AppError {
  override readonly name = 'ConfigInvalidError';

  constructor(
    readonly issues: readonly ConfigIssue[],
    source: string | undefined,
    suggestion?: string,
  ) {
    const base = appError('CONFIG_INVALID', {
      message: `Invalid config${source === undefined ? '' : ` (${source})`}: ${issues.length} problem${issues.length === 1 ? '' : 's'}`,
      problems: issues.length,
      source,
      ...(suggestion === undefined ? {} : { suggestion }),
    });
    super(base.code, base.message, { exitCode: base.exitCode, suggestion: base.suggestion, details: base.details });
  }
}

/** The ports a node config binds, to name the key behind a port that is taken. */
export interface ListenerKeys {
  btpServerPort?: number;
  healthCheckPort?: number;
  adminApi?: { port?: number };
  explorer?: { port?: number; enabled?: boolean };
}

const LISTENER_NAMES: Record<string, string> = {
  btpServerPort: 'BTP server',
  healthCheckPort: 'health server',
  'adminApi.port': 'admin API',
  'explorer.port': 'explorer',
};

/** Which config key asked for `port` (the first match; ports 0 never collide). */
export function keyForPort(port: number, config: ListenerKeys | undefined): string | undefined {
  if (config === undefined || port === 0) return undefined;
  if (config.btpServerPort === port) return 'btpServerPort';
  if (config.adminApi?.port === port) return 'adminApi.port';
  if (config.healthCheckPort === port) return 'healthCheckPort';
  if (config.explorer?.port === port) return 'explorer.port';
  return undefined;
}

function errorChain(err: unknown): unknown[] {
  const out: unknown[] = [];
  let e: unknown = err;
  for (let depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    out.push(e);
    e = (e as { cause?: unknown }).cause;
  }
  return out;
}

const codeOf = (e: unknown): unknown => (e as { code?: unknown } | null)?.code;

/** A PORT_IN_USE error that names the port's config key and how to free it. */
function portInUse(port: number, host: string | undefined, listener: string | undefined, config: ListenerKeys | undefined, cause: unknown): AppError {
  const key = keyForPort(port, config);
  return appError(
    'PORT_IN_USE',
    {
      listener: listener ?? (key === undefined ? 'a listener' : LISTENER_NAMES[key]),
      host: host ?? '127.0.0.1',
      port,
      ...(key === undefined ? {} : { key }),
      suggestion:
        `Stop whatever holds port ${port} (another node?)` +
        (key === undefined ? ', or choose another port in the config.' : `, or set ${key} to another port (0 picks a free one).`),
    },
    cause,
  );
}

/** Rebuilds an AppError-shaped error from another module copy so `toJSON` and `instanceof` work. */
function normalise(e: AppError): AppError {
  if (e instanceof AppError) return e;
  const like = e as AppError;
  return new AppError(like.code, like.message, {
    exitCode: like.exitCode,
    ...(like.suggestion === undefined ? {} : { suggestion: like.suggestion }),
    details: like.details ?? {},
    cause: e,
  });
}

/**
 * Maps any error to a catalogue AppError.
 * @param context what the command knows: the config (to name port keys) and the data directory.
 */
export function toAppError(err: unknown, context: { config?: ListenerKeys; dataDir?: string } = {}): AppError {
  if (err instanceof ConfigInvalidError) return err;
  if (err instanceof ConfigError) {
    const e = err;
    const file = e.source !== undefined && e.source !== 'object' && e.source !== 'defaults' ? e.source : undefined;
    return new ConfigInvalidError(e.issues, e.source, file === undefined ? undefined : `Fix the keys above; \`agent-runtime validate ${file}\` checks the file without starting a node.`);
  }
  if (isAppError(err)) {
    const app = normalise(err);
    if (app.code === 'PORT_IN_USE' && app.details.key === undefined && app.details.port !== undefined) {
      return portInUse(Number(app.details.port), String(app.details.host ?? ''), String(app.details.listener ?? ''), context.config, err);
    }
    return app;
  }
  for (const e of errorChain(err)) {
    if (codeOf(e) === 'EADDRINUSE') {
      const ex = e as NodeJS.ErrnoException & { port?: number; address?: string };
      const port = ex.port ?? Number((/:(\d+)\s*$/.exec(ex.message) ?? [])[1] ?? 0);
      return portInUse(port, ex.address, undefined, context.config, err);
    }
    if (codeOf(e) === 'LEVEL_LOCKED') {
      return appError('LEDGER_IN_USE', { dataDir: context.dataDir ?? 'the data directory' }, err);
    }
  }
  const oclif = (err as { oclif?: { exit?: number } } | null)?.oclif;
  if (err instanceof Error && oclif?.exit === 2) {
    return appError('INVALID_ARGUMENT', { message: err.message.trim(), suggestion: 'See the command with --help for its arguments and flags.' });
  }
  const message = err instanceof Error ? err.message : String(err);
  return appError('INTERNAL', { message: `Internal error: ${message}` }, err);
}
