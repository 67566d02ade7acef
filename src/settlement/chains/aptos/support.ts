/**
 * What the Aptos adapter needs around the SDK: our account from the configured key, a quiet SDK
 * config, the node's ledger info uncached, the u64 range check and short error messages.
 */
import type {
  Account as AccountT,
  AccountAuthenticator,
  Client,
  EntryFunctionABI,
  EntryFunctionArgumentTypes,
  LedgerInfo,
  SimpleTransaction,
} from '@aptos-labs/ts-sdk';
import { redactUrl } from '../redact.js';
import { AptosCallError } from './abort-codes.js';
import { U64_MAX } from './claim-message.js';
import type { AptosSdk } from './sdk.js';

/** Our account from a 0x-hex or AIP-80 Ed25519 key. @throws AptosCallError on a malformed key (without echoing it) */
export function makeAccount(sdk: AptosSdk, privateKey: string): AccountT {
  const k = privateKey.trim();
  const aip80 = k.startsWith('ed25519-priv-');
  const hex = aip80 ? k.slice('ed25519-priv-'.length) : k;
  if (!/^(0x)?[0-9a-fA-F]{64}$/.test(hex)) {
    throw new AptosCallError("settlement.aptos.privateKey must be an Ed25519 key: 0x + 64 hex digits or AIP-80 'ed25519-priv-0x…'");
  }
  return sdk.Account.fromPrivateKey({ privateKey: new sdk.Ed25519PrivateKey(aip80 ? k : hex, false) });
}

/** The SDK's config for a custom node, without the note it prints on stdout for every custom network. */
export function quietConfig(sdk: AptosSdk, fullnode: string, client: Client): InstanceType<AptosSdk['AptosConfig']> {
  const info = console.info;
  console.info = () => undefined;
  try {
    return new sdk.AptosConfig({ network: sdk.Network.CUSTOM, fullnode, client });
  } finally {
    console.info = info;
  }
}

/** GET <node>/v1: the ledger info, uncached. */
export async function fetchLedgerInfo(client: Client, nodeUrl: string): Promise<LedgerInfo> {
  const res = await client.provider<undefined, LedgerInfo & { message?: string }>({ url: nodeUrl, method: 'GET', headers: { accept: 'application/json' } });
  if (res.status !== 200 || typeof res.data?.chain_id !== 'number') {
    throw new Error(`GET ${redactUrl(nodeUrl)} answered HTTP ${res.status}${typeof res.data?.message === 'string' ? `: ${res.data.message}` : ''} (is it an Aptos fullnode REST URL ending in /v1?)`);
  }
  return res.data;
}

/** u64 range check for an amount going into a transaction. */
export function u64(v: bigint, what: string): bigint {
  if (v < 0n || v > U64_MAX) throw new AptosCallError(`${what} ${v} does not fit a Move u64`);
  return v;
}

/** A short message from an SDK error (AptosApiError carries the node's message in `data`). */
export function describe(err: unknown): string {
  const e = err as { message?: unknown; data?: { message?: unknown; vm_error_code?: unknown } } | null;
  const node = e?.data?.message;
  const code = e?.data?.vm_error_code;
  if (typeof node === 'string') return typeof code === 'number' ? `${node} (vm_error_code ${code})` : node;
  return typeof e?.message === 'string' ? e.message.split('\n')[0] : String(err);
}

/** The entry functions the adapter calls. */
export type EntryName = 'open_channel' | 'deposit' | 'claim' | 'close' | 'settle';

/** The module's entry-function ABIs, written out (no ABI fetch): every one is generic over the coin type. */
export function entryAbis(sdk: AptosSdk): Record<EntryName, EntryFunctionABI> {
  const { TypeTagAddress, TypeTagU64, TypeTagVector } = sdk;
  const bytes = TypeTagVector.u8();
  const abi = (...parameters: EntryFunctionABI['parameters']): EntryFunctionABI => ({ typeParameters: [{ constraints: [] }], parameters });
  return {
    open_channel: abi(new TypeTagAddress(), bytes, new TypeTagU64(), new TypeTagU64()),
    deposit: abi(bytes, new TypeTagU64()),
    claim: abi(bytes, new TypeTagU64(), new TypeTagU64(), bytes),
    close: abi(bytes),
    settle: abi(bytes),
  };
}

/** `0x<address>::<module>` and the coin type, checked. @throws AptosCallError naming the config key */
export function parseModule(sdk: AptosSdk, module: string, coin: string): { moduleAddress: string; contract: string; coinType: string } {
  const m = /^(0x[0-9a-fA-F]{1,64})::([A-Za-z_][A-Za-z0-9_]*)$/.exec(module.trim());
  if (m === null) throw new AptosCallError(`settlement.aptos.module must be '0x<address>::<module name>', got '${module}'`);
  const moduleAddress = sdk.AccountAddress.from(m[1], { maxMissingChars: 63 }).toString();
  const coinType = coin.trim();
  if (!/^0x[0-9a-fA-F]{1,64}::\w+::\w+(<.+>)?$/.test(coinType)) {
    throw new AptosCallError(`settlement.aptos.coinType must be a Move struct type like 0x1::aptos_coin::AptosCoin, got '${coinType}'`);
  }
  return { moduleAddress, contract: `${moduleAddress}::${m[2]}`, coinType };
}

/** A signed transaction: what the SDK submits, its BCS bytes and its hash. */
export interface SignedTransaction {
  transaction: SimpleTransaction;
  senderAuthenticator: AccountAuthenticator;
  bytes: Uint8Array;
  hash: string;
}

/**
 * Builds and signs an entry-function call with no network call: the payload from the written-out
 * ABI, the given sequence number, gas (octas per unit; max units) and expiry (Unix seconds).
 */
export function buildSignedTransaction(
  sdk: AptosSdk,
  account: AccountT,
  entry: { fn: `${string}::${string}::${string}`; coinType: `${string}::${string}::${string}`; abi: EntryFunctionABI; args: EntryFunctionArgumentTypes[] },
  o: { sequenceNumber: bigint; gasUnitPrice: bigint; expireTimestamp: bigint; maxGasAmount: bigint; chainId: number },
): SignedTransaction {
  const payload = sdk.generateTransactionPayloadWithABI({ function: entry.fn, typeArguments: [entry.coinType], functionArguments: entry.args, abi: entry.abi });
  const raw = new sdk.RawTransaction(account.accountAddress, o.sequenceNumber, payload, o.maxGasAmount, o.gasUnitPrice, o.expireTimestamp, new sdk.ChainId(o.chainId));
  const transaction = new sdk.SimpleTransaction(raw);
  const senderAuthenticator = account.signTransactionWithAuthenticator(transaction);
  return {
    transaction,
    senderAuthenticator,
    bytes: sdk.generateSignedTransaction({ transaction, senderAuthenticator }),
    hash: sdk.generateUserTransactionHash({ transaction, senderAuthenticator }),
  };
}
