import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MAX_DATA_BYTES, readPacketData } from '../../src/cli/read-data.js';

const pipe = (data: string | Buffer) => Object.assign(Readable.from([Buffer.from(data)]), { isTTY: false });
const tty = () => Object.assign(Readable.from([Buffer.from('never read')]), { isTTY: true });

describe('readPacketData', () => {
  it('--data wins over a piped stdin', async () => {
    expect((await readPacketData({ data: 'flag', stdin: pipe('stdin') })).toString()).toBe('flag');
  });

  it('reads a piped stdin when no flag is given; a terminal is never read', async () => {
    expect((await readPacketData({ stdin: pipe('piped') })).toString()).toBe('piped');
    expect(await readPacketData({ stdin: tty() })).toHaveLength(0);
    expect((await readPacketData({ dataFile: '-', stdin: pipe('dash') })).toString()).toBe('dash');
  });

  it('caps every source at 32767 bytes', async () => {
    expect(await readPacketData({ stdin: pipe(Buffer.alloc(MAX_DATA_BYTES)) })).toHaveLength(MAX_DATA_BYTES);
    await expect(readPacketData({ stdin: pipe(Buffer.alloc(MAX_DATA_BYTES + 1)) })).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    await expect(readPacketData({ data: 'é'.repeat(20000), stdin: tty() })).rejects.toThrow('The data from --data is 40000 bytes');
  });

  it('names a file it cannot open', async () => {
    await expect(readPacketData({ dataFile: '/nonexistent/x', stdin: tty() })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('ENOENT') as string });
  });
});
