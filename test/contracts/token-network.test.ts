/**
 * TokenNetwork on a real chain (anvil on a free port, killed after): every function's success path
 * with real token movements, and every revert the contract can produce.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Contract} from 'ethers';
import { Signature, TypedDataEncoder, ZeroAddress, ZeroHash, type Wallet } from 'ethers';
import { loadArtifact } from '../../src/settlement/chains/evm/artifacts.js';
import { BALANCE_PROOF_TYPES, Eip712 } from '../../src/settlement/chains/evm/eip712.js';
import * as ethers from 'ethers';
import { compileAll, deploy, expectRevert, mined, startTestChain, type TestChain } from './helpers.js';

type Account = Wallet;

let chain: TestChain;
let deployer: Account;
let alice: Account; // sender (payer)
let bob: Account; // receiver (payee)
let carol: Account; // a third party
let token: Contract;
let network: Contract;
let networkAddress: string;
let domain: { name: string; version: string; chainId: number; verifyingContract: string };
const compiled = compileAll();
const HOUR = 3600;
const E = 10n ** 18n;

beforeAll(async () => {
  chain = await startTestChain();
  [deployer, alice, bob, carol] = await Promise.all([chain.account(), chain.account(), chain.account(), chain.account()]);
  token = await deploy(deployer, { ...loadArtifact('TestToken'), abi: loadArtifact('TestToken').abi }, ['Test USD', 'TUSD', 18]);
  network = await deploy(deployer, { ...loadArtifact('TokenNetwork'), abi: loadArtifact('TokenNetwork').abi }, [await token.getAddress()]);
  networkAddress = await network.getAddress();
  domain = { name: 'TokenNetwork', version: '1', chainId: chain.anvil.chainId, verifyingContract: networkAddress };
  for (const who of [alice, carol]) {
    await mined(as(token, who).mint(who.address, 1000n * E));
    await mined(as(token, who).approve(networkAddress, ethers.MaxUint256));
  }
});
afterAll(() => chain?.stop());

function as(c: Contract, who: Wallet): Contract {
  return c.connect(who) as Contract;
}

const balance = async (who: string): Promise<bigint> => (await token.balanceOf(who)) as bigint;

async function open(deposit = 100n * E, timeout = HOUR, from: Account = alice, to: string = bob.address): Promise<string> {
  const id = (await network.nextChannelId(from.address, to)) as string;
  await mined(as(network, from).openChannel(to, timeout, deposit));
  return id;
}

interface Proof {
  channelId: string;
  nonce: bigint;
  transferredAmount: bigint;
  lockedAmount: bigint;
  locksRoot: string;
}

const proof = (channelId: string, nonce: bigint, transferredAmount: bigint, extra: Partial<Proof> = {}): Proof => ({
  channelId,
  nonce,
  transferredAmount,
  lockedAmount: 0n,
  locksRoot: ZeroHash,
  ...extra,
});

const signProof = (signer: Account, p: Proof) => signer.signTypedData(domain, BALANCE_PROOF_TYPES, p);
const signWithdraw = (signer: Account, channelId: string, totalWithdrawn: bigint) =>
  signer.signTypedData(domain, { Withdraw: [{ name: 'channelId', type: 'bytes32' }, { name: 'totalWithdrawn', type: 'uint256' }] }, { channelId, totalWithdrawn });
const signClose = (signer: Account, channelId: string, transferredAmount: bigint) =>
  signer.signTypedData(
    domain,
    { CooperativeClose: [{ name: 'channelId', type: 'bytes32' }, { name: 'transferredAmount', type: 'uint256' }] },
    { channelId, transferredAmount },
  );

const state = async (id: string) => {
  const c = await network.getChannel(id);
  return { state: Number(c.state), deposit: c.deposit as bigint, withdrawn: c.withdrawn as bigint, claimed: c.claimed as bigint, nonce: c.nonce as bigint };
};

describe('EIP-712', () => {
  it('our hand-encoded digests equal ethers TypedDataEncoder and the contract', async () => {
    const id = await open(1n);
    const e = new Eip712(ethers, chain.anvil.chainId, networkAddress);
    expect(e.domainSeparator).toBe(await network.domainSeparator());
    expect(e.domainSeparator).toBe(TypedDataEncoder.hashDomain(domain));
    const p = proof(id, 7n, 123456789n);
    expect(e.balanceProof(id, 7n, 123456789n)).toBe(TypedDataEncoder.hash(domain, BALANCE_PROOF_TYPES, p));
    expect(e.balanceProof(id, 7n, 123456789n)).toBe(await network.balanceProofDigest(p));
    const w = { Withdraw: [{ name: 'channelId', type: 'bytes32' }, { name: 'totalWithdrawn', type: 'uint256' }] };
    expect(e.withdraw(id, 5n)).toBe(TypedDataEncoder.hash(domain, w, { channelId: id, totalWithdrawn: 5n }));
    const c = { CooperativeClose: [{ name: 'channelId', type: 'bytes32' }, { name: 'transferredAmount', type: 'uint256' }] };
    expect(e.cooperativeClose(id, 9n)).toBe(TypedDataEncoder.hash(domain, c, { channelId: id, transferredAmount: 9n }));
  });
});

describe('constructor and openChannel', () => {
  it('refuses a token that is not a contract', async () => {
    await expectRevert(deploy(deployer, { ...loadArtifact('TokenNetwork'), abi: loadArtifact('TokenNetwork').abi }, [carol.address]), 'InvalidToken');
  });

  it('opens with an initial deposit pulled from the sender, ids from nextChannelId', async () => {
    const before = await balance(alice.address);
    const id = await open(40n * E);
    expect(await balance(alice.address)).toBe(before - 40n * E);
    const c = await network.getChannel(id);
    expect([c.sender, c.receiver, Number(c.settlementTimeout), Number(c.state), c.deposit]).toEqual([alice.address, bob.address, HOUR, 1, 40n * E]);
    const empty = await open(0n);
    expect((await state(empty)).deposit).toBe(0n);
    expect(empty).not.toBe(id);
  });

  it('reverts InvalidReceiver (zero address, self) and InvalidSettlementTimeout (below 1 h, above 365 days)', async () => {
    await expectRevert(as(network, alice).openChannel(ZeroAddress, HOUR, 0), 'InvalidReceiver');
    await expectRevert(as(network, alice).openChannel(alice.address, HOUR, 0), 'InvalidReceiver');
    await expectRevert(as(network, alice).openChannel(bob.address, HOUR - 1, 0), 'InvalidSettlementTimeout');
    await expectRevert(as(network, alice).openChannel(bob.address, 365 * 24 * HOUR + 1, 0), 'InvalidSettlementTimeout');
  });
});

describe('setTotalDeposit', () => {
  it('raises the cumulative deposit; anyone may fund', async () => {
    const id = await open(10n * E);
    await mined(as(network, alice).setTotalDeposit(id, 15n * E));
    const carolBefore = await balance(carol.address);
    await mined(as(network, carol).setTotalDeposit(id, 20n * E));
    expect(await balance(carol.address)).toBe(carolBefore - 5n * E);
    expect((await state(id)).deposit).toBe(20n * E);
  });

  it('reverts ChannelNotFound, DepositNotIncreasing, InvalidChannelState (closing)', async () => {
    await expectRevert(as(network, alice).setTotalDeposit(ZeroHash, 1), 'ChannelNotFound');
    const id = await open(10n * E);
    await expectRevert(as(network, alice).setTotalDeposit(id, 10n * E), 'DepositNotIncreasing');
    await mined(as(network, alice).closeChannel(id));
    await expectRevert(as(network, alice).setTotalDeposit(id, 11n * E), 'InvalidChannelState');
  });
});

describe('claim', () => {
  it('pays the receiver the increase of each newer proof, while open and while closing', async () => {
    const id = await open(100n * E);
    const before = await balance(bob.address);
    await mined(as(network, bob).claim(id, proof(id, 1n, 10n * E), await signProof(alice, proof(id, 1n, 10n * E))));
    expect(await balance(bob.address)).toBe(before + 10n * E);
    // nonces may skip; the receiver gets the difference only
    await mined(as(network, bob).claim(id, proof(id, 5n, 25n * E), await signProof(alice, proof(id, 5n, 25n * E))));
    expect(await balance(bob.address)).toBe(before + 25n * E);
    await mined(as(network, alice).closeChannel(id));
    await mined(as(network, bob).claim(id, proof(id, 6n, 30n * E), await signProof(alice, proof(id, 6n, 30n * E))));
    expect(await balance(bob.address)).toBe(before + 30n * E);
    expect(await state(id)).toMatchObject({ claimed: 30n * E, nonce: 6n, state: 2 });
  });

  it('reverts ChannelNotFound, NotReceiver, InvalidChannelState (settled)', async () => {
    const p = proof(ZeroHash, 1n, 1n);
    await expectRevert(as(network, bob).claim(ZeroHash, p, await signProof(alice, p)), 'ChannelNotFound');
    const id = await open(10n * E);
    const q = proof(id, 1n, 1n);
    const sig = await signProof(alice, q);
    await expectRevert(as(network, carol).claim(id, q, sig), 'NotReceiver');
    await expectRevert(as(network, alice).claim(id, q, sig), 'NotReceiver');
    await mined(as(network, bob).closeChannel(id)); // the receiver's close settles at once
    await expectRevert(as(network, bob).claim(id, q, sig), 'InvalidChannelState');
  });

  it('reverts InvalidBalanceProof: another channel id, a locked amount, a locks root', async () => {
    const id = await open(10n * E);
    const other = await open(10n * E);
    for (const p of [proof(other, 1n, 1n), proof(id, 1n, 1n, { lockedAmount: 1n }), proof(id, 1n, 1n, { locksRoot: `0x${'11'.repeat(32)}` })]) {
      await expectRevert(as(network, bob).claim(id, p, await signProof(alice, p)), 'InvalidBalanceProof');
    }
  });

  it('reverts InvalidSignature: wrong signer, bad length, high s, bad v, unrecoverable', async () => {
    const id = await open(10n * E);
    const p = proof(id, 1n, 1n * E);
    await expectRevert(as(network, bob).claim(id, p, await signProof(bob, p)), 'InvalidSignature');
    await expectRevert(as(network, bob).claim(id, p, await signProof(carol, p)), 'InvalidSignature');
    const good = Signature.from(await signProof(alice, p));
    await expectRevert(as(network, bob).claim(id, p, good.serialized.slice(0, 130)), 'InvalidSignature');
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const highS = ethers.concat([good.r, ethers.toBeHex(n - BigInt(good.s), 32), ethers.toBeHex(good.v === 27 ? 28 : 27, 1)]);
    await expectRevert(as(network, bob).claim(id, p, highS), 'InvalidSignature');
    await expectRevert(as(network, bob).claim(id, p, ethers.concat([good.r, good.s, '0x01'])), 'InvalidSignature');
    await expectRevert(as(network, bob).claim(id, p, ethers.concat([ZeroHash, good.s, ethers.toBeHex(good.v, 1)])), 'InvalidSignature');
    // the good one still works
    await mined(as(network, bob).claim(id, p, good.serialized));
  });

  it('reverts InvalidNonce (replayed or older proof), NothingToClaim (no increase), InsufficientDeposit (above the deposit)', async () => {
    const id = await open(10n * E);
    const p2 = proof(id, 2n, 4n * E);
    await mined(as(network, bob).claim(id, p2, await signProof(alice, p2)));
    await expectRevert(as(network, bob).claim(id, p2, await signProof(alice, p2)), 'InvalidNonce');
    const p1 = proof(id, 1n, 3n * E);
    await expectRevert(as(network, bob).claim(id, p1, await signProof(alice, p1)), 'InvalidNonce');
    const same = proof(id, 3n, 4n * E);
    await expectRevert(as(network, bob).claim(id, same, await signProof(alice, same)), 'NothingToClaim');
    const tooMuch = proof(id, 4n, 10n * E + 1n);
    await expectRevert(as(network, bob).claim(id, tooMuch, await signProof(alice, tooMuch)), 'InsufficientDeposit');
  });
});

describe('withdraw', () => {
  it("returns unused deposit to the sender with the receiver's consent; claims are then capped", async () => {
    const id = await open(10n * E);
    const before = await balance(alice.address);
    await mined(as(network, alice).withdraw(id, 4n * E, await signWithdraw(bob, id, 4n * E)));
    expect(await balance(alice.address)).toBe(before + 4n * E);
    const over = proof(id, 1n, 6n * E + 1n);
    await expectRevert(as(network, bob).claim(id, over, await signProof(alice, over)), 'InsufficientDeposit');
    const ok = proof(id, 1n, 6n * E);
    await mined(as(network, bob).claim(id, ok, await signProof(alice, ok)));
  });

  it('reverts ChannelNotFound, NotSender, WithdrawNotIncreasing, InsufficientDeposit, InvalidSignature, InvalidChannelState', async () => {
    await expectRevert(as(network, alice).withdraw(ZeroHash, 1, await signWithdraw(bob, ZeroHash, 1n)), 'ChannelNotFound');
    const id = await open(10n * E);
    const p = proof(id, 1n, 3n * E);
    await mined(as(network, bob).claim(id, p, await signProof(alice, p)));
    await expectRevert(as(network, bob).withdraw(id, 1n, await signWithdraw(bob, id, 1n)), 'NotSender');
    await expectRevert(as(network, alice).withdraw(id, 0n, await signWithdraw(bob, id, 0n)), 'WithdrawNotIncreasing');
    await expectRevert(as(network, alice).withdraw(id, 7n * E + 1n, await signWithdraw(bob, id, 7n * E + 1n)), 'InsufficientDeposit');
    await expectRevert(as(network, alice).withdraw(id, 1n, await signWithdraw(alice, id, 1n)), 'InvalidSignature');
    await expectRevert(as(network, alice).withdraw(id, 2n, await signWithdraw(bob, id, 1n)), 'InvalidSignature');
    await mined(as(network, alice).closeChannel(id));
    await expectRevert(as(network, alice).withdraw(id, 1n, await signWithdraw(bob, id, 1n)), 'InvalidChannelState');
  });
});

describe('close and settle', () => {
  it("the sender's close starts the challenge period; settle after it refunds what was not claimed", async () => {
    const id = await open(10n * E);
    const p = proof(id, 1n, 3n * E);
    await mined(as(network, bob).claim(id, p, await signProof(alice, p)));
    await mined(as(network, alice).closeChannel(id));
    await expectRevert(as(network, carol).settleChannel(id), 'SettlementTimeoutNotExpired');
    await chain.advance(HOUR);
    const before = await balance(alice.address);
    await mined(as(network, carol).settleChannel(id)); // anyone may settle
    expect(await balance(alice.address)).toBe(before + 7n * E);
    expect((await state(id)).state).toBe(3);
  });

  it("the receiver's close settles at once", async () => {
    const id = await open(10n * E);
    const before = await balance(alice.address);
    await mined(as(network, bob).closeChannel(id));
    expect(await balance(alice.address)).toBe(before + 10n * E);
    expect((await state(id)).state).toBe(3);
  });

  it('reverts ChannelNotFound, NotParticipant, InvalidChannelState (close twice, settle while open or settled)', async () => {
    await expectRevert(as(network, alice).closeChannel(ZeroHash), 'ChannelNotFound');
    await expectRevert(as(network, alice).settleChannel(ZeroHash), 'ChannelNotFound');
    const id = await open(1n * E);
    await expectRevert(as(network, carol).closeChannel(id), 'NotParticipant');
    await expectRevert(as(network, carol).settleChannel(id), 'InvalidChannelState');
    await mined(as(network, alice).closeChannel(id));
    await expectRevert(as(network, alice).closeChannel(id), 'InvalidChannelState');
    await chain.advance(HOUR);
    await mined(as(network, alice).settleChannel(id));
    await expectRevert(as(network, alice).settleChannel(id), 'InvalidChannelState');
  });
});

describe('cooperativeClose', () => {
  it('pays the receiver up to the agreed amount and refunds the rest at once; anyone may submit', async () => {
    const id = await open(10n * E);
    const p = proof(id, 1n, 2n * E);
    await mined(as(network, bob).claim(id, p, await signProof(alice, p)));
    const [a, b] = [await balance(alice.address), await balance(bob.address)];
    await mined(as(network, carol).cooperativeClose(id, 5n * E, await signClose(alice, id, 5n * E), await signClose(bob, id, 5n * E)));
    expect(await balance(bob.address)).toBe(b + 3n * E);
    expect(await balance(alice.address)).toBe(a + 5n * E);
    expect(await state(id)).toMatchObject({ state: 3, claimed: 5n * E });
  });

  it('reverts ChannelNotFound, InvalidBalanceProof (below claimed), InsufficientDeposit, InvalidSignature (either side), InvalidChannelState', async () => {
    await expectRevert(as(network, carol).cooperativeClose(ZeroHash, 1, await signClose(alice, ZeroHash, 1n), await signClose(bob, ZeroHash, 1n)), 'ChannelNotFound');
    const id = await open(10n * E);
    const p = proof(id, 1n, 2n * E);
    await mined(as(network, bob).claim(id, p, await signProof(alice, p)));
    const both = async (amount: bigint) => [await signClose(alice, id, amount), await signClose(bob, id, amount)] as const;
    await expectRevert(as(network, carol).cooperativeClose(id, 1n * E, ...(await both(1n * E))), 'InvalidBalanceProof');
    await expectRevert(as(network, carol).cooperativeClose(id, 10n * E + 1n, ...(await both(10n * E + 1n))), 'InsufficientDeposit');
    await expectRevert(as(network, carol).cooperativeClose(id, 3n * E, await signClose(carol, id, 3n * E), await signClose(bob, id, 3n * E)), 'InvalidSignature');
    await expectRevert(as(network, carol).cooperativeClose(id, 3n * E, await signClose(alice, id, 3n * E), await signClose(alice, id, 3n * E)), 'InvalidSignature');
    await mined(as(network, carol).cooperativeClose(id, 2n * E, ...(await both(2n * E))));
    await expectRevert(as(network, carol).cooperativeClose(id, 2n * E, ...(await both(2n * E))), 'InvalidChannelState');
  });
});

describe('misbehaving tokens', () => {
  let bad: Contract;
  let badNetwork: Contract;
  beforeAll(async () => {
    bad = await deploy(deployer, compiled.contracts.BadToken);
    badNetwork = await deploy(deployer, { ...loadArtifact('TokenNetwork'), abi: loadArtifact('TokenNetwork').abi }, [await bad.getAddress()]);
    await mined(as(bad, alice).mint(alice.address, 1000n * E));
    await mined(as(bad, alice).approve(await badNetwork.getAddress(), ethers.MaxUint256));
  });
  const setMode = (m: number) => mined(as(bad, deployer).setMode(m));

  it('a token answering false or reverting: TokenTransferFailed', async () => {
    await setMode(1);
    await expectRevert(as(badNetwork, alice).openChannel(bob.address, HOUR, 1n), 'TokenTransferFailed');
    await setMode(2);
    await expectRevert(as(badNetwork, alice).openChannel(bob.address, HOUR, 1n), 'TokenTransferFailed');
    await setMode(6); // balanceOf reverts
    await expectRevert(as(badNetwork, alice).openChannel(bob.address, HOUR, 1n), 'TokenTransferFailed');
    await setMode(0);
  });

  it('a fee-on-transfer token: TokenTransferMismatch; a token returning nothing works', async () => {
    await setMode(3);
    await expectRevert(as(badNetwork, alice).openChannel(bob.address, HOUR, 100n), 'TokenTransferMismatch');
    await setMode(4);
    await mined(as(badNetwork, alice).openChannel(bob.address, HOUR, 100n));
    await setMode(0);
  });

  it('a reentrant token call: Reentrancy (recorded by the token, the outer call fails closed)', async () => {
    const networkAt = await badNetwork.getAddress();
    const id = (await badNetwork.nextChannelId(alice.address, bob.address)) as string;
    await mined(as(badNetwork, alice).openChannel(bob.address, HOUR, 10n));
    await mined(as(bad, deployer).setReentry(networkAt, id));
    await setMode(5);
    const p = proof(id, 1n, 5n);
    const d = { ...domain, verifyingContract: networkAt };
    await mined(as(badNetwork, bob).claim(id, p, await alice.signTypedData(d, BALANCE_PROOF_TYPES, p)));
    const selector = badNetwork.interface.getError('Reentrancy')!.selector;
    expect(await bad.reentryError()).toBe(selector);
    await setMode(0);
  });
});

describe('TestToken', () => {
  it('mints to anyone, keeps an infinite allowance, reverts InvalidRecipient, InsufficientBalance, InsufficientAllowance', async () => {
    await expectRevert(as(token, carol).mint(ZeroAddress, 1n), 'InvalidRecipient');
    await expectRevert(as(token, carol).transfer(ZeroAddress, 1n), 'InvalidRecipient');
    await expectRevert(as(token, bob).transfer(carol.address, (await balance(bob.address)) + 1n), 'InsufficientBalance');
    await expectRevert(as(token, bob).transferFrom(carol.address, bob.address, 1n), 'InsufficientAllowance');
    await mined(as(token, carol).approve(bob.address, 5n));
    await mined(as(token, bob).transferFrom(carol.address, bob.address, 5n));
    expect(await token.allowance(carol.address, bob.address)).toBe(0n);
    expect(await token.allowance(alice.address, networkAddress)).toBe(ethers.MaxUint256);
    expect(await token.decimals()).toBe(18n);
  });
});
