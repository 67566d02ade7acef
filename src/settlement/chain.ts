/**
 * What the settlement engine needs from a chain. Signing and verifying are local (no RPC): they are
 * what claims use. Everything returning a promise talks to the chain and never runs on a packet's path.
 * Amounts are the chain's base units (token wei for EVM); times are seconds since the epoch.
 */

/** A channel's life on-chain. `none`: no such channel. */
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
  /** Nonce of the last balance proof redeemed. */
  nonce: bigint;
}

/** A mined transaction. */
export interface TxResult {
  txHash: string;
  /** Gas the transaction used. */
  gasUsed: bigint;
}

/** A contract event naming a channel (the engine re-reads the channel rather than trusting event fields). */
export interface ChainEvent {
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
  readonly chain: 'evm';
  readonly chainId: number;
  /** Our account on the chain. */
  readonly address: string;
  /** The channel contract. */
  readonly contract: string;
  /** The token the channels hold. */
  readonly token: string;
  /** The token's decimals: base units per whole token = 10^decimals. */
  readonly decimals: number;

  /** Our signature of a cumulative balance proof. */
  signBalanceProof(channelId: string, nonce: bigint, transferredAmount: bigint): string;
  /** Who signed a balance proof. @throws when the signature is malformed */
  recoverBalanceProof(channelId: string, nonce: bigint, transferredAmount: bigint, signature: string): string;
  /** Our (receiver's) consent to the sender withdrawing up to `totalWithdrawn` in all. */
  signWithdraw(channelId: string, totalWithdrawn: bigint): string;
  recoverWithdraw(channelId: string, totalWithdrawn: bigint, signature: string): string;
  /** Our consent to closing at once with the receiver paid `transferredAmount` in all. */
  signCooperativeClose(channelId: string, transferredAmount: bigint): string;
  recoverCooperativeClose(channelId: string, transferredAmount: bigint, signature: string): string;
  /** Address equality in the chain's terms (EVM: case-insensitive hex). */
  sameAddress(a: string, b: string): boolean;
  /** A well-formed channel id? */
  isChannelId(id: string): boolean;
  /** A well-formed account address? */
  isAddress(address: string): boolean;

  openChannel(receiver: string, settlementTimeout: number, deposit: bigint): Promise<TxResult & { channelId: string }>;
  setTotalDeposit(channelId: string, totalDeposit: bigint): Promise<TxResult>;
  claim(channelId: string, nonce: bigint, transferredAmount: bigint, signature: string): Promise<TxResult>;
  withdraw(channelId: string, totalWithdrawn: bigint, receiverSignature: string): Promise<TxResult>;
  closeChannel(channelId: string): Promise<TxResult>;
  cooperativeClose(channelId: string, transferredAmount: bigint, senderSignature: string, receiverSignature: string): Promise<TxResult>;
  settleChannel(channelId: string): Promise<TxResult>;
  getChannel(channelId: string): Promise<OnchainChannel>;
  /** Contract events in blocks (fromBlock, latest]; `timestamp` is the latest block's time (s). */
  poll(fromBlock: number): Promise<{ toBlock: number; timestamp: number; events: ChainEvent[] }>;
  blockNumber(): Promise<number>;
  tokenBalance(address: string): Promise<bigint>;
  close(): void;
}
