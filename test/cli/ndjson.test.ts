import { afterEach, describe, expect, it, vi } from 'vitest';
import { eventFilter, writeEvents } from '../../src/cli/ndjson.js';
import type { NodeEvent } from '../../src/index.js';

const ev = (type: string, extra: Record<string, unknown> = {}) => ({ type, seq: 1, ts: 0, nodeId: 'n', ...extra }) as unknown as NodeEvent;
const all = ['node:started', 'node:stopping', 'node:stats', 'peer:connected', 'settlement:claim-sent', 'channel:opened', 'packet:prepared', 'packet:fulfilled', 'balance:changed'].map((t) => ev(t));

afterEach(() => vi.restoreAllMocks());

describe('NDJSON events', () => {
  it('by default: lifecycle, stats, peers, settlement and channels; never packets or balances', () => {
    expect(all.filter(eventFilter()).map((e) => e.type)).toEqual(['node:started', 'node:stopping', 'node:stats', 'peer:connected', 'settlement:claim-sent', 'channel:opened']);
  });

  it('packets, balances and all add their groups', () => {
    expect(all.filter(eventFilter(['packets'])).map((e) => e.type)).toContain('packet:fulfilled');
    expect(all.filter(eventFilter(['packets'])).map((e) => e.type)).not.toContain('balance:changed');
    expect(all.filter(eventFilter(['balances'])).map((e) => e.type)).toContain('balance:changed');
    expect(all.filter(eventFilter(['all']))).toHaveLength(all.length);
  });

  it('writes a batch as one write of one JSON document per line', () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    writeEvents([ev('node:stats', { inFlight: 0 }), ev('packet:prepared'), ev('peer:connected', { peerId: 'b' })], eventFilter());
    expect(write).toHaveBeenCalledTimes(1);
    const lines = String(write.mock.calls[0][0]).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(JSON.parse(lines[1])).toMatchObject({ type: 'peer:connected', peerId: 'b' });
    writeEvents([ev('packet:prepared')], eventFilter());
    expect(write).toHaveBeenCalledTimes(1);
  });
});
