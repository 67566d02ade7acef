/**
 * OPT-IN: AptosChain against a real Aptos node with our Move module published. Skipped unless
 * APTOS_NODE_URL is set (see src/settlement/README.md, "Aptos", for the localnet steps):
 *
 *   APTOS_NODE_URL     fullnode REST API, e.g. http://127.0.0.1:8080/v1 (aptos node run-localnet)
 *   APTOS_FAUCET_URL   faucet funding fresh test accounts (default: the node's host on port 8081)
 *   APTOS_MODULE       either the published module id `0x<addr>::payment_channel`, or the path to the
 *                      JSON of `aptos move build-publish-payload` (then APTOS_PUBLISHER_KEY, the key of
 *                      the account it was built for, publishes it first)
 *
 * Not run where it was written (no Aptos node there).
 */
import { readFileSync } from 'node:fs';
import * as sdk from '@aptos-labs/ts-sdk';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AptosCallError, AptosChain } from '../../src/settlement/chains/aptos/aptos-chain.js';

const NODE = process.env.APTOS_NODE_URL;
const MODULE = process.env.APTOS_MODULE;
const logger = pino({ level: 'silent' });
const APT = 10n ** 8n;

function faucetUrl(node: string): string {
  if (process.env.APTOS_FAUCET_URL) return process.env.APTOS_FAUCET_URL;
  const u = new URL(node);
  return `${u.protocol}//${u.hostname}:8081`;
}

/** Publishes the package from a build-publish-payload JSON; returns `0x<publisher>::payment_channel`. */
async function publish(aptos: sdk.Aptos, path: string): Promise<string> {
  const key = process.env.APTOS_PUBLISHER_KEY;
  if (!key) throw new Error(`APTOS_MODULE=${path} is a publish payload: set APTOS_PUBLISHER_KEY to the key of the account it was built for`);
  const payload = JSON.parse(readFileSync(path, 'utf8')) as { function_id: string; args: { type: string; value: string | string[] }[] };
  if (payload.function_id !== '0x1::code::publish_package_txn') throw new Error(`${path} is not a publish payload (function_id ${payload.function_id})`);
  const publisher = sdk.Account.fromPrivateKey({ privateKey: new sdk.Ed25519PrivateKey(key, false) });
  const transaction = await aptos.publishPackageTransaction({
    account: publisher.accountAddress,
    metadataBytes: payload.args[0].value as string,
    moduleBytecode: payload.args[1].value as string[],
  });
  const pending = await aptos.signAndSubmitTransaction({ signer: publisher, transaction });
  await aptos.waitForTransaction({ transactionHash: pending.hash });
  return `${publisher.accountAddress.toString()}::payment_channel`;
}

describe.skipIf(!NODE)('AptosChain on a real Aptos node (opt-in: APTOS_NODE_URL)', () => {
  let aptos: sdk.Aptos;
  let module: string | undefined;
  let alice: AptosChain;
  let bob: AptosChain;
  let skipReason: string | undefined;

  beforeAll(async () => {
    if (NODE === undefined) return;
    aptos = new sdk.Aptos(new sdk.AptosConfig({ network: sdk.Network.CUSTOM, fullnode: NODE, faucet: faucetUrl(NODE) }));
    if (!MODULE) {
      skipReason = 'APTOS_MODULE is not set: publish contracts/aptos (aptos move publish) and set APTOS_MODULE=0x<addr>::payment_channel, or point it at a build-publish-payload JSON';
      return;
    }
    module = /^0x[0-9a-fA-F]+::\w+$/.test(MODULE) ? MODULE : await publish(aptos, MODULE);
    const keys = [sdk.Ed25519PrivateKey.generate(), sdk.Ed25519PrivateKey.generate()];
    for (const k of keys) {
      const address = sdk.Account.fromPrivateKey({ privateKey: k }).accountAddress;
      await aptos.fundAccount({ accountAddress: address, amount: 10 * 10 ** 8 });
    }
    [alice, bob] = await Promise.all(keys.map((k) => AptosChain.connect({ nodeUrl: NODE, module: module as string, privateKey: k.toString(), logger, txTimeoutSecs: 60 })));
  }, 120_000);

  afterAll(() => {
    alice?.close();
    bob?.close();
  });

  it('real node: connect reads the chain id and the coin decimals', (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    expect(alice.chainId).toBeGreaterThan(0);
    expect(alice.decimals).toBe(8);
    expect(alice.contract.endsWith('::payment_channel')).toBe(true);
  });

  it('real node: open, deposit, claim with a real signature, replay refused, sender close, early settle refused', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const from = await alice.blockNumber();
    const open = await alice.openChannel(bob.address, 3600, APT);
    const polled = await alice.poll(from, []);
    expect(polled.events.map((e) => e.channelId)).toContain(open.channelId);
    await alice.setTotalDeposit(open.channelId, 2n * APT);
    let ch = await bob.getChannel(open.channelId);
    expect(ch).toMatchObject({ state: 'open', deposit: 2n * APT, claimed: 0n, publicKey: alice.publicKey, settlementTimeout: 3600 });
    expect(bob.sameAddress(ch.sender, alice.address)).toBe(true);
    const sig = alice.signBalanceProof(open.channelId, 1n, APT / 2n);
    expect(bob.verifyBalanceProof(ch, 1n, APT / 2n, sig)).toBe(true);
    const before = await bob.tokenBalance(bob.address);
    const tx = await bob.claim(open.channelId, 1n, APT / 2n, sig);
    ch = await bob.getChannel(open.channelId);
    expect([ch.claimed, ch.nonce]).toEqual([APT / 2n, 1n]);
    expect(await bob.tokenBalance(bob.address)).toBeGreaterThan(before + APT / 2n - 10n ** 6n); // minus gas
    expect(tx.gasUsed).toBeGreaterThan(0n);
    const replay = (await bob.claim(open.channelId, 1n, APT / 2n, sig).catch((e: unknown) => e)) as AptosCallError;
    expect(replay).toBeInstanceOf(AptosCallError);
    expect(replay.abort).toBe('E_NONCE_NOT_INCREASING');
    await alice.closeChannel(open.channelId);
    expect((await alice.getChannel(open.channelId)).state).toBe('closing');
    await expect(alice.settleChannel(open.channelId)).rejects.toMatchObject({ abort: 'E_SETTLE_DELAY_NOT_OVER' });
  }, 120_000);

  it('real node: receiver close settles at once', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const open = await alice.openChannel(bob.address, 3600, APT);
    await bob.closeChannel(open.channelId);
    expect((await alice.getChannel(open.channelId)).state).toBe('settled');
    expect((await alice.getChannel(`0x${'00'.repeat(32)}`)).state).toBe('none');
  }, 120_000);
});
