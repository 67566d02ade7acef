import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/index.js';
import { AppError, appError } from '../../src/errors/index.js';
import { ConfigInvalidError, keyForPort, toAppError } from '../../src/cli/errors.js';

const config = { btpServerPort: 3000, healthCheckPort: 8080, adminApi: { port: 8081 }, explorer: { port: 3001 } };

describe('toAppError', () => {
  it('keeps every issue of a ConfigError and points at validate', () => {
    const e = toAppError(new ConfigError([{ path: 'btpServerPort', message: 'must be at most 65535' }, { path: 'foo', message: 'unknown key' }], '/etc/ar.yaml'));
    expect(e).toBeInstanceOf(ConfigInvalidError);
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe('Invalid config (/etc/ar.yaml): 2 problems');
    expect((e as ConfigInvalidError).issues.map((i) => i.path)).toEqual(['btpServerPort', 'foo']);
    expect(e.suggestion).toContain('agent-runtime validate /etc/ar.yaml');
  });

  it('names the config key of a port that is taken (raw EADDRINUSE from the BTP server)', () => {
    const raw = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:3000'), { code: 'EADDRINUSE', port: 3000, address: '127.0.0.1' });
    const e = toAppError(raw, { config });
    expect([e.code, e.exitCode, e.message]).toEqual(['PORT_IN_USE', 1, 'BTP server cannot listen on 127.0.0.1:3000: the port is in use']);
    expect(e.suggestion).toContain('set btpServerPort to another port');
  });

  it('adds the key to the core PORT_IN_USE of an HTTP listener', () => {
    const core = appError('PORT_IN_USE', { listener: 'admin API', host: '127.0.0.1', port: 8081 });
    const e = toAppError(core, { config });
    expect(e.message).toBe('admin API cannot listen on 127.0.0.1:8081: the port is in use');
    expect(e.details.key).toBe('adminApi.port');
    expect(e.suggestion).toContain('adminApi.port');
  });

  it('maps a held LevelDB lock to LEDGER_IN_USE', () => {
    const level = Object.assign(new Error('Database failed to open'), { code: 'LEVEL_DATABASE_NOT_OPEN', cause: Object.assign(new Error('lock held'), { code: 'LEVEL_LOCKED' }) });
    const e = toAppError(level, { dataDir: '/data/a' });
    expect([e.code, e.message]).toEqual(['LEDGER_IN_USE', 'The ledger in /data/a is held by another process']);
  });

  it("rebuilds an AppError-shaped error from another module copy (the ledger's own class)", () => {
    const foreign = Object.assign(new Error('The ledger in /x is held by another process'), { code: 'LEDGER_IN_USE', exitCode: 1, suggestion: 'stop it', details: { dataDir: '/x' } });
    const e = toAppError(foreign);
    expect(e).toBeInstanceOf(AppError);
    expect(e.toJSON()).toEqual({ error: { code: 'LEDGER_IN_USE', message: 'The ledger in /x is held by another process', suggestion: 'stop it', details: { dataDir: '/x' } } });
  });

  it("turns oclif's parse errors into INVALID_ARGUMENT (exit 2) and anything else into INTERNAL", () => {
    const parse = Object.assign(new Error('Missing 1 required arg:\nconfig'), { oclif: { exit: 2 } });
    expect(toAppError(parse)).toMatchObject({ code: 'INVALID_ARGUMENT', exitCode: 2, message: 'Missing 1 required arg:\nconfig' });
    expect(toAppError(new TypeError('x is undefined'))).toMatchObject({ code: 'INTERNAL', exitCode: 1, message: 'Internal error: x is undefined' });
  });

  it('keyForPort ignores port 0 and unknown ports', () => {
    expect(keyForPort(0, { btpServerPort: 0 })).toBeUndefined();
    expect(keyForPort(9999, config)).toBeUndefined();
    expect(keyForPort(8080, config)).toBe('healthCheckPort');
    expect(keyForPort(3001, config)).toBe('explorer.port');
  });
});
