/**
 * A STAND-IN for rippled, for tests only: a WebSocket server on 127.0.0.1 speaking the subset of the
 * rippled JSON API that XrplChain and xrpl.js (autofill) use, with accounts and PayChannels in memory.
 *
 * It is not the XRP Ledger. It decodes each submitted blob with ripple-binary-codec, checks the
 * signature with ripple-keypairs, and applies Payment, PaymentChannelCreate, PaymentChannelFund and
 * PaymentChannelClaim with the ledger's rules as documented (claim Balance within Amount, the claim
 * signature over (channel, amount) verified against the channel's PublicKey, tfClose semantics,
 * Expiration, deletion on close, reserves, sequence numbers, LastLedgerSequence). The reserves are
 * options (`setReserves` changes them: a validators' vote) and server_info / server_state report them
 * as rippled does (XRP numbers / drops). A transaction is
 * applied to the open ledger at submit (its result is the preliminary one) and validated when the next
 * ledger closes: every `closeEveryMs`, on `ledger_accept`, or on `closeLedger()`. What tests built on it
 * prove is our client logic, not the chain.
 */
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { decode, encodeForSigning, encodeForSigningClaim } from 'ripple-binary-codec';
import { deriveAddress, verify } from 'ripple-keypairs';
import { hashes } from 'xrpl';
import { WebSocketServer, type WebSocket } from 'ws';

export const GENESIS_ADDRESS = 'rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh';
const RIPPLE_EPOCH_OFFSET = 946_684_800;
const BASE_FEE = 10n;
const TF_RENEW = 0x00010000;
const TF_CLOSE = 0x00020000;

interface Account {
  Balance: bigint;
  Sequence: number;
  OwnerCount: number;
}

interface Channel {
  Account: string;
  Destination: string;
  Amount: bigint;
  Balance: bigint;
  SettleDelay: number;
  PublicKey: string;
  Expiration?: number;
  CancelAfter?: number;
}

interface State {
  accounts: Map<string, Account>;
  channels: Map<string, Channel>;
}

type Json = Record<string, unknown>;

interface AppliedTx {
  hash: string;
  tx: Json;
  meta: Json;
  /** Ledger it was validated in; undefined while in the open ledger. */
  ledgerIndex?: number;
  closeTime?: number;
  /** Accounts the transaction touched (account_tx threads it to each). */
  accounts: Set<string>;
}

interface ClosedLedger {
  index: number;
  closeTime: number;
  hash: string;
}

export interface StandInOptions {
  /** server_info network_id (default: none, like rippled standalone and mainnet). */
  networkId?: number;
  /** Close a ledger this often, ms (default 100; 0: only on demand). */
  closeEveryMs?: number;
  /** Port to listen on (default 0: any free port). */
  port?: number;
  /**
   * The reserves, drops (default: the XRP Ledger's since December 2024, 1 XRP base and 0.2 XRP per
   * owned object). server_info and server_state report them; transactions are held to them.
   */
  reserveBase?: bigint;
  reserveIncrement?: bigint;
}


/** The result of applying one transaction: code and metadata nodes. */
interface Outcome {
  result: string;
  nodes: Json[];
  accounts: Set<string>;
}

const MESSAGES: Record<string, string> = {
  tesSUCCESS: 'The transaction was applied. Only final in a validated ledger.',
  tecUNFUNDED_PAYMENT: 'Insufficient XRP balance to send.',
  tecNO_PERMISSION: 'No permission to perform requested operation.',
  tecNO_DST: 'Destination does not exist. Send XRP to create it.',
  tecNO_ENTRY: 'No matching entry found.',
  tecNO_TARGET: 'Target of transaction does not exist.',
  tecUNFUNDED: 'Not enough XRP to satisfy the reserve requirement.',
  temBAD_SIGNATURE: 'Malformed: Bad signature.',
  temBAD_SIGNER: 'Malformed: No signer may duplicate account or other signers.',
  temBAD_AMOUNT: 'Malformed: Bad amount.',
  temMALFORMED: 'Malformed transaction.',
  temDST_IS_SRC: 'Destination may not be source.',
  tefPAST_SEQ: 'This sequence number has already passed.',
  tefMAX_LEDGER: 'Ledger sequence too high.',
  tefBAD_AUTH: 'Transaction\'s public key is not authorized.',
  terPRE_SEQ: 'Missing/inapplicable prior transaction.',
  telINSUF_FEE_P: 'Fee insufficient.',
  terNO_ACCOUNT: 'The source account does not exist.',
};

/**
 * rippled's numeric error codes (ErrorCodes.h; a few changed between versions, clients read the name).
 * Checked for shape against xrpl.js's recorded error (xrpl-stand-in-fidelity.test.ts).
 */
const ERROR_CODES: Record<string, number> = {
  actNotFound: 19,
  lgrNotFound: 21,
  txnNotFound: 29,
  invalidParams: 31,
  unknownCmd: 32,
  lgrIdxMalformed: 58,
  internal: 73,
  malformedRequest: 31,
  invalidTransaction: 31,
  entryNotFound: 92,
};

/** A rippled stand-in. Start with `StandInRippled.start()`, stop with `stop()`. */
export class StandInRippled {
  /** The open ledger's state (what `current` reads). */
  private open: State;
  /** The last validated ledger's state. */
  private validatedState: State;
  private readonly txs = new Map<string, AppliedTx>();
  /** Validated transactions in ledger order (account_tx). */
  private readonly history: AppliedTx[] = [];
  private pending: AppliedTx[] = [];
  private readonly ledgers: ClosedLedger[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Seconds added to the wall clock for ledger close times (tests jump past a SettleDelay). */
  private clockOffset = 0;
  /**
   * The first ledger the server holds (default: all of them). account_tx refuses a ledger_index_min
   * below it with lgrIdxMalformed, as rippled's API v2 does for history it lacks (-1 means "earliest").
   */
  historyFrom = 0;
  /** While set, submits are applied but never answered (a response lost on the way). */
  unansweredSubmits = false;
  /** While set, submits answer tesSUCCESS and the transaction is silently dropped (never validated). */
  dropSubmits = false;
  /** Every command received, in order (tests check what the client asked). */
  readonly commands: string[] = [];
  /** Every tx_blob submitted, in order (tests decode them). */
  readonly submitted: string[] = [];
  /** The reserves in force, drops: base (per account) and increment (per owned object). */
  private reserves: { base: bigint; increment: bigint };

  private constructor(
    private readonly wss: WebSocketServer,
    readonly url: string,
    private readonly options: StandInOptions,
  ) {
    this.reserves = { base: options.reserveBase ?? 1_000_000n, increment: options.reserveIncrement ?? 200_000n };
    const genesis: Account = { Balance: 100_000_000_000_000_000n, Sequence: 1, OwnerCount: 0 };
    this.open = { accounts: new Map([[GENESIS_ADDRESS, genesis]]), channels: new Map() };
    this.validatedState = cloneState(this.open);
    this.ledgers.push({ index: 2, closeTime: this.now(), hash: ledgerHash(2) });
    wss.on('connection', (ws) => this.onConnection(ws));
    const every = options.closeEveryMs ?? 100;
    if (every > 0) this.timer = setInterval(() => this.closeLedger(), every);
  }

  static async start(options: StandInOptions = {}): Promise<StandInRippled> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: options.port ?? 0 });
    await new Promise<void>((resolve, reject) => {
      wss.once('listening', resolve);
      wss.once('error', reject);
    });
    const port = (wss.address() as AddressInfo).port;
    return new StandInRippled(wss, `ws://127.0.0.1:${port}`, options);
  }

  /** Stops the ledger clock, closes every connection and the server. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    for (const ws of this.wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  /** Stops closing ledgers on the clock (on demand only) until `resumeClosing`: tests that must not see a LastLedgerSequence pass. */
  pauseClosing(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Closes ledgers on the clock again (every `closeEveryMs`, default 100). */
  resumeClosing(): void {
    const every = this.options.closeEveryMs ?? 100;
    if (this.timer === undefined && every > 0) this.timer = setInterval(() => this.closeLedger(), every);
  }

  /** Cuts every client connection (the server keeps listening): a dropped socket. */
  dropConnections(): void {
    for (const ws of this.wss.clients) ws.terminate();
  }

  /** New reserves, drops, from the next transaction on (validators voted them; server_info reports them at once). */
  setReserves(base: bigint, increment: bigint): void {
    this.reserves = { base, increment };
  }

  /** Fees, drops, that validated ledgers charged `address` for its own transactions (a tec result pays its fee too). */
  feesPaid(address: string): bigint {
    return this.history.filter((t) => t.tx.Account === address).reduce((sum, t) => sum + BigInt(str(t.tx.Fee)), 0n);
  }

  /** Validated transactions sent by `address` (optionally of one type) and their results, in ledger order. */
  validatedTxs(address: string, type?: string): { hash: string; type: string; result: string }[] {
    return this.history
      .filter((t) => t.tx.Account === address && (type === undefined || t.tx.TransactionType === type))
      .map((t) => ({ hash: t.hash, type: str(t.tx.TransactionType), result: str(t.meta.TransactionResult) }));
  }

  /** The validated account's OwnerCount (undefined: no such account). */
  ownerCount(address: string): number | undefined {
    return this.validatedState.accounts.get(address)?.OwnerCount;
  }

  /** Moves the ledger clock forward (seconds), e.g. past a channel's SettleDelay. */
  advanceTime(seconds: number): void {
    this.clockOffset += seconds;
  }

  /** Credits `drops` to `address` directly (creating the account), in the open and the validated ledger. */
  fund(address: string, drops: bigint): void {
    for (const s of [this.open, this.validatedState]) {
      const a = s.accounts.get(address);
      if (a) a.Balance += drops;
      else s.accounts.set(address, { Balance: drops, Sequence: this.validatedIndex + 1, OwnerCount: 0 });
    }
  }

  get validatedIndex(): number {
    return this.ledgers[this.ledgers.length - 1].index;
  }

  /** The last validated ledger's close time, Unix seconds. */
  get lastCloseTime(): number {
    return this.parentCloseTime + RIPPLE_EPOCH_OFFSET;
  }

  /** The validated balance of an account, drops (undefined: no such account). */
  balance(address: string): bigint | undefined {
    return this.validatedState.accounts.get(address)?.Balance;
  }

  /** The validated channel entry (undefined: none). */
  channel(id: string): Readonly<Channel> | undefined {
    return this.validatedState.channels.get(id.toUpperCase());
  }

  /** Closes the open ledger: its transactions become validated. */
  closeLedger(): void {
    const last = this.ledgers[this.ledgers.length - 1];
    const index = last.index + 1;
    const closeTime = Math.max(this.now(), last.closeTime);
    this.pending.forEach((t, i) => {
      t.ledgerIndex = index;
      t.closeTime = closeTime;
      t.meta.TransactionIndex = i;
      this.history.push(t);
    });
    this.pending = [];
    this.validatedState = cloneState(this.open);
    this.ledgers.push({ index, closeTime, hash: ledgerHash(index) });
  }

  /** Ripple-epoch seconds now. */
  private now(): number {
    return Math.floor(Date.now() / 1000) - RIPPLE_EPOCH_OFFSET + this.clockOffset;
  }

  private get parentCloseTime(): number {
    return this.ledgers[this.ledgers.length - 1].closeTime;
  }

  private onConnection(ws: WebSocket): void {
    ws.on('error', () => undefined);
    ws.on('message', (data: Buffer) => {
      let req: Json;
      try {
        req = JSON.parse(data.toString('utf8')) as Json;
      } catch {
        ws.send(JSON.stringify({ status: 'error', type: 'response', error: 'invalidParams', error_message: 'not JSON' }));
        return;
      }
      const id = req.id;
      const command = String(req.command);
      this.commands.push(command);
      let answer: Json;
      try {
        answer = { id, status: 'success', type: 'response', result: this.handle(command, req) };
      } catch (err) {
        const e = err instanceof RpcError ? err : new RpcError('internal', String(err));
        answer = { id, status: 'error', type: 'response', error: e.code, error_code: ERROR_CODES[e.code] ?? ERROR_CODES.internal, error_message: e.message, request: req };
      }
      // rippled echoes the API version a request asked for (xrpl.js integration expectations).
      if (typeof req.api_version === 'number') answer = { api_version: req.api_version, ...answer };
      if (command === 'submit' && this.unansweredSubmits) return;
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(answer));
    });
  }

  private handle(command: string, req: Json): Json {
    switch (command) {
      case 'ping':
        return {};
      case 'server_info':
        return this.serverInfo();
      case 'server_state':
        return this.serverState();
      case 'fee':
        return {
          current_ledger_size: String(this.pending.length),
          current_queue_size: '0',
          drops: { base_fee: '10', median_fee: '5000', minimum_fee: '10', open_ledger_fee: '10' },
          ledger_current_index: this.validatedIndex + 1,
          max_queue_size: '2000',
        };
      case 'ledger_current':
        return { ledger_current_index: this.validatedIndex + 1 };
      case 'ledger_accept':
        this.closeLedger();
        return { ledger_current_index: this.validatedIndex + 1 };
      case 'ledger':
        return this.ledger(req);
      case 'account_info':
        return this.accountInfo(req);
      case 'submit':
        return this.submit(req);
      case 'tx':
        return this.tx(req);
      case 'ledger_entry':
        return this.ledgerEntry(req);
      case 'account_tx':
        return this.accountTx(req);
      case 'account_channels':
        return this.accountChannels(req);
      default:
        throw new RpcError('unknownCmd', 'Unknown method.');
    }
  }

  private serverInfo(): Json {
    const last = this.ledgers[this.ledgers.length - 1];
    return {
      info: {
        build_version: '2.3.0-standin',
        complete_ledgers: `2-${last.index}`,
        load_factor: 1,
        server_state: 'full',
        ...(this.options.networkId === undefined ? {} : { network_id: this.options.networkId }),
        validated_ledger: {
          seq: last.index,
          hash: last.hash,
          base_fee_xrp: xrp(BASE_FEE),
          reserve_base_xrp: xrp(this.reserves.base),
          reserve_inc_xrp: xrp(this.reserves.increment),
          age: 0,
        },
      },
    };
  }

  /** server_state: server_info's facts in machine units (drops; load in 1/256ths), as rippled gives them. */
  private serverState(): Json {
    const last = this.ledgers[this.ledgers.length - 1];
    return {
      state: {
        build_version: '2.3.0-standin',
        complete_ledgers: `2-${last.index}`,
        load_base: 256,
        load_factor: 256,
        server_state: 'full',
        ...(this.options.networkId === undefined ? {} : { network_id: this.options.networkId }),
        validated_ledger: {
          base_fee: Number(BASE_FEE),
          close_time: last.closeTime,
          hash: last.hash,
          reserve_base: Number(this.reserves.base),
          reserve_inc: Number(this.reserves.increment),
          seq: last.index,
        },
      },
    };
  }

  private ledger(req: Json): Json {
    const which = req.ledger_index ?? 'validated';
    if (which === 'current') {
      return { ledger: { closed: false, ledger_index: String(this.validatedIndex + 1), parent_close_time: this.parentCloseTime }, ledger_current_index: this.validatedIndex + 1, validated: false };
    }
    const l = which === 'validated' || which === 'closed' ? this.ledgers[this.ledgers.length - 1] : this.ledgers.find((x) => x.index === Number(which));
    if (l === undefined) throw new RpcError('lgrNotFound', 'ledgerNotFound');
    // API v2 gives the ledger's index as a number, v1 as a string (xrpl.js ledger.test.ts).
    return {
      ledger: { closed: true, ledger_index: req.api_version === 2 ? l.index : String(l.index), ledger_hash: l.hash, close_time: l.closeTime, parent_close_time: l.closeTime - 1 },
      ledger_hash: l.hash,
      ledger_index: l.index,
      validated: true,
    };
  }

  private stateFor(req: Json): { state: State; current: boolean } {
    const current = req.ledger_index === 'current';
    return { state: current ? this.open : this.validatedState, current };
  }

  private accountInfo(req: Json): Json {
    const address = String(req.account);
    const { state, current } = this.stateFor(req);
    const a = state.accounts.get(address);
    if (a === undefined) throw new RpcError('actNotFound', 'Account not found.');
    return {
      account_data: { Account: address, Balance: a.Balance.toString(), Flags: 0, LedgerEntryType: 'AccountRoot', OwnerCount: a.OwnerCount, Sequence: a.Sequence },
      ...(current ? { ledger_current_index: this.validatedIndex + 1 } : { ledger_hash: this.ledgers[this.ledgers.length - 1].hash, ledger_index: this.validatedIndex }),
      validated: !current,
    };
  }

  private ledgerEntry(req: Json): Json {
    const id = req.payment_channel;
    if (typeof id !== 'string' || !/^[0-9a-fA-F]{64}$/.test(id)) throw new RpcError('malformedRequest', 'Malformed request.');
    const { state } = this.stateFor(req);
    const c = state.channels.get(id.toUpperCase());
    if (c === undefined) throw new RpcError('entryNotFound', 'Entry not found.');
    return { index: id.toUpperCase(), ledger_index: this.validatedIndex, node: channelJson(c, id.toUpperCase()), validated: true };
  }

  private accountChannels(req: Json): Json {
    const address = String(req.account);
    const channels = [...this.validatedState.channels.entries()]
      .filter(([, c]) => c.Account === address)
      .map(([id, c]) => ({ channel_id: id, account: c.Account, destination_account: c.Destination, amount: c.Amount.toString(), balance: c.Balance.toString(), settle_delay: c.SettleDelay, public_key_hex: c.PublicKey }));
    return { account: address, channels, ledger_index: this.validatedIndex, validated: true };
  }

  private tx(req: Json): Json {
    const hash = String(req.transaction).toUpperCase();
    const t = this.txs.get(hash);
    if (t === undefined) throw new RpcError('txnNotFound', 'Transaction not found.');
    const v2 = req.api_version === 2;
    if (t.ledgerIndex === undefined) return v2 ? { hash, tx_json: t.tx, validated: false } : { ...t.tx, hash, validated: false };
    const common = { hash, ledger_index: t.ledgerIndex, meta: t.meta, validated: true };
    return v2 ? { ...common, tx_json: t.tx, close_time_iso: iso(t.closeTime ?? 0) } : { ...t.tx, ...common, date: t.closeTime };
  }

  private accountTx(req: Json): Json {
    const address = String(req.account);
    if (typeof req.ledger_index_min === 'number' && req.ledger_index_min >= 0 && req.ledger_index_min < this.historyFrom) {
      throw new RpcError('lgrIdxMalformed', 'Ledger indexes malformed.');
    }
    const min = typeof req.ledger_index_min === 'number' && req.ledger_index_min >= 0 ? req.ledger_index_min : this.historyFrom;
    const max = typeof req.ledger_index_max === 'number' && req.ledger_index_max >= 0 ? req.ledger_index_max : Number.MAX_SAFE_INTEGER;
    let list = this.history.filter((t) => t.accounts.has(address) && (t.ledgerIndex ?? 0) >= min && (t.ledgerIndex ?? 0) <= max);
    if (req.forward !== true) list = list.reverse();
    const start = typeof req.marker === 'object' && req.marker !== null ? Number((req.marker as Json).seq) : 0;
    const limit = typeof req.limit === 'number' ? req.limit : 200;
    const page = list.slice(start, start + limit);
    const v2 = req.api_version === 2;
    return {
      account: address,
      ledger_index_min: min,
      ledger_index_max: Math.min(max, this.validatedIndex),
      transactions: page.map((t) =>
        v2
          ? { hash: t.hash, ledger_index: t.ledgerIndex, meta: t.meta, tx_json: t.tx, validated: true, close_time_iso: iso(t.closeTime ?? 0) }
          : { tx: { ...t.tx, hash: t.hash, ledger_index: t.ledgerIndex, date: t.closeTime }, meta: t.meta, validated: true },
      ),
      ...(start + limit < list.length ? { marker: { seq: start + limit } } : {}),
      validated: true,
    };
  }

  // ------------------------------------------------------------------ transactions

  private submit(req: Json): Json {
    const blob = req.tx_blob;
    if (typeof blob !== 'string' || !/^[0-9a-fA-F]+$/.test(blob)) throw new RpcError('invalidParams', 'Missing field \'tx_blob\'.');
    this.submitted.push(blob);
    let tx: Json;
    try {
      tx = decode(blob);
    } catch {
      throw new RpcError('invalidTransaction', 'Cannot decode tx_blob.');
    }
    const hash = hashes.hashSignedTx(blob).toUpperCase();
    const answer = (result: string): Json => ({
      engine_result: result,
      engine_result_code: 0,
      engine_result_message: MESSAGES[result] ?? result,
      tx_blob: blob,
      tx_json: { ...tx, hash },
      accepted: result === 'tesSUCCESS' || result.startsWith('tec'),
      applied: result === 'tesSUCCESS' || result.startsWith('tec'),
      // the rest of rippled's submit answer (xrpl.js submit.test.ts): the account's next sequence after it, queue and relay flags
      account_sequence_available: this.open.accounts.get(str(tx.Account))?.Sequence ?? 0,
      account_sequence_next: this.open.accounts.get(str(tx.Account))?.Sequence ?? 0,
      broadcast: result === 'tesSUCCESS' || result.startsWith('tec'),
      kept: result === 'tesSUCCESS' || result.startsWith('tec') || result.startsWith('ter'),
      queued: false,
      open_ledger_cost: BASE_FEE.toString(),
      validated_ledger_index: this.validatedIndex,
    });
    const pre = this.preflight(tx);
    if (pre !== 'tesSUCCESS') return answer(pre);
    if (this.txs.has(hash)) return answer('tefPAST_SEQ');
    if (this.dropSubmits) return answer('tesSUCCESS');
    const account = str(tx.Account);
    const src = this.open.accounts.get(account);
    if (src === undefined) return answer('terNO_ACCOUNT');
    const seq = Number(tx.Sequence);
    if (seq < src.Sequence) return answer('tefPAST_SEQ');
    if (seq > src.Sequence) return answer('terPRE_SEQ');
    if (typeof tx.LastLedgerSequence === 'number' && tx.LastLedgerSequence < this.validatedIndex + 1) return answer('tefMAX_LEDGER');
    const fee = BigInt(str(tx.Fee));
    if (fee < BASE_FEE) return answer('telINSUF_FEE_P');
    if (src.Balance < fee) return answer('terINSUF_FEE_B');
    // Apply to a copy of the open ledger; a tec keeps only the fee and the sequence.
    const attempt = cloneState(this.open);
    const outcome = this.apply(attempt, tx);
    if (outcome.result.startsWith('tem') || outcome.result.startsWith('tef')) return answer(outcome.result);
    if (outcome.result === 'tesSUCCESS') this.open = attempt;
    const payer = this.open.accounts.get(account);
    if (payer === undefined) throw new RpcError('internal', 'source account vanished');
    payer.Balance -= fee;
    payer.Sequence += 1;
    const nodes = [...outcome.nodes];
    if (outcome.result !== 'tesSUCCESS') nodes.push(accountNode(account, payer, 'ModifiedNode'));
    const applied: AppliedTx = {
      hash,
      tx,
      meta: { AffectedNodes: nodes, TransactionIndex: 0, TransactionResult: outcome.result },
      accounts: new Set([account, ...outcome.accounts]),
    };
    this.txs.set(hash, applied);
    this.pending.push(applied);
    return answer(outcome.result);
  }

  /** Format and signature checks that need no ledger state. */
  private preflight(tx: Json): string {
    const pub = tx.SigningPubKey;
    const sig = tx.TxnSignature;
    if (typeof pub !== 'string' || typeof sig !== 'string' || pub === '' || sig === '') return 'temBAD_SIGNATURE';
    try {
      if (!verify(encodeForSigning(tx), sig, pub)) return 'temBAD_SIGNATURE';
      if (deriveAddress(pub) !== tx.Account) return 'tefBAD_AUTH';
    } catch {
      return 'temBAD_SIGNATURE';
    }
    if (this.options.networkId !== undefined && this.options.networkId > 1024 && tx.NetworkID !== this.options.networkId) return 'telWRONG_NETWORK';
    if (typeof tx.Fee !== 'string' || !/^\d+$/.test(tx.Fee)) return 'temBAD_FEE';
    const t = tx.TransactionType;
    if (t === 'PaymentChannelClaim') return this.preflightClaim(tx);
    if (t === 'PaymentChannelCreate') {
      if (!isDrops(tx.Amount) || BigInt(str(tx.Amount)) <= 0n) return 'temBAD_AMOUNT';
      if (tx.Destination === tx.Account) return 'temDST_IS_SRC';
      if (typeof tx.SettleDelay !== 'number' || typeof tx.PublicKey !== 'string' || !isPublicKey(tx.PublicKey)) return 'temMALFORMED';
      return 'tesSUCCESS';
    }
    if (t === 'PaymentChannelFund') return isDrops(tx.Amount) && BigInt(str(tx.Amount)) > 0n ? 'tesSUCCESS' : 'temBAD_AMOUNT';
    if (t === 'Payment') return isDrops(tx.Amount) && BigInt(str(tx.Amount)) > 0n ? 'tesSUCCESS' : 'temBAD_AMOUNT';
    return 'temUNKNOWN';
  }

  private preflightClaim(tx: Json): string {
    const flags = Number(tx.Flags ?? 0);
    if ((flags & TF_CLOSE) !== 0 && (flags & TF_RENEW) !== 0) return 'temMALFORMED';
    for (const f of ['Balance', 'Amount'] as const) {
      if (tx[f] !== undefined && (!isDrops(tx[f]) || BigInt(str(tx[f])) <= 0n)) return 'temBAD_AMOUNT';
    }
    const bal = tx.Balance === undefined ? undefined : BigInt(str(tx.Balance));
    const amt = tx.Amount === undefined ? undefined : BigInt(str(tx.Amount));
    if (bal !== undefined && amt !== undefined && bal > amt) return 'temBAD_AMOUNT';
    if (tx.Signature !== undefined) {
      if (tx.PublicKey === undefined || bal === undefined) return 'temMALFORMED';
      const auth = amt ?? bal;
      const pk = str(tx.PublicKey);
      if (!isPublicKey(pk)) return 'temMALFORMED';
      try {
        const data = encodeForSigningClaim({ channel: str(tx.Channel), amount: auth.toString() });
        if (!verify(data, str(tx.Signature), pk)) return 'temBAD_SIGNATURE';
      } catch {
        return 'temBAD_SIGNATURE';
      }
    }
    return 'tesSUCCESS';
  }

  /** Applies `tx` to `s` (fee and sequence are the caller's). */
  private apply(s: State, tx: Json): Outcome {
    const account = str(tx.Account);
    const fail = (result: string): Outcome => ({ result, nodes: [], accounts: new Set() });
    const src = s.accounts.get(account);
    if (src === undefined) return fail('terNO_ACCOUNT');
    const fee = BigInt(str(tx.Fee));
    const prior = src.Balance; // rippled's mPriorBalance: before the fee
    const reserve = (owners: number): bigint => this.reserves.base + this.reserves.increment * BigInt(owners);
    switch (tx.TransactionType) {
      case 'Payment': {
        const dst = str(tx.Destination);
        const amount = BigInt(str(tx.Amount));
        if (prior - fee - amount < reserve(src.OwnerCount)) return fail('tecUNFUNDED_PAYMENT');
        let to = s.accounts.get(dst);
        const created = to === undefined;
        if (to === undefined) {
          if (amount < this.reserves.base) return fail('tecNO_DST_INSUF_XRP');
          to = { Balance: 0n, Sequence: this.validatedIndex + 1, OwnerCount: 0 };
          s.accounts.set(dst, to);
        }
        src.Balance -= amount;
        to.Balance += amount;
        return {
          result: 'tesSUCCESS',
          nodes: [accountNode(account, src, 'ModifiedNode'), accountNode(dst, to, created ? 'CreatedNode' : 'ModifiedNode')],
          accounts: new Set([dst]),
        };
      }
      case 'PaymentChannelCreate': {
        const dst = str(tx.Destination);
        const amount = BigInt(str(tx.Amount));
        if (prior < reserve(src.OwnerCount + 1)) return fail('tecINSUFFICIENT_RESERVE');
        if (prior < reserve(src.OwnerCount + 1) + amount) return fail('tecUNFUNDED');
        if (!s.accounts.has(dst)) return fail('tecNO_DST');
        const id = hashes.hashPaymentChannel(account, dst, Number(tx.Sequence)).toUpperCase();
        const c: Channel = { Account: account, Destination: dst, Amount: amount, Balance: 0n, SettleDelay: Number(tx.SettleDelay), PublicKey: str(tx.PublicKey).toUpperCase() };
        if (typeof tx.CancelAfter === 'number') c.CancelAfter = tx.CancelAfter;
        s.channels.set(id, c);
        src.Balance -= amount;
        src.OwnerCount += 1;
        return {
          result: 'tesSUCCESS',
          nodes: [accountNode(account, src, 'ModifiedNode'), { CreatedNode: { LedgerEntryType: 'PayChannel', LedgerIndex: id, NewFields: channelJson(c, id) } }],
          accounts: new Set([dst]),
        };
      }
      case 'PaymentChannelFund': {
        const id = str(tx.Channel).toUpperCase();
        const c = s.channels.get(id);
        if (c === undefined) return fail('tecNO_ENTRY');
        if (this.expired(c)) return this.closeChannel(s, id, c);
        if (c.Account !== account) return fail('tecNO_PERMISSION');
        const amount = BigInt(str(tx.Amount));
        // rippled's PayChanFund::doApply reads the balance after the fee (PaymentChannelCreate's preclaim, before it)
        if (prior - fee < reserve(src.OwnerCount)) return fail('tecINSUFFICIENT_RESERVE');
        if (prior - fee < reserve(src.OwnerCount) + amount) return fail('tecUNFUNDED');
        src.Balance -= amount;
        c.Amount += amount;
        return { result: 'tesSUCCESS', nodes: [accountNode(account, src, 'ModifiedNode'), channelNode('ModifiedNode', id, c)], accounts: new Set([c.Destination]) };
      }
      case 'PaymentChannelClaim': {
        const id = str(tx.Channel).toUpperCase();
        const c = s.channels.get(id);
        if (c === undefined) return fail('tecNO_TARGET');
        if (this.expired(c)) return this.closeChannel(s, id, c);
        if (account !== c.Account && account !== c.Destination) return fail('tecNO_PERMISSION');
        const nodes: Json[] = [];
        const flags = Number(tx.Flags ?? 0);
        if (tx.Balance !== undefined) {
          const req = BigInt(str(tx.Balance));
          if (account === c.Destination && tx.Signature === undefined) return fail('temBAD_SIGNATURE');
          if (tx.Signature !== undefined && str(tx.PublicKey).toUpperCase() !== c.PublicKey) return fail('temBAD_SIGNER');
          if (req > c.Amount) return fail('tecUNFUNDED_PAYMENT');
          if (req <= c.Balance) return fail('tecUNFUNDED_PAYMENT');
          const dst = s.accounts.get(c.Destination);
          if (dst === undefined) return fail('tecNO_DST');
          dst.Balance += req - c.Balance;
          c.Balance = req;
          nodes.push(accountNode(c.Destination, dst, 'ModifiedNode'));
        }
        if ((flags & TF_RENEW) !== 0) {
          if (account !== c.Account) return fail('tecNO_PERMISSION');
          delete c.Expiration;
        }
        if ((flags & TF_CLOSE) !== 0) {
          if (account === c.Destination || c.Balance === c.Amount) {
            const closed = this.closeChannel(s, id, c);
            return { ...closed, nodes: [...nodes, ...closed.nodes] };
          }
          const settleExpiration = this.parentCloseTime + c.SettleDelay;
          if (c.Expiration === undefined || c.Expiration > settleExpiration) c.Expiration = settleExpiration;
        }
        nodes.push(channelNode('ModifiedNode', id, c), accountNode(account, src, 'ModifiedNode'));
        return { result: 'tesSUCCESS', nodes, accounts: new Set([c.Account, c.Destination]) };
      }
      default:
        return fail('temUNKNOWN');
    }
  }

  private expired(c: Channel): boolean {
    const t = this.parentCloseTime;
    return (c.CancelAfter !== undefined && t >= c.CancelAfter) || (c.Expiration !== undefined && t >= c.Expiration);
  }

  /** Deletes the channel, refunding the source what was not paid out. */
  private closeChannel(s: State, id: string, c: Channel): Outcome {
    const src = s.accounts.get(c.Account);
    if (src === undefined) return { result: 'tefINTERNAL', nodes: [], accounts: new Set() };
    src.Balance += c.Amount - c.Balance;
    src.OwnerCount -= 1;
    s.channels.delete(id);
    return {
      result: 'tesSUCCESS',
      nodes: [accountNode(c.Account, src, 'ModifiedNode'), channelNode('DeletedNode', id, c)],
      accounts: new Set([c.Account, c.Destination]),
    };
  }
}

class RpcError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function cloneState(s: State): State {
  return {
    accounts: new Map([...s.accounts].map(([k, v]) => [k, { ...v }])),
    channels: new Map([...s.channels].map(([k, v]) => [k, { ...v }])),
  };
}

function channelJson(c: Channel, id: string): Json {
  return {
    Account: c.Account,
    Amount: c.Amount.toString(),
    Balance: c.Balance.toString(),
    Destination: c.Destination,
    Flags: 0,
    LedgerEntryType: 'PayChannel',
    PublicKey: c.PublicKey,
    SettleDelay: c.SettleDelay,
    index: id,
    ...(c.Expiration === undefined ? {} : { Expiration: c.Expiration }),
    ...(c.CancelAfter === undefined ? {} : { CancelAfter: c.CancelAfter }),
  };
}

function channelNode(kind: 'ModifiedNode' | 'DeletedNode', id: string, c: Channel): Json {
  return { [kind]: { LedgerEntryType: 'PayChannel', LedgerIndex: id, FinalFields: channelJson(c, id) } };
}

/** An AccountRoot metadata node with its final fields. */
function accountNode(address: string, a: Account, kind: 'ModifiedNode' | 'CreatedNode'): Json {
  const fields = { Account: address, Balance: a.Balance.toString(), Flags: 0, OwnerCount: a.OwnerCount, Sequence: a.Sequence };
  const index = createHash('sha512').update(`account:${address}`).digest('hex').slice(0, 64).toUpperCase();
  return kind === 'CreatedNode' ? { CreatedNode: { LedgerEntryType: 'AccountRoot', LedgerIndex: index, NewFields: fields } } : { ModifiedNode: { LedgerEntryType: 'AccountRoot', LedgerIndex: index, FinalFields: fields } };
}

function ledgerHash(index: number): string {
  return createHash('sha512').update(`ledger:${index}`).digest('hex').slice(0, 64).toUpperCase();
}

/** A JSON field as a string ('' when it is neither a string nor a number). */
function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

function isDrops(v: unknown): boolean {
  return typeof v === 'string' && /^\d{1,18}$/.test(v);
}

function isPublicKey(v: string): boolean {
  return /^(ED|ed|0[23])[0-9a-fA-F]{64}$/.test(v);
}

/** Drops as the XRP number server_info prints (0.2, 1e-05). */
function xrp(drops: bigint): number {
  return Number(drops) / 1_000_000;
}

function iso(rippleTime: number): string {
  return new Date((rippleTime + RIPPLE_EPOCH_OFFSET) * 1000).toISOString();
}
