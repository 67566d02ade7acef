import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkAnswers, renderConfig, renderEnv, type SetupAnswers } from '../../src/cli/setup-files.js';

const base: SetupAnswers = { nodeId: 'n', btpPort: 3000, healthPort: 8080, adminPort: 8081, peers: [] };

describe('setup files', () => {
  it('quotes ids and URLs so YAML reads them back unchanged', () => {
    const a: SetupAnswers = { ...base, nodeId: '~tilde', peers: [{ id: '~p', relation: 'peer', url: 'ws://h:1/#frag' }, { id: 'kid', relation: 'child' }], creditLimit: '5' };
    const doc = parse(renderConfig(a)) as { nodeId: string; peers: Record<string, unknown>[]; routes: unknown[]; adminApi: Record<string, unknown> };
    expect(doc.nodeId).toBe('~tilde');
    expect(doc.peers).toEqual([
      { id: '~p', relation: 'peer', url: 'ws://h:1/#frag', authToken: '${BTP_PEER__P_SECRET}', creditLimit: '5' },
      { id: 'kid', relation: 'child', authToken: '${BTP_PEER_KID_SECRET}', creditLimit: '5' },
    ]);
    expect(doc.routes).toEqual([{ prefix: 'g.~p', nextHop: '~p' }]);
    expect(doc.adminApi).toEqual({ enabled: true, port: 8081, apiKey: '${AGENT_RUNTIME_API_KEY}' });
  });

  it('generates a distinct 32-byte secret per variable', () => {
    const { text, names } = renderEnv({ ...base, peers: [{ id: 'a', relation: 'child' }, { id: 'b-c', relation: 'child' }] });
    expect(names).toEqual(['AGENT_RUNTIME_API_KEY', 'BTP_PEER_A_SECRET', 'BTP_PEER_B_C_SECRET']);
    const values = text.split('\n').filter((l) => /^[A-Z]/.test(l) && !l.startsWith('AGENT_RUNTIME_URL=')).map((l) => l.split('=')[1]);
    // not a secret: where the CLI run in this folder finds the node
    expect(text).toContain(`\nAGENT_RUNTIME_URL=http://127.0.0.1:${base.adminPort}\n`);
    expect(values).toHaveLength(3);
    expect(new Set(values).size).toBe(3);
    for (const v of values) expect(v).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses what the schema would refuse, with a plain reason', () => {
    expect(() => checkAnswers({ ...base, peers: [{ id: 'n', relation: 'child' }] })).toThrow("is this node's own id");
    expect(() => checkAnswers({ ...base, peers: [{ id: 'a-b', relation: 'child' }, { id: 'a~b', relation: 'child' }] })).toThrow('would share the variable BTP_PEER_A_B_SECRET');
    expect(() => checkAnswers({ ...base, peers: [{ id: 'p', relation: 'parent', url: 'ws://a:1' }, { id: 'q', relation: 'parent', url: 'ws://b:1' }] })).toThrow('at most one parent');
    expect(() => checkAnswers({ ...base, peers: [{ id: 'p', relation: 'peer' }] })).toThrow('must be a ws:// or wss:// URL');
    expect(() => checkAnswers({ ...base, creditLimit: '-1' })).toThrow('unsigned integer');
  });
});
