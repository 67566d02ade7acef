/**
 * A STAND-IN for an Aptos fullnode: a small HTTP server on 127.0.0.1 speaking the subset of the REST
 * API that the SDK calls for AptosChain, with our `payment_channel` module's rules applied in memory.
 * It proves the client logic (build, sign, submit as BCS, wait, read views, poll), not the chain and
 * not the Move code: contracts/aptos/sources/payment_channel.move is what a real node runs.
 *
 * What it checks on a submitted transaction, as a node would: it deserializes the BCS
 * SignedTransaction with the SDK, verifies the Ed25519 signature over the RawTransaction signing
 * message, that the key's address is the sender, the chain id, the expiry and the sequence number.
 * Entry functions of the module are applied with the module's aborts (a committed transaction with
 * success = false and a `Move abort in …` VM status); gas is charged in AptosCoin.
 *
 * Test hooks: `fund`, `advance` (the ledger clock), `hold` (leave transactions pending), `requests`.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as sdk from '@aptos-labs/ts-sdk';

const APT = '0x1::aptos_coin::AptosCoin';
const GAS_UNIT_PRICE = 100n;
const GAS_PER_TX = 12n;
const CLAIM_DOMAIN = 'agent_runtime::payment_channel::ClaimMessage';
const MIN_DELAY = 3600n;
const MAX_DELAY = 31536000n;

const ABORT: Record<string, number> = {
  E_NOT_INITIALIZED: 2,
  E_CHANNEL_NOT_FOUND: 4,
  E_INVALID_RECEIVER: 5,
  E_INVALID_SETTLE_DELAY: 6,
  E_INVALID_PUBLIC_KEY: 7,
  E_NOT_SENDER: 8,
  E_NOT_RECEIVER: 9,
  E_NOT_PARTICIPANT: 10,
  E_INVALID_STATE: 11,
  E_ZERO_AMOUNT: 12,
  E_INVALID_SIGNATURE: 13,
  E_NONCE_NOT_INCREASING: 14,
  E_NOTHING_TO_CLAIM: 15,
  E_INSUFFICIENT_DEPOSIT: 16,
  E_SETTLE_DELAY_NOT_OVER: 17,
  E_INVALID_CHANNEL_ID: 18,
};

class MoveAbort extends Error {
  constructor(
    readonly where: string,
    readonly code: number,
    readonly name_: string,
  ) {
    super(name_);
  }
}

interface StandInChannel {
  sender: string;
  receiver: string;
  publicKey: string;
  settleDelay: bigint;
  state: 1 | 2 | 3;
  closedAt: bigint;
  deposit: bigint;
  claimed: bigint;
  nonce: bigint;
  funds: bigint;
}

interface Account {
  sequenceNumber: bigint;
  authKey: string;
  balances: Map<string, bigint>;
}

type Json = Record<string, unknown>;

export interface AptosStandInOptions {
  chainId?: number;
  /** Where the module is "published" (default one with leading zeros, to exercise short forms). */
  moduleAddress?: string;
  moduleName?: string;
  /** Coin types the module is initialized for, with their decimals (default AptosCoin: 8). */
  coins?: Record<string, number>;
}

export class AptosNodeStandIn {
  readonly chainId: number;
  readonly moduleAddress: string;
  readonly moduleName: string;
  /** Every request seen, `METHOD path`. */
  readonly requests: string[] = [];
  /** When true, submitted transactions stay pending (never committed). */
  hold = false;
  private server?: Server;
  private clock = BigInt(Math.floor(Date.now() / 1000));
  private version = 1000n;
  private readonly accounts = new Map<string, Account>();
  private readonly channels = new Map<string, Map<string, StandInChannel>>();
  private readonly decimals = new Map<string, number>();
  private counter = 0n;
  private readonly txns = new Map<string, Json>();
  private readonly pending = new Map<string, Json>();
  private readonly bySender = new Map<string, Json[]>();

  constructor(o: AptosStandInOptions = {}) {
    this.chainId = o.chainId ?? 4;
    this.moduleAddress = long(o.moduleAddress ?? '0xca7e5');
    this.moduleName = o.moduleName ?? 'payment_channel';
    for (const [coin, d] of Object.entries(o.coins ?? { [APT]: 8 })) {
      this.decimals.set(coin, d);
      this.channels.set(coin, new Map());
    }
  }

  get module(): string {
    return `${this.moduleAddress}::${this.moduleName}`;
  }

  /** Starts on 127.0.0.1, a free port; resolves to the REST base URL (…/v1). */
  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    const port = (this.server?.address() as AddressInfo).port;
    return `http://127.0.0.1:${port}/v1`;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s === undefined) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Credits `amount` of `coin` to `address` (creates the account). */
  fund(address: string, amount: bigint, coin = APT): void {
    const a = this.account(long(address), true);
    a.balances.set(coin, (a.balances.get(coin) ?? 0n) + amount);
  }

  balance(address: string, coin = APT): bigint {
    return this.accounts.get(long(address))?.balances.get(coin) ?? 0n;
  }

  /** Moves the ledger clock forward. */
  advance(seconds: number): void {
    this.clock += BigInt(seconds);
    this.version += 1n;
  }

  /** Commits every held transaction (in submission order). */
  release(): void {
    this.hold = false;
    for (const [hash, p] of this.pending) {
      this.pending.delete(hash);
      this.commit(p.__signed as sdk.SignedTransaction, hash);
    }
  }

  channel(id: string, coin = APT): StandInChannel | undefined {
    return this.channels.get(coin)?.get(id.toLowerCase());
  }

  // ---------------------------------------------------------------- HTTP

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname.replace(/\/+$/, '');
    this.requests.push(`${req.method} ${path}`);
    const body = await readBody(req);
    try {
      let m: RegExpExecArray | null;
      if (req.method === 'GET' && path === '/v1') return send(res, 200, this.ledgerInfo());
      if (req.method === 'GET' && path === '/v1/estimate_gas_price') {
        return send(res, 200, { gas_estimate: Number(GAS_UNIT_PRICE), deprioritized_gas_estimate: Number(GAS_UNIT_PRICE), prioritized_gas_estimate: 150 });
      }
      if (req.method === 'GET' && (m = /^\/v1\/accounts\/(0x[0-9a-fA-F]+)$/.exec(path))) {
        const a = this.accounts.get(long(m[1]));
        if (a === undefined) return notFound(res, `Account not found by Address(${m[1]})`, 'account_not_found');
        return send(res, 200, { sequence_number: a.sequenceNumber.toString(), authentication_key: a.authKey });
      }
      if (req.method === 'GET' && (m = /^\/v1\/accounts\/(0x[0-9a-fA-F]+)\/transactions$/.exec(path))) {
        const addr = long(m[1]);
        if (!this.accounts.has(addr)) return notFound(res, `Account not found by Address(${m[1]})`, 'account_not_found');
        const list = this.bySender.get(addr) ?? [];
        const limit = Number(url.searchParams.get('limit') ?? 25);
        const start = url.searchParams.get('start');
        const page = start === null ? list.slice(Math.max(0, list.length - limit)) : list.slice(Number(start), Number(start) + limit);
        return send(res, 200, page);
      }
      if (req.method === 'POST' && path === '/v1/transactions') return this.submit(res, req.headers['content-type'] ?? '', body);
      if (req.method === 'GET' && (m = /^\/v1\/transactions\/(by_hash|wait_by_hash)\/(0x[0-9a-fA-F]{64})$/.exec(path))) {
        const t = this.txns.get(m[2].toLowerCase()) ?? this.pendingView(m[2].toLowerCase());
        if (t === undefined) return notFound(res, `Transaction not found by Transaction hash(${m[2]})`, 'transaction_not_found');
        if (m[1] === 'wait_by_hash' && t.type === 'pending_transaction') await sleep(100);
        return send(res, 200, this.txns.get(m[2].toLowerCase()) ?? t);
      }
      if (req.method === 'POST' && path === '/v1/view') return this.view(res, req.headers['content-type'] ?? '', body);
      return notFound(res, `the stand-in does not serve ${req.method} ${path}`, 'web_framework_error');
    } catch (err) {
      return send(res, 500, { message: `stand-in error: ${(err as Error).message}`, error_code: 'internal_error' });
    }
  }

  private ledgerInfo(): Json {
    return {
      chain_id: this.chainId,
      epoch: '1',
      ledger_version: this.version.toString(),
      oldest_ledger_version: '0',
      ledger_timestamp: (this.clock * 1_000_000n).toString(),
      node_role: 'full_node',
      oldest_block_height: '0',
      block_height: (this.version / 2n).toString(),
      git_hash: 'stand-in',
    };
  }

  private submit(res: ServerResponse, contentType: string, body: Buffer): void {
    if (!contentType.startsWith('application/x.aptos.signed_transaction+bcs')) {
      return send(res, 415, { message: `the stand-in takes BCS signed transactions only, not ${contentType}`, error_code: 'invalid_input' });
    }
    let signed: sdk.SignedTransaction;
    try {
      signed = sdk.SignedTransaction.deserialize(new sdk.Deserializer(new Uint8Array(body)));
    } catch (err) {
      return send(res, 400, { message: `cannot deserialize the signed transaction: ${(err as Error).message}`, error_code: 'invalid_input' });
    }
    const raw = signed.raw_txn;
    const auth = signed.authenticator;
    if (!(auth instanceof sdk.TransactionAuthenticatorEd25519)) return vmError(res, 'the stand-in verifies Ed25519 single-signer transactions only', 'INVALID_AUTH_KEY', 11);
    const message = sdk.generateSigningMessage(raw.bcsToBytes(), 'APTOS::RawTransaction');
    if (!auth.public_key.verifySignature({ message, signature: auth.signature })) return vmError(res, 'Invalid transaction: INVALID_SIGNATURE', 'INVALID_SIGNATURE', 1);
    const derived = sdk.AuthenticationKey.fromPublicKey({ publicKey: auth.public_key }).derivedAddress().toStringLong();
    const sender = raw.sender.toStringLong();
    if (derived !== sender) return vmError(res, 'Invalid transaction: INVALID_AUTH_KEY', 'INVALID_AUTH_KEY', 2);
    if (raw.chain_id.chainId !== this.chainId) return vmError(res, 'Invalid transaction: BAD_CHAIN_ID', 'BAD_CHAIN_ID', 6);
    if (raw.expiration_timestamp_secs <= this.clock) return vmError(res, 'Invalid transaction: TRANSACTION_EXPIRED', 'TRANSACTION_EXPIRED', 5);
    const account = this.accounts.get(sender);
    if (account === undefined) return vmError(res, 'Invalid transaction: SENDING_ACCOUNT_DOES_NOT_EXIST', 'SENDING_ACCOUNT_DOES_NOT_EXIST', 7);
    if (raw.sequence_number < account.sequenceNumber) return vmError(res, 'Invalid transaction: SEQUENCE_NUMBER_TOO_OLD', 'SEQUENCE_NUMBER_TOO_OLD', 3);
    if (raw.sequence_number > account.sequenceNumber) return vmError(res, 'Invalid transaction: SEQUENCE_NUMBER_TOO_NEW', 'SEQUENCE_NUMBER_TOO_NEW', 4);
    if ((account.balances.get(APT) ?? 0n) < raw.max_gas_amount * raw.gas_unit_price) {
      return vmError(res, 'Invalid transaction: INSUFFICIENT_BALANCE_FOR_TRANSACTION_FEE', 'INSUFFICIENT_BALANCE_FOR_TRANSACTION_FEE', 5);
    }
    const hash = userTxnHash(new Uint8Array(body));
    if (this.txns.has(hash) || this.pending.has(hash)) return send(res, 202, this.txns.get(hash) ?? (this.pendingView(hash)));
    const pending = { ...this.txnBase(signed, hash), type: 'pending_transaction', __signed: signed };
    if (this.hold) {
      this.pending.set(hash, pending);
    } else {
      this.commit(signed, hash);
    }
    send(res, 202, { ...pending, __signed: undefined });
  }

  private pendingView(hash: string): Json | undefined {
    const p = this.pending.get(hash);
    return p === undefined ? undefined : { ...p, __signed: undefined };
  }

  private txnBase(signed: sdk.SignedTransaction, hash: string): Json {
    const raw = signed.raw_txn;
    const auth = signed.authenticator as sdk.TransactionAuthenticatorEd25519;
    const payload = raw.payload as sdk.TransactionPayloadEntryFunction;
    const ef = payload.entryFunction;
    return {
      hash,
      sender: raw.sender.toStringLong(),
      sequence_number: raw.sequence_number.toString(),
      max_gas_amount: raw.max_gas_amount.toString(),
      gas_unit_price: raw.gas_unit_price.toString(),
      expiration_timestamp_secs: raw.expiration_timestamp_secs.toString(),
      payload: {
        type: 'entry_function_payload',
        function: `${ef.module_name.address.toString()}::${ef.module_name.name.identifier}::${ef.function_name.identifier}`,
        type_arguments: ef.type_args.map((t) => t.toString()),
        arguments: ef.args.map((a) => sdk.Hex.fromHexInput(a.bcsToBytes()).toString()),
      },
      signature: { type: 'ed25519_signature', public_key: auth.public_key.toString(), signature: auth.signature.toString() },
    };
  }

  /** Executes and commits: the sequence number moves and gas is charged whatever the outcome. */
  private commit(signed: sdk.SignedTransaction, hash: string): void {
    const raw = signed.raw_txn;
    const sender = raw.sender.toStringLong();
    const account = this.account(sender, true);
    account.sequenceNumber += 1n;
    this.version += 1n;
    const gasUsed = GAS_PER_TX;
    account.balances.set(APT, (account.balances.get(APT) ?? 0n) - gasUsed * raw.gas_unit_price);
    const events: Json[] = [];
    let success = true;
    let vmStatus = 'Executed successfully';
    const snapshot = this.snapshot();
    try {
      this.execute(signed, events);
    } catch (err) {
      this.restore(snapshot);
      this.account(sender, true).sequenceNumber = account.sequenceNumber;
      events.length = 0;
      success = false;
      vmStatus =
        err instanceof MoveAbort
          ? `Move abort in ${err.where}: ${err.name_}(0x${err.code.toString(16)}): ${err.name_ === 'EINSUFFICIENT_BALANCE' ? 'Not enough coins to complete transaction' : 'stand-in abort'}`
          : `Execution failed: ${(err as Error).message}`;
    }
    const txn: Json = {
      ...this.txnBase(signed, hash),
      type: 'user_transaction',
      version: this.version.toString(),
      state_change_hash: `0x${'0'.repeat(64)}`,
      event_root_hash: `0x${'0'.repeat(64)}`,
      state_checkpoint_hash: null,
      accumulator_root_hash: `0x${'0'.repeat(64)}`,
      gas_used: gasUsed.toString(),
      success,
      vm_status: vmStatus,
      changes: [],
      events: events.map((e, i) => ({ guid: { creation_number: '0', account_address: '0x0' }, sequence_number: String(i), type: e.type, data: e.data })),
      timestamp: (this.clock * 1_000_000n).toString(),
    };
    this.txns.set(hash, txn);
    const list = this.bySender.get(sender) ?? [];
    list.push(txn);
    this.bySender.set(sender, list);
  }

  // ---------------------------------------------------------------- the module's rules

  private execute(signed: sdk.SignedTransaction, events: Json[]): void {
    const raw = signed.raw_txn;
    if (!(raw.payload instanceof sdk.TransactionPayloadEntryFunction)) throw new Error('only entry-function payloads');
    const ef = raw.payload.entryFunction;
    const moduleAddr = ef.module_name.address.toStringLong();
    const moduleName = ef.module_name.name.identifier;
    if (moduleAddr !== this.moduleAddress || moduleName !== this.moduleName) {
      throw new Error(`LINKER_ERROR: no module ${ef.module_name.address.toString()}::${moduleName} in the stand-in`);
    }
    const fn = ef.function_name.identifier;
    if (ef.type_args.length !== 1) throw new Error('NUMBER_OF_TYPE_ARGUMENTS_MISMATCH');
    const coin = ef.type_args[0].toString();
    const args = ef.args.map((a) => new sdk.Deserializer(a.bcsToBytes()));
    const who = raw.sender.toStringLong();
    const emit = (name: string, data: Json) => events.push({ type: `${short(this.moduleAddress)}::${this.moduleName}::${name}`, data });
    const where = `${short(this.moduleAddress)}::${this.moduleName}`;
    const abort = (name: string): never => {
      throw new MoveAbort(where, ABORT[name], name);
    };
    const table = this.channels.get(coin) ?? abort('E_NOT_INITIALIZED');
    const channel = (idBytes: Uint8Array): StandInChannel => {
      if (idBytes.length !== 32) abort('E_INVALID_CHANNEL_ID');
      return table.get(hex(idBytes)) ?? abort('E_CHANNEL_NOT_FOUND');
    };
    const now = this.clock;
    switch (fn) {
      case 'open_channel': {
        const receiver = sdk.AccountAddress.deserialize(args[0]).toStringLong();
        const publicKey = args[1].deserializeBytes();
        const deposit = args[2].deserializeU64();
        const delay = args[3].deserializeU64();
        if (receiver === who) abort('E_INVALID_RECEIVER');
        if (delay < MIN_DELAY || delay > MAX_DELAY) abort('E_INVALID_SETTLE_DELAY');
        if (publicKey.length !== 32) abort('E_INVALID_PUBLIC_KEY');
        const id = channelId(who, receiver, this.counter);
        this.counter += 1n;
        this.debit(who, coin, deposit);
        table.set(id, { sender: who, receiver, publicKey: hex(publicKey), settleDelay: delay, state: 1, closedAt: 0n, deposit, claimed: 0n, nonce: 0n, funds: deposit });
        emit('ChannelOpened', { channel_id: id, sender: who, receiver, settle_delay: delay.toString(), deposit: deposit.toString() });
        return;
      }
      case 'deposit': {
        const id = args[0].deserializeBytes();
        const amount = args[1].deserializeU64();
        if (amount === 0n) abort('E_ZERO_AMOUNT');
        const c = channel(id);
        if (c.state !== 1) abort('E_INVALID_STATE');
        if (c.sender !== who) abort('E_NOT_SENDER');
        this.debit(who, coin, amount);
        c.funds += amount;
        c.deposit += amount;
        emit('ChannelDeposited', { channel_id: hex(id), added: amount.toString(), total: c.deposit.toString() });
        return;
      }
      case 'claim': {
        const id = args[0].deserializeBytes();
        const amount = args[1].deserializeU64();
        const nonce = args[2].deserializeU64();
        const signature = args[3].deserializeBytes();
        const c = channel(id);
        if (c.state !== 1 && c.state !== 2) abort('E_INVALID_STATE');
        if (c.receiver !== who) abort('E_NOT_RECEIVER');
        if (signature.length !== 64) abort('E_INVALID_SIGNATURE');
        const message = claimMessage(this.chainId, this.moduleAddress, id, amount, nonce);
        const ok = new sdk.Ed25519PublicKey(c.publicKey).verifySignature({ message, signature: new sdk.Ed25519Signature(signature) });
        if (!ok) abort('E_INVALID_SIGNATURE');
        if (nonce <= c.nonce) abort('E_NONCE_NOT_INCREASING');
        if (amount <= c.claimed) abort('E_NOTHING_TO_CLAIM');
        if (amount > c.deposit) abort('E_INSUFFICIENT_DEPOSIT');
        const paid = amount - c.claimed;
        c.claimed = amount;
        c.nonce = nonce;
        c.funds -= paid;
        this.credit(c.receiver, coin, paid);
        emit('ChannelClaimed', { channel_id: hex(id), paid: paid.toString(), claimed: amount.toString(), nonce: nonce.toString() });
        return;
      }
      case 'close': {
        const id = args[0].deserializeBytes();
        const c = channel(id);
        if (c.state !== 1) abort('E_INVALID_STATE');
        if (who === c.sender) {
          c.state = 2;
          c.closedAt = now;
          emit('ChannelClosing', { channel_id: hex(id), closed_by: who, settles_at: (now + c.settleDelay).toString() });
        } else if (who === c.receiver) {
          emit('ChannelClosing', { channel_id: hex(id), closed_by: who, settles_at: now.toString() });
          this.settle(c, coin, hex(id), emit);
        } else {
          abort('E_NOT_PARTICIPANT');
        }
        return;
      }
      case 'settle': {
        const id = args[0].deserializeBytes();
        const c = channel(id);
        if (c.state !== 2) abort('E_INVALID_STATE');
        if (now < c.closedAt + c.settleDelay) abort('E_SETTLE_DELAY_NOT_OVER');
        this.settle(c, coin, hex(id), emit);
        return;
      }
      default:
        throw new Error(`FUNCTION_RESOLUTION_FAILURE: ${fn}`);
    }
  }

  private settle(c: StandInChannel, coin: string, id: string, emit: (name: string, data: Json) => void): void {
    const refund = c.funds;
    c.funds = 0n;
    c.state = 3;
    emit('ChannelSettled', { channel_id: id, claimed: c.claimed.toString(), refund: refund.toString() });
    if (refund > 0n) this.credit(c.sender, coin, refund);
  }

  private view(res: ServerResponse, contentType: string, body: Buffer): void {
    if (!contentType.includes('json')) return send(res, 415, { message: 'the stand-in answers JSON view requests only', error_code: 'invalid_input' });
    const req = JSON.parse(body.toString('utf8')) as { function: string; type_arguments: string[]; arguments: unknown[] };
    const [addr, mod, fn] = req.function.split('::');
    const coin = req.type_arguments[0];
    if (addr === '0x1' && mod === 'coin' && fn === 'decimals') {
      const d = this.decimals.get(coin);
      if (d === undefined) return viewAbort(res, `Move abort in 0x1::coin: ECOIN_INFO_NOT_PUBLISHED(0x60002): `);
      return send(res, 200, [d]);
    }
    if (addr === '0x1' && mod === 'coin' && fn === 'balance') {
      return send(res, 200, [this.balance(String(req.arguments[0]), coin).toString()]);
    }
    if (long(addr) === this.moduleAddress && mod === this.moduleName && fn === 'get_channel') {
      const table = this.channels.get(coin);
      if (table === undefined) return viewAbort(res, `Move abort in ${short(this.moduleAddress)}::${this.moduleName}: E_NOT_INITIALIZED(0x2): `);
      const c = table.get(String(req.arguments[0]).toLowerCase());
      if (c === undefined) return send(res, 200, [false, '0x0', '0x0', '0x', '0', 0, '0', '0', '0', '0']);
      return send(res, 200, [true, c.sender, c.receiver, c.publicKey, c.settleDelay.toString(), c.state, c.closedAt.toString(), c.deposit.toString(), c.claimed.toString(), c.nonce.toString()]);
    }
    return send(res, 400, { message: `FUNCTION_RESOLUTION_FAILURE: the stand-in has no view ${req.function}`, error_code: 'invalid_input' });
  }

  // ---------------------------------------------------------------- state

  private account(address: string, create: boolean): Account {
    let a = this.accounts.get(address);
    if (a === undefined) {
      if (!create) throw new Error(`no account ${address}`);
      a = { sequenceNumber: 0n, authKey: address, balances: new Map() };
      this.accounts.set(address, a);
    }
    return a;
  }

  private debit(address: string, coin: string, amount: bigint): void {
    if (amount === 0n) return;
    const a = this.account(address, true);
    const have = a.balances.get(coin) ?? 0n;
    if (have < amount) throw new MoveAbort('0x1::coin', 0x10006, 'EINSUFFICIENT_BALANCE');
    a.balances.set(coin, have - amount);
  }

  private credit(address: string, coin: string, amount: bigint): void {
    const a = this.account(address, true);
    a.balances.set(coin, (a.balances.get(coin) ?? 0n) + amount);
  }

  private snapshot(): string {
    return JSON.stringify({
      accounts: [...this.accounts].map(([k, a]) => [k, a.sequenceNumber.toString(), a.authKey, [...a.balances].map(([c, v]) => [c, v.toString()])]),
      channels: [...this.channels].map(([coin, t]) => [coin, [...t].map(([id, c]) => [id, { ...c, settleDelay: String(c.settleDelay), closedAt: String(c.closedAt), deposit: String(c.deposit), claimed: String(c.claimed), nonce: String(c.nonce), funds: String(c.funds) }])]),
      counter: this.counter.toString(),
    });
  }

  private restore(snapshot: string): void {
    const s = JSON.parse(snapshot) as {
      accounts: [string, string, string, [string, string][]][];
      channels: [string, [string, Record<string, string | number>][]][];
      counter: string;
    };
    this.accounts.clear();
    for (const [k, seq, auth, balances] of s.accounts) this.accounts.set(k, { sequenceNumber: BigInt(seq), authKey: auth, balances: new Map(balances.map(([c, v]) => [c, BigInt(v)])) });
    this.channels.clear();
    for (const [coin, entries] of s.channels) {
      this.channels.set(
        coin,
        new Map(
          entries.map(([id, c]) => [
            id,
            {
              sender: String(c.sender),
              receiver: String(c.receiver),
              publicKey: String(c.publicKey),
              settleDelay: BigInt(c.settleDelay),
              state: Number(c.state) as 1 | 2 | 3,
              closedAt: BigInt(c.closedAt),
              deposit: BigInt(c.deposit),
              claimed: BigInt(c.claimed),
              nonce: BigInt(c.nonce),
              funds: BigInt(c.funds),
            },
          ]),
        ),
      );
    }
    this.counter = BigInt(s.counter);
  }
}

// ---------------------------------------------------------------- encodings (written apart from the adapter's)

/** sha3-256(bcs(sender) ‖ bcs(receiver) ‖ bcs(counter)), as the module computes it. */
export function channelId(sender: string, receiver: string, counter: bigint): string {
  const s = new sdk.Serializer();
  sdk.AccountAddress.from(sender).serialize(s);
  sdk.AccountAddress.from(receiver).serialize(s);
  s.serializeU64(counter);
  return `0x${createHash('sha3-256').update(s.toUint8Array()).digest('hex')}`;
}

function claimMessage(chainId: number, moduleAddress: string, id: Uint8Array, amount: bigint, nonce: bigint): Uint8Array {
  const s = new sdk.Serializer();
  s.serializeStr(CLAIM_DOMAIN); // a Move vector<u8> and a string share the BCS layout
  s.serializeU8(chainId);
  s.serializeFixedBytes(sdk.AccountAddress.from(moduleAddress).toUint8Array());
  s.serializeBytes(id);
  s.serializeU64(amount);
  s.serializeU64(nonce);
  return s.toUint8Array();
}

/** sha3-256(sha3-256("APTOS::Transaction") ‖ 0x00 (user transaction) ‖ bcs(signed)). */
function userTxnHash(signed: Uint8Array): string {
  const prefix = createHash('sha3-256').update('APTOS::Transaction').digest();
  return `0x${createHash('sha3-256').update(prefix).update(Buffer.from([0])).update(signed).digest('hex')}`;
}

function long(address: string): string {
  return sdk.AccountAddress.from(address, { maxMissingChars: 63 }).toStringLong();
}

/** The node's short form in type names: no leading zeros. */
function short(address: string): string {
  return `0x${long(address).slice(2).replace(/^0+(?=.)/, '')}`;
}

function hex(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes).toString('hex')}`;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function notFound(res: ServerResponse, message: string, code: string): void {
  send(res, 404, { message, error_code: code, vm_error_code: null });
}

function vmError(res: ServerResponse, message: string, _status: string, code: number): void {
  send(res, 400, { message, error_code: 'vm_error', vm_error_code: code });
}

function viewAbort(res: ServerResponse, vmStatus: string): void {
  send(res, 400, { message: vmStatus, error_code: 'invalid_input', vm_error_code: 4016 });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
