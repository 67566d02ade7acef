import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateConfigFile } from '../../src/config/index.js';
import { tempDir } from './helpers.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'config');

describe('validateConfigFile', () => {
  it("accepts the seed README's example, with its warnings", () => {
    const result = validateConfigFile(join(fixtures, 'seed-readme.yaml'), { env: {}, cwd: tempDir() });
    expect(result.issues).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.warnings).toEqual([
      expect.stringMatching(/^peers\[0\]\.authToken: a literal secret in .*seed-readme\.yaml; move it to the environment or \.env as BTP_PEER_PEER_B_SECRET/),
      'peers[0] (peer-b): creditLimit is unset, so peer-b may owe us without limit; set peers[0].creditLimit',
    ]);
  });

  it('lists every problem: field errors and the cross-field rules they did not hide', () => {
    const cwd = tempDir({
      'c.yaml': [
        'nodeId: node',
        'logLevel: inof',
        'btpServerPort: 8080',
        'adminApi:',
        '  enabled: true',
        '  host: 0.0.0.0',
        '  prot: 1',
        'explorer:',
        '  enabled: true',
        '  port: nope',
        'peers:',
        '  - id: a',
        '    authToken: ${A_TOKEN}',
        '  - id: a',
        '    authToken: t',
        '    relation: cousin',
        'routes:',
        '  - prefix: g.a',
        '    nextHop: ghost',
        '',
      ].join('\n'),
    });
    const result = validateConfigFile('c.yaml', { cwd, env: {} });
    expect(result.ok).toBe(false);
    expect(result.issues.map((i) => `${i.path}: ${i.message}`).sort()).toEqual(
      [
        'peers[0].authToken: references ${A_TOKEN}, which is not set',
        'logLevel: must be one of trace, debug, info, warn, error, fatal, silent',
        'adminApi.prot: unknown key',
        'explorer.port: must be an integer, got a string',
        'peers[1].relation: must be one of parent, peer, child',
        // Found only after the invalid values above were set aside:
        'healthCheckPort: healthCheckPort and btpServerPort both use 127.0.0.1:8080 (127.0.0.1:8080)',
        'adminApi.apiKey: is required when the admin API listens on 0.0.0.0 (not loopback)',
        "peers[1].id: duplicate peer id 'a' (also peers[0].id)",
      ].sort(),
    );
    const logLevel = result.issues.find((i) => i.path === 'logLevel');
    expect(logLevel).toMatchObject({ line: 2, column: 11, hint: 'did you mean info?' });
  });

  it('does not report rules judged on a value it had to set aside', () => {
    // Set aside, the invalid explorer.port falls back to its default 3001, which collides with
    // btpServerPort: a collision of the stand-in, not of the file, so it must not be reported.
    const cwd = tempDir({ 'c.yaml': 'btpServerPort: 3001\nexplorer:\n  enabled: true\n  port: x\n' });
    const result = validateConfigFile('c.yaml', { cwd, env: {} });
    expect(result.issues.map((i) => i.path)).toEqual(['explorer.port']);
  });

  it('reports a missing file without throwing', () => {
    const cwd = tempDir();
    const result = validateConfigFile('missing.yaml', { cwd, env: {} });
    expect(result).toEqual({
      ok: false,
      warnings: [],
      issues: [{ path: join(cwd, 'missing.yaml'), message: 'config file not found', hint: 'check the path, or run `agent-runtime setup` to write one' }],
    });
  });

  it('warns about a route to a peer that is not configured', () => {
    const cwd = tempDir({ 'c.yaml': 'nodeId: me\nroutes:\n  - prefix: g.x\n    nextHop: ghost\n  - prefix: g.me\n    nextHop: me\n  - prefix: g.local\n    nextHop: local\n' });
    const result = validateConfigFile('c.yaml', { cwd, env: {} });
    expect(result.ok).toBe(true);
    expect(result.warnings).toEqual(["routes[0]: nextHop 'ghost' is not a configured peer; packets to g.x fail until a peer with that id is added"]);
  });
});
