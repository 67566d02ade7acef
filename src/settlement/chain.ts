/**
 * What the settlement engine needs from a chain. Signing and verifying are local (no RPC): they are
 * what claims use. Everything returning a promise talks to the chain and never runs on a packet's path.
 * Amounts are the chain's base units (token wei for EVM); times are seconds since the epoch.
 */

import type { Chain } from '../config/index.js';

/** The chains the engine settles on: the config's one union (`CHAINS` in src/config). */
export type ChainKind = Chain;

/**
 * A channel's life on-chain. `none`: no such channel (on the XRP Ledger a channel also reads `none` once
 * it is closed for good: the ledger deletes it; the engine takes a known channel gone as settled).
 */
export type OnchainState = 'none' | 'open' | 'closing' | 'settled';

/** A channel as the contract holds it. */
export interface OnchainChannel {
  channelId: string;
  /** The payer: deposits and signs balance proofs. */
  sender: string;
  /** The payee: redeems balance proofs. */
  receiver: string;
  /** Challenge period after the sender's close, in seconds. */
  settlementTimeout: number;
  state: OnchainState;
  /** When the sender closed it (seconds since the epoch), 0 while open. */
  closedAt: number;
  /** Cumulative deposit, base units. */
  deposit: bigint;
  /** Cumulative deposit the sender took back (with the receiver's consent), base units. */
  withdrawn: bigint;
  /** Cumulative amount paid to the receiver, base units. */
  claimed: bigint;
  /** Nonce of the last balance proof redeemed (0 on chains without nonces: XRPL). */
  nonce: bigint;
  /**
   * The key the sender's claims verify against, where the channel holds one (XRPL: the channel's
   * `PublicKey`, "ED" + 64 hex digits; Aptos: 0x + 64 hex digits). Undefined on EVM (the signer's
   * address is recovered and compared with `sender`).
   */
  publicKey?: string;
}

/** A mined transaction. */
export interface TxResult {
  txHash: string;
  /** What the transaction cost: EVM gas used; XRPL fee in drops; Aptos gas units used. */
  gasUsed: bigint;
}

/** A contract event naming a channel (the engine re-reads the channel rather than trusting event fields). */
export interface ChainEvent {
  /** EVM: the contract event's name; a channel we pay or are paid through that was created reads `ChannelOpened` on every chain. */
  name: string;
  channelId: string;
  /** ChannelOpened only. */
  sender?: string;
  receiver?: string;
  blockNumber: number;
  txHash: string;
}

/** One chain account and one channel contract on it. */
export interface ChainAdapter {
  readonly chain: ChainKind;
  /**
   * The network, as claims name it: EVM chain id; XRPL `network_id` from server_info (0 when the
   * server reports none); Aptos `chain_id` from the REST API's ledger info.
   */
  readonly chainId: number;
  /** Our account on the chain. */
  readonly address: string;
  /** The channel contract (EVM: TokenNetwork address; XRPL: "PayChannel"; Aptos: the module id `0x…::name`). */
  readonly contract: string;
  /** The asset the channels hold (EVM: ERC-20 address; XRPL: "XRP"; Aptos: the coin type). */
  readonly token: string;
  /** The asset's decimals: base units per whole unit = 10^decimals (XRPL: 6, drops; Aptos coin: its decimals, 8 for APT). */
  readonly decimals: number;
  /** Our claim key where channels hold one (see OnchainChannel.publicKey); undefined on EVM. */
  readonly publicKey?: string;
  /**
   * What this chain's channels do beyond open / deposit / claim / close / settle. Without `withdraw`
   * or `cooperativeClose` the engine refuses those operations with a clear error and never calls the
   * methods below that need them.
   */
  readonly features: { withdraw: boolean; cooperativeClose: boolean };
  /** Settlement timeouts (challenge periods) the chain accepts, seconds, inclusive. */
  readonly settlementTimeoutRange: readonly [min: number, max: number];

  /** Our signature of a cumulative balance proof (a claim) for one of our channels. */
  signBalanceProof(channelId: string, nonce: bigint, transferredAmount: bigint): string;
  /**
   * True when `signature` is the channel's sender's signature of this balance proof (EVM: recovers the
   * signer and compares it with `channel.sender`; XRPL, Aptos: verifies against `channel.publicKey`).
   * Malformed input returns false; never throws.
   */
  verifyBalanceProof(channel: OnchainChannel, nonce: bigint, transferredAmount: bigint, signature: string): boolean;
  /** Our (receiver's) consent to the sender withdrawing up to `totalWithdrawn` in all. Only with features.withdraw. */
  signWithdraw?(channelId: string, totalWithdrawn: bigint): string;
  verifyWithdraw?(channel: OnchainChannel, totalWithdrawn: bigint, signature: string): boolean;
  /** Our consent to closing at once with the receiver paid `transferredAmount` in all. Only with features.cooperativeClose. */
  signCooperativeClose?(channelId: string, transferredAmount: bigint): string;
  verifyCooperativeClose?(channel: OnchainChannel, signer: string, transferredAmount: bigint, signature: string): boolean;
  /** Address equality in the chain's terms (EVM: case-insensitive hex; XRPL: exact; Aptos: hex, leading zeros ignored). */
  sameAddress(a: string, b: string): boolean;
  /** The channel id in its canonical form (EVM, Aptos: lowercase 0x hex; XRPL: 64 uppercase hex digits), or undefined when malformed. */
  normalizeChannelId(id: string): string | undefined;
  /** A well-formed account address? */
  isAddress(address: string): boolean;

  openChannel(receiver: string, settlementTimeout: number, deposit: bigint): Promise<TxResult & { channelId: string }>;
  setTotalDeposit(channelId: string, totalDeposit: bigint): Promise<TxResult>;
  claim(channelId: string, nonce: bigint, transferredAmount: bigint, signature: string): Promise<TxResult>;
  /**
   * Redeems a claim. On chains where the receiver's redeem can also close (XRPL tfClose), `close`
   * asks for that; others ignore it.
   */
  claim(channelId: string, nonce: bigint, transferredAmount: bigint, signature: string, close?: boolean): Promise<TxResult>;
  withdraw?(channelId: string, totalWithdrawn: bigint, receiverSignature: string): Promise<TxResult>;
  /** Sender: starts the challenge period. Receiver: closes at once (the chain pays out what was redeemed). */
  closeChannel(channelId: string): Promise<TxResult>;
  cooperativeClose?(channelId: string, transferredAmount: bigint, senderSignature: string, receiverSignature: string): Promise<TxResult>;
  /** After the challenge period: ends the channel and refunds the sender. */
  settleChannel(channelId: string): Promise<TxResult>;
  getChannel(channelId: string): Promise<OnchainChannel>;
  /**
   * Changes since `fromBlock` (EVM block, XRPL ledger index, Aptos ledger version), up to the latest;
   * `timestamp` is the latest block's time (seconds since the Unix epoch). `watched` are the channels
   * the engine tracks and has not seen settled: an adapter without an event feed for them names each
   * one it cannot rule out as changed (the engine re-reads every channel an event names).
   */
  poll(fromBlock: number, watched: readonly string[]): Promise<{ toBlock: number; timestamp: number; events: ChainEvent[] }>;
  blockNumber(): Promise<number>;
  /**
   * Reconciles the transactions a crash left unsettled (persisted before they were sent): each is found
   * by hash, then by nonce, and finished, waited for, sent again as signed, or marked superseded.
   * Called once after connecting, before anything is sent. Chains without persisted intents omit it.
   */
  recoverIntents?(): Promise<void>;
  /** The account's balance of the channel asset, base units. */
  tokenBalance(address: string): Promise<bigint>;
  /**
   * What our wallet can put into a channel now, base units, on chains that hold part of a balance back
   * (XRPL: the base and owner reserve and the fee; `newChannel` counts the channel a create adds).
   * `why` names what is held back, for messages. Chains without it omit the method: all of
   * `tokenBalance` is spendable.
   */
  spendable?(newChannel: boolean): Promise<{ balance: bigint; held: bigint; spendable: bigint; why: string }>;
  close(): void;
}
