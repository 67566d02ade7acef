import { Readable } from 'node:stream';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Harness } from '../helpers/node.js';
import { json, run } from '../cli/run-command.js';
import { startPair, type Pair } from './fixture.js';

const h = new Harness();
let net: Pair;
let dir: string;

beforeAll(async () => {
  net = await startPair(h);
  dir = mkdtempSync(join(tmpdir(), 'ar-send-'));
});
afterAll(async () => {
  await h.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs with `process.stdin` replaced by a pipe carrying `input`. */
async function withStdin<T>(input: Buffer | string, fn: () => Promise<T>): Promise<T> {
  const original = Object.getOwnPropertyDescriptor(process, 'stdin')!;
  Object.defineProperty(process, 'stdin', { value: Object.assign(Readable.from([Buffer.from(input)]), { isTTY: false }), configurable: true });
  try {
    return await fn();
  } finally {
    Object.defineProperty(process, 'stdin', original);
  }
}

describe('send', () => {
  it('sends a paid packet; --json gives the fulfill', async () => {
    const r = await run(['send', 'g.bob', '1000', '--data', 'hello bob', '--url', net.url, '--json']);
    expect(r.exitCode).toBe(0);
    const doc = json<{ accepted: boolean; fulfilled: boolean; fulfillment: string; data: string }>(r);
    expect(doc).toMatchObject({ accepted: true, fulfilled: true });
    expect(Buffer.from(doc.fulfillment, 'base64')).toHaveLength(32);
    expect(Buffer.from(doc.data, 'base64').toString()).toBe('echo:hello bob');
    expect(net.alice.getBalance('bob').balances[0].netBalance).toBe('-1000');
  });

  it('prints the fulfill and the reply for people', async () => {
    const r = await run(['send', 'g.bob', '5', '--data', 'hi', '--url', net.url]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^fulfilled {2}5 to g\.bob\nfulfillment {2}\S{44}\nreply {2}echo:hi\n$/);
  });

  it('a reject is SEND_FAILED: exit 1, one error line for people, the {error} document with --json', async () => {
    const human = await run(['send', 'g.bob', '10', '--data', 'reject me', '--url', net.url]);
    expect(human.exitCode).toBe(1);
    expect(human.stdout).toBe('');
    expect(human.stderr).toContain('Error: Payment to g.bob was rejected: F99 bob says no (triggered by g.bob) [SEND_FAILED]');
    expect(human.stderr).toContain('Hint: ');

    const doc = await run(['send', 'g.nowhere', '10', '--data', 'x', '--url', net.url, '--json']);
    expect(doc.exitCode).toBe(1);
    const { error } = json<{ error: { code: string; message: string; suggestion: string; details: Record<string, string> } }>(doc);
    expect(error).toMatchObject({
      code: 'SEND_FAILED',
      message: expect.stringMatching(/^Payment to g\.nowhere was rejected: F02 /) as string,
      suggestion: expect.stringContaining('F02') as string,
      details: { destination: 'g.nowhere', ilpCode: 'F02', triggeredBy: 'g.alice' },
    });
    expect(error.details.packetId).toMatch(/\S/);
  });

  it('gives the packetId of the packet in the answer, fulfilled or rejected (the id its events carry)', async () => {
    const seen: string[] = [];
    const off = net.alice.events.subscribe((batch) => {
      for (const e of batch) if (e.type === 'packet:prepared' && e.from === 'local') seen.push(e.packetId);
    });
    try {
      const ok = await run(['send', 'g.bob', '3', '--data', 'id please', '--url', net.url, '--json']);
      const fulfilledId = json<{ packetId: string }>(ok).packetId;
      const bad = await run(['send', 'g.bob', '3', '--data', 'reject me', '--url', net.url, '--json']);
      const rejectedId = json<{ error: { details: { packetId: string } } }>(bad).error.details.packetId;
      expect(fulfilledId).toMatch(/\S/);
      expect(rejectedId).toMatch(/\S/);
      expect(rejectedId).not.toBe(fulfilledId);
      expect(seen).toEqual(expect.arrayContaining([fulfilledId, rejectedId]));
    } finally {
      off();
    }
  });

  it('reads the data from stdin when it is piped', async () => {
    const r = await withStdin('from stdin', () => run(['send', 'g.bob', '7', '--url', net.url, '--json']));
    expect(r.exitCode).toBe(0);
    expect(Buffer.from(json<{ data: string }>(r).data, 'base64').toString()).toBe('echo:from stdin');
  });

  it('reads --data-file, and caps the data at 32767 bytes with a clear error', async () => {
    const ok = join(dir, 'ok.txt');
    writeFileSync(ok, 'from a file');
    const r = await run(['send', 'g.bob', '7', '--data-file', ok, '--url', net.url, '--json']);
    expect(Buffer.from(json<{ data: string }>(r).data, 'base64').toString()).toBe('echo:from a file');

    const big = join(dir, 'big.bin');
    writeFileSync(big, Buffer.alloc(32768, 1));
    const tooBig = await run(['send', 'g.bob', '7', '--data-file', big, '--url', net.url, '--json']);
    expect(tooBig.exitCode).toBe(2);
    expect(json<{ error: { code: string; message: string } }>(tooBig).error).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      message: `The data from ${big} is 32768 bytes; ILP packet data is at most 32767 bytes`,
    });

    const piped = await withStdin(Buffer.alloc(40000, 2), () => run(['send', 'g.bob', '7', '--url', net.url]));
    expect(piped.exitCode).toBe(2);
    expect(piped.stderr).toMatch(/The data from stdin is more than 32767 bytes.*\[PAYLOAD_TOO_LARGE\]/);

    const exact = await withStdin(Buffer.alloc(32767, 3), () => run(['send', 'g.bob', '7', '--url', net.url, '--json']));
    expect(exact.exitCode).toBe(0);
  });

  it('refuses a bad amount, both data flags, and a missing argument (exit 2)', async () => {
    const amount = await run(['send', 'g.bob', '1.5', '--data', 'x', '--url', net.url, '--json']);
    expect(amount.exitCode).toBe(2);
    expect(json<{ error: { code: string } }>(amount).error.code).toBe('INVALID_ARGUMENT');

    const both = await run(['send', 'g.bob', '1', '--data', 'x', '--data-file', 'y', '--url', net.url]);
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toMatch(/--data-file=y cannot also be provided when using --data|cannot also be provided/);

    const missing = await run(['send', 'g.bob', '--url', net.url]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/Missing 1 required arg/);
  });

  it('maps an unreachable node to NODE_UNREACHABLE (exit 1)', async () => {
    const stopped = h.node({ nodeId: 'gone' });
    await stopped.start();
    const url = stopped.endpoints.admin!;
    await stopped.stop();
    const r = await run(['send', 'g.bob', '1', '--data', 'x', '--url', url, '--json']);
    expect(r.exitCode).toBe(1);
    expect(json<{ error: { code: string; message: string; suggestion: string } }>(r).error).toMatchObject({
      code: 'NODE_UNREACHABLE',
      message: `Cannot reach the node at ${url}: connection refused`,
      suggestion: expect.stringContaining('AGENT_RUNTIME_URL') as string,
    });
  });
});
