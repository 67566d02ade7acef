/**
 * createLogger: the seed's logger factory, on pino. Logs go to stderr (never stdout, which carries
 * results and NDJSON events) or to a file. Secrets are redacted by key name.
 */
import pino, { type Logger, type LevelWithSilent } from 'pino';

/** Keys whose values never reach a log line. */
export const REDACT_KEYS = ['privateKey', 'mnemonic', 'seed', 'secret', 'authToken', 'apiKey', 'token', 'password'];

/**
 * @param name the node id (bound as `nodeId` on every line)
 * @param level pino level (default: LOG_LEVEL, else 'info')
 * @param destination a file path, or undefined for stderr
 */
export function createLogger(name: string, level?: string, destination?: string): Logger {
  const resolved = (level ?? process.env.LOG_LEVEL ?? 'info') as LevelWithSilent;
  const paths = REDACT_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);
  const stream = destination ? pino.destination({ dest: destination, mkdir: true, sync: false }) : pino.destination(2);
  return pino({ level: resolved, base: undefined, redact: { paths, censor: '[redacted]' } }, stream).child({ nodeId: name });
}
