/**
 * Child process for the crash test: `node --import tsx test/ledger/crash-writer.ts <dataDir> <tag>`.
 * Commits transfers from many concurrent callers as fast as it can, until killed, and prints the id
 * of every acknowledged (durable) commit on stdout, one per line, after its callback ran. Replays
 * earlier ids now and then (they must not count twice). Amounts follow from the id (crash-model.ts).
 */
import { Ledger } from '../../src/ledger/index.js';
import { CRASH_PEERS as PEERS, expectedPostings } from './crash-model.js';

async function main(dataDir: string, tag: string): Promise<void> {
  const ledger = await Ledger.open({ dataDir });
  let n = 0;
  let out: string[] = [];
  const print = (id: string) => {
    // One write per batch of acknowledgements; a pipe write is synchronous on Linux.
    if (out.length === 0) queueMicrotask(() => {
      process.stdout.write(out.join(''));
      out = [];
    });
    out.push(`${id}\n`);
  };
  const acked: string[] = [];
  const next = (): void => {
    const i = n++;
    const replay = i % 97 === 0 && acked.length > 0;
    const id = replay ? acked[i % acked.length] : `${tag}-${i}`;
    const postings = expectedPostings(id);
    ledger.commit({ id, kind: 'packet', postings, sourcePeer: PEERS[i % 4], requestId: i }, undefined, (err) => {
      if (err) throw err;
      if (!replay) {
        acked.push(id);
        print(id);
      }
      next();
    });
  };
  process.stdout.write('ready\n');
  for (let c = 0; c < 64; c++) next();
}

const [dataDir, tag = 'w'] = process.argv.slice(2);
if (dataDir === undefined) {
  process.stderr.write('usage: node --import tsx test/ledger/crash-writer.ts <dataDir> [tag]\n');
  process.exit(2);
}
main(dataDir, tag).catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
