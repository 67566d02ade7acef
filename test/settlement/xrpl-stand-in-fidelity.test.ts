/**
 * The STAND-IN rippled (stand-ins/rippled.ts) against recorded answers of a real rippled
 * (test/fixtures/xrpl-rippled: xrpl.js's public fixtures and integration expectations, see its README).
 * For each method our XRPL lane or xrpl.js's autofill sends, the stand-in's answer must have:
 * - every field the client reads, present in the recorded answer too, with the same JSON type;
 * - every field it shares with the recorded answer, the same JSON type, nested objects compared alike;
 * - no field the recorded answer lacks beyond the ones named here, each with why.
 * Shapes only, not values. It keeps the stand-in from drifting from the real server; it is not a run
 * against one (none can run here).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as xrpl from 'xrpl';
import { StandInRippled } from './stand-ins/rippled.js';

type Json = Record<string, unknown>;
const dir = fileURLToPath(new URL('../fixtures/xrpl-rippled/', import.meta.url));
const recorded = (file: string): Json => JSON.parse(readFileSync(dir + file, 'utf8')) as Json;
const expectations = recorded('integration-expectations.json') as Record<string, Json>;

const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Fields of `a` whose JSON type differs from `b`'s at the same path (arrays: each element against the recorded element sharing most keys). */
function typeMismatches(a: unknown, b: unknown, path = ''): string[] {
  if (kind(a) !== kind(b)) return [`${path || '(root)'}: stand-in ${kind(a)}, recorded ${kind(b)}`];
  if (Array.isArray(a) && Array.isArray(b)) {
    if (b.length === 0) return [];
    return a.flatMap((el, i) => typeMismatches(el, closest(el, b), `${path}[${i}]`));
  }
  if (kind(a) !== 'object') return [];
  const x = a as Json;
  const y = b as Json;
  return Object.keys(x).flatMap((k) => (k in y ? typeMismatches(x[k], y[k], path === '' ? k : `${path}.${k}`) : []));
}

/** Paths in `a` that `b` does not have (arrays compared element-wise as above). */
function extraFields(a: unknown, b: unknown, path = ''): string[] {
  if (Array.isArray(a) && Array.isArray(b)) return b.length === 0 ? [] : [...new Set(a.flatMap((el) => extraFields(el, closest(el, b), `${path}[]`)))];
  if (kind(a) !== 'object' || kind(b) !== 'object') return [];
  const x = a as Json;
  const y = b as Json;
  return Object.keys(x).flatMap((k) => {
    const p = path === '' ? k : `${path}.${k}`;
    return k in y ? extraFields(x[k], y[k], p) : [p];
  });
}

function closest(el: unknown, list: unknown[]): unknown {
  if (kind(el) !== 'object') return list[0];
  const keys = Object.keys(el as Json);
  let best = list[0];
  let score = -1;
  for (const c of list) {
    if (kind(c) !== 'object') continue;
    const s = keys.filter((k) => k in (c as Json)).length;
    if (s > score) [best, score] = [c, s];
  }
  return best;
}

function at(o: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (kind(v) === 'object' ? (v as Json)[k] : undefined), o);
}

/**
 * Asserts the three rules above for one answer. `reads`: paths the client reads; `extra`: fields the
 * recorded answer lacks, with why; `differs`: paths whose type differs for a named reason (e.g. an XRP
 * amount, a string, where the recording holds an issued-currency object).
 */
function checkShape(answer: Json, rec: Json, reads: string[], extra: Record<string, string>, differs: Record<string, string> = {}): void {
  for (const p of reads) {
    expect(kind(at(rec, p)), `recorded ${p}`).not.toBe('undefined');
    expect(kind(at(answer, p)), `stand-in ${p}`).toBe(kind(at(rec, p)));
  }
  expect(typeMismatches(answer, rec).filter((m) => !(m.split(':')[0] in differs))).toEqual([]);
  expect(extraFields(answer, rec).sort()).toEqual(Object.keys(extra).sort());
}

/** One raw request over a WebSocket: the whole answer, as rippled frames it. */
async function ask(url: string, req: Json): Promise<Json> {
  const ws = new WebSocket(url);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const answer = new Promise<Json>((resolve) => ws.once('message', (d: Buffer) => resolve(JSON.parse(d.toString('utf8')) as Json)));
    ws.send(JSON.stringify({ id: 0, ...req }));
    return await answer;
  } finally {
    ws.terminate();
  }
}

const alice = xrpl.Wallet.fromEntropy(new Uint8Array(16).fill(41), { algorithm: 'ed25519' as xrpl.ECDSA });
const bob = xrpl.Wallet.fromEntropy(new Uint8Array(16).fill(42), { algorithm: 'ed25519' as xrpl.ECDSA });

describe('stand-in rippled answers have the shape of recorded real rippled answers (xrpl.js fixtures)', () => {
  let server: StandInRippled;
  let channelId = '';
  let createHash = '';
  let pendingHash = '';
  let submitAnswer: Json;
  let first = 0;

  beforeAll(async () => {
    server = await StandInRippled.start({ closeEveryMs: 0 });
    server.fund(alice.classicAddress, 100_000_000n);
    server.fund(bob.classicAddress, 100_000_000n);
    const seq = async (w: xrpl.Wallet): Promise<number> =>
      Number((((await ask(server.url, { command: 'account_info', account: w.classicAddress, ledger_index: 'current' })).result as Json).account_data as Json).Sequence);
    first = await seq(alice);
    const create = alice.sign({
      TransactionType: 'PaymentChannelCreate',
      Account: alice.classicAddress,
      Destination: bob.classicAddress,
      Amount: '1000000',
      SettleDelay: 3600,
      PublicKey: alice.publicKey,
      Fee: '12',
      Sequence: first,
      LastLedgerSequence: server.validatedIndex + 20,
    });
    submitAnswer = await ask(server.url, { command: 'submit', tx_blob: create.tx_blob, api_version: 2 });
    createHash = create.hash;
    server.closeLedger();
    channelId = xrpl.hashes.hashPaymentChannel(alice.classicAddress, bob.classicAddress, first).toUpperCase();
    const fund = alice.sign({ TransactionType: 'PaymentChannelFund', Account: alice.classicAddress, Channel: channelId, Amount: '5', Fee: '12', Sequence: first + 1, LastLedgerSequence: server.validatedIndex + 20 });
    await ask(server.url, { command: 'submit', tx_blob: fund.tx_blob, api_version: 2 });
    pendingHash = fund.hash; // left in the open ledger: not validated
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('server_info (stand-in): network id, build version, fee and reserve fields as a real server names them', async () => {
    const a = await ask(server.url, { command: 'server_info', api_version: 2 });
    checkShape(
      a,
      recorded('serverInfo.json'),
      [
        'result.info.build_version',
        'result.info.load_factor',
        'result.info.validated_ledger.base_fee_xrp',
        'result.info.validated_ledger.reserve_base_xrp',
        'result.info.validated_ledger.reserve_inc_xrp',
        'result.info.validated_ledger.seq',
        'result.info.complete_ledgers',
      ],
      {
        api_version: 'rippled echoes the request api_version (xrpl.js integration expectations); the v1-era recording has none',
      },
    );
    const withId = await (async () => {
      const s = await StandInRippled.start({ closeEveryMs: 0, networkId: 21338 });
      try {
        return await ask(s.url, { command: 'server_info', api_version: 2 });
      } finally {
        await s.stop();
      }
    })();
    checkShape(withId, recorded('serverInfoNetworkID.json'), ['result.info.network_id', 'result.info.build_version'], { api_version: 'echoed, as above' });
  });

  it('server_state (stand-in): the same facts in drops, as a real server gives them', async () => {
    const a = await ask(server.url, { command: 'server_state', api_version: 2 });
    checkShape(
      a,
      expectations.server_state,
      ['result.state.validated_ledger.reserve_base', 'result.state.validated_ledger.reserve_inc', 'result.state.validated_ledger.base_fee', 'result.state.validated_ledger.seq', 'result.state.load_factor'],
      {},
    );
  });

  it('server_info and server_state (stand-in): the reserves in force, in XRP and in drops, agreeing; a new vote shows at once', async () => {
    const s = await StandInRippled.start({ closeEveryMs: 0, reserveBase: 10_000_000n, reserveIncrement: 2_000_000n });
    try {
      const figures = async () => {
        const info = ((await ask(s.url, { command: 'server_info', api_version: 2 })).result as Json).info as Json;
        const state = ((await ask(s.url, { command: 'server_state', api_version: 2 })).result as Json).state as Json;
        const [vi, vs] = [info.validated_ledger as Json, state.validated_ledger as Json];
        return [vi.reserve_base_xrp, vi.reserve_inc_xrp, vi.base_fee_xrp, vs.reserve_base, vs.reserve_inc, vs.base_fee];
      };
      expect(await figures()).toEqual([10, 2, 0.00001, 10_000_000, 2_000_000, 10]);
      s.setReserves(1_000_000n, 200_000n);
      expect(await figures()).toEqual([1, 0.2, 0.00001, 1_000_000, 200_000, 10]);
    } finally {
      await s.stop();
    }
  });

  it('fee (stand-in): the drops and sizes a real server returns', async () => {
    const a = await ask(server.url, { command: 'fee', api_version: 2 });
    checkShape(a, expectations.fee, ['result.drops.base_fee', 'result.drops.open_ledger_fee', 'result.ledger_current_index'], {});
  });

  it('ledger validated (stand-in): index numbers under API v2, close time, hashes', async () => {
    const a = await ask(server.url, { command: 'ledger', ledger_index: 'validated', api_version: 2 });
    checkShape(a, expectations.ledger_v2, ['result.ledger_index', 'result.ledger.close_time', 'result.ledger_hash', 'result.validated'], {});
    const v1 = await ask(server.url, { command: 'ledger', ledger_index: 'validated', api_version: 1 });
    checkShape(v1, recorded('ledger.json'), ['result.ledger.ledger_index', 'result.ledger_index'], { api_version: 'echoed, as above' });
  });

  it('account_info validated and current (stand-in): Balance, Sequence, ledger index', async () => {
    const a = await ask(server.url, { command: 'account_info', account: alice.classicAddress, ledger_index: 'validated', api_version: 2 });
    checkShape(a, expectations.account_info_v2, ['result.account_data.Balance', 'result.account_data.Sequence', 'result.ledger_index', 'result.validated'], {});
    checkShape(a, recorded('accountInfo.json'), ['result.account_data.Balance', 'result.account_data.Sequence'], {
      api_version: 'echoed, as above',
      'result.ledger_hash': 'in the API v2 expectation (accountInfo.test.ts)',
      'result.validated': 'in the API v2 expectation (accountInfo.test.ts)',
    });
    const current = await ask(server.url, { command: 'account_info', account: alice.classicAddress, ledger_index: 'current', api_version: 2 });
    checkShape(current, expectations.account_info_v2, ['result.account_data.Sequence'], {
      'result.ledger_current_index': 'rippled answers a current-ledger lookup with ledger_current_index instead of ledger_index (xrpl.js AccountInfoResponse)',
    });
  });

  it('submit (stand-in): engine result fields, tx_json with its hash; a refused one alike', async () => {
    checkShape(submitAnswer, expectations.submit_v2, ['result.engine_result', 'result.engine_result_message', 'result.tx_json.hash', 'result.tx_blob', 'result.accepted', 'result.applied'], {
      'result.tx_json.Amount': 'PaymentChannelCreate fields (the expectation submits an AccountSet)',
      'result.tx_json.Destination': 'as above',
      'result.tx_json.LastLedgerSequence': 'as above (set by autofill in the expectation, which lists only the fields it compares)',
      'result.tx_json.PublicKey': 'as above',
      'result.tx_json.SettleDelay': 'as above',
    });
    const bad = alice.sign({ TransactionType: 'PaymentChannelFund', Account: alice.classicAddress, Channel: channelId, Amount: '0', Fee: '12', Sequence: first + 2 });
    const refused = await ask(server.url, { command: 'submit', tx_blob: bad.tx_blob, api_version: 2 });
    expect((refused.result as Json).engine_result).toMatch(/^tem/);
    checkShape(refused, recorded('submitTemError.json'), ['result.engine_result', 'result.engine_result_code', 'result.engine_result_message'], {
      api_version: 'echoed, as above',
      'result.accepted': 'in the API v2 expectation (submit.test.ts)',
      'result.account_sequence_available': 'in the API v2 expectation (submit.test.ts)',
      'result.account_sequence_next': 'in the API v2 expectation (submit.test.ts)',
      'result.applied': 'in the API v2 expectation (submit.test.ts)',
      'result.broadcast': 'in the API v2 expectation (submit.test.ts)',
      'result.kept': 'in the API v2 expectation (submit.test.ts)',
      'result.open_ledger_cost': 'in the API v2 expectation (submit.test.ts)',
      'result.queued': 'in the API v2 expectation (submit.test.ts)',
      'result.validated_ledger_index': 'in the API v2 expectation (submit.test.ts)',
      'result.tx_json.Channel': 'PaymentChannelFund fields (the recording is a Payment)',
    }, { 'result.tx_json.Amount': 'an XRP amount is a string of drops; the recording pays an issued currency (an object)' });
  });

  it('tx validated and not yet validated (stand-in): meta.TransactionResult, validated, ledger_index', async () => {
    const done = await ask(server.url, { command: 'tx', transaction: createHash, api_version: 2 });
    const txExtra = {
      'result.tx_json.Amount': 'PaymentChannelCreate fields (the expectation is an AccountSet)',
      'result.tx_json.Destination': 'as above',
      'result.tx_json.PublicKey': 'as above',
      'result.tx_json.SettleDelay': 'as above',
    };
    checkShape(done, expectations.tx_v2_validated, ['result.validated', 'result.meta.TransactionResult', 'result.meta.AffectedNodes', 'result.ledger_index', 'result.close_time_iso', 'result.hash'], txExtra);
    checkShape(done, recorded('txPayment.json'), ['result.validated', 'result.meta.TransactionResult', 'result.meta.AffectedNodes'], {
      api_version: 'echoed, as above',
      ...Object.fromEntries(
        ['result.close_time_iso', 'result.hash', 'result.ledger_index'].map((k) => [k, 'API v2 puts these beside tx_json (xrpl.js tx.ts BaseTxResult); this recording has them inside tx_json']),
      ),
      'result.tx_json.Amount': 'a Payment recorded with DeliverMax (API v2 renames Amount); PaymentChannelCreate has Amount',
      'result.tx_json.LastLedgerSequence': 'the recording has none',
      'result.tx_json.PublicKey': 'PaymentChannelCreate fields (the recording is a Payment)',
      'result.tx_json.SettleDelay': 'as above',
      ...metaExtras(done),
    });
    const open = await ask(server.url, { command: 'tx', transaction: pendingHash, api_version: 2 });
    checkShape(open, expectations.tx_v2_unvalidated, ['result.validated', 'result.hash', 'result.tx_json'], { 'result.tx_json.Amount': 'PaymentChannelFund fields (the expectation is an AccountSet)', 'result.tx_json.Channel': 'as above' });
  });

  it('account_tx (stand-in): transactions with meta and tx_json, ledger range, marker', async () => {
    const a = await ask(server.url, { command: 'account_tx', account: alice.classicAddress, ledger_index_min: -1, ledger_index_max: -1, forward: true, limit: 200, api_version: 2 });
    expect(((a.result as Json).transactions as unknown[]).length).toBeGreaterThan(0);
    const rec = recorded('accountTx.json');
    const ex = extraFields(a, rec);
    checkShape(a, rec, ['result.transactions', 'result.ledger_index_min', 'result.ledger_index_max', 'result.account'], {
      api_version: 'echoed, as above',
      ...Object.fromEntries(
        ex
          .filter((p) => p.startsWith('result.transactions[].tx_json.') || p.startsWith('result.transactions[].meta.AffectedNodes'))
          .map((p) => [p, 'PaymentChannelCreate and its PayChannel node (the recording holds other transaction types)']),
      ),
      ...Object.fromEntries(['result.transactions[].hash', 'result.transactions[].ledger_index', 'result.transactions[].close_time_iso'].map((k) => [k, 'API v2 entries carry these beside tx_json (xrpl.js AccountTxTransaction)'])),
    });
  });

  it('ledger_entry payment_channel (stand-in): the PayChannel node as the ledger holds it', async () => {
    const a = await ask(server.url, { command: 'ledger_entry', payment_channel: channelId, ledger_index: 'validated', api_version: 2 });
    checkShape(
      a,
      expectations.ledger_entry_pay_channel,
      ['result.node.Account', 'result.node.Destination', 'result.node.Amount', 'result.node.Balance', 'result.node.SettleDelay', 'result.node.PublicKey', 'result.index', 'result.validated'],
      {},
    );
  });

  it('account_channels (stand-in): the channel list a real server returns', async () => {
    const a = await ask(server.url, { command: 'account_channels', account: alice.classicAddress, ledger_index: 'validated', api_version: 2 });
    checkShape(a, expectations.account_channels, ['result.channels', 'result.account', 'result.ledger_index', 'result.validated'], {});
  });

  it('errors (stand-in): status error with error, error_code, error_message and the request, as rippled frames them', async () => {
    const rec = recorded('subscribeError.json');
    for (const req of [
      { command: 'account_info', account: 'rrrrrrrrrrrrrrrrrrrrBZbvji', ledger_index: 'validated', api_version: 2 },
      { command: 'ledger_entry', payment_channel: '0'.repeat(64), ledger_index: 'validated', api_version: 2 },
      { command: 'tx', transaction: 'A'.repeat(64), api_version: 2 },
    ]) {
      const a = await ask(server.url, req);
      expect(a.status).toBe('error');
      expect(typeMismatches(a, rec)).toEqual([]);
      expect(Object.keys(a).filter((k) => !(k in rec))).toEqual(['api_version']);
      expect(Object.keys(rec).filter((k) => !(k in a))).toEqual([]);
    }
  });
});

/** Metadata fields of a PayChannel creation the recorded Payment's metadata cannot have. */
function metaExtras(answer: Json): Record<string, string> {
  return Object.fromEntries(
    extraFields(answer, recorded('txPayment.json'))
      .filter((p) => p.startsWith('result.meta.AffectedNodes'))
      .map((p) => [p, 'PayChannel and AccountRoot nodes (the recording is a Payment through offers)']),
  );
}
