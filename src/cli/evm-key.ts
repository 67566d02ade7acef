/**
 * The deployer / dev key of the chain commands: from AGENT_RUNTIME_EVM_PRIVATE_KEY in the environment,
 * else in ./.env. Never a flag: a key typed as a flag value stays in the shell history.
 */
import { appError } from '../errors/index.js';
import { readLocalEnv } from './dotenv.js';

export const EVM_KEY_ENV = 'AGENT_RUNTIME_EVM_PRIVATE_KEY';

/**
 * The key, checked for shape.
 * @throws AppError EVM_KEY_MISSING, INVALID_ARGUMENT (not 32 bytes of hex)
 */
export function evmKeyFromEnv(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const key = env[EVM_KEY_ENV] ?? readLocalEnv(cwd)[EVM_KEY_ENV];
  if (key === undefined || key === '') throw appError('EVM_KEY_MISSING');
  if (!/^(0x)?[0-9a-fA-F]{64}$/.test(key)) throw appError('INVALID_ARGUMENT', { field: EVM_KEY_ENV, reason: 'must be 32 bytes of hex (64 hex digits, 0x optional)' });
  return key.startsWith('0x') ? key : `0x${key}`;
}
