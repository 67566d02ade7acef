/// One-way payment channels for agent-runtime's off-chain settlement (ILP connector), on Aptos.
///
/// The sender (payer) opens a channel to a receiver (payee), funds it with coins of `CoinType` and,
/// off-chain, signs claims: Ed25519 signatures over the BCS of `ClaimMessage` (a domain prefix, the
/// chain id, this module's address, the channel id, the cumulative amount and a nonce). The receiver
/// redeems the best claim it holds with `claim`, which pays `amount - claimed`; the nonce must grow.
/// `close` by the sender starts the settle delay, after which anyone may `settle` (the rest of the
/// deposit goes back to the sender); `close` by the receiver settles at once.
///
/// NOT compiled or run where it was written (no Move compiler there): see ../README.md.
module agent_runtime::payment_channel {
    use std::bcs;
    use std::hash;
    use std::option;
    use std::signer;
    use std::vector;
    use aptos_std::ed25519;
    use aptos_std::table::{Self, Table};
    use aptos_framework::aptos_account;
    use aptos_framework::aptos_coin::AptosCoin;
    use aptos_framework::chain_id;
    use aptos_framework::coin::{Self, Coin};
    use aptos_framework::event;
    use aptos_framework::timestamp;
    #[test_only]
    use aptos_framework::account;
    #[test_only]
    use aptos_framework::coin::{BurnCapability, MintCapability};

    // ------------------------------------------------------------------ abort codes
    // (src/settlement/chains/aptos/aptos-chain.ts maps these numbers to words: keep both in step)

    /// Only the module publisher may initialize a coin type.
    const E_NOT_PUBLISHER: u64 = 1;
    /// The module holds no channels for this coin type (the publisher must call initialize<CoinType>).
    const E_NOT_INITIALIZED: u64 = 2;
    /// This coin type is already initialized.
    const E_ALREADY_INITIALIZED: u64 = 3;
    /// No such channel.
    const E_CHANNEL_NOT_FOUND: u64 = 4;
    /// The receiver must be another account than the sender.
    const E_INVALID_RECEIVER: u64 = 5;
    /// The settle delay is outside MIN_SETTLE_DELAY..MAX_SETTLE_DELAY.
    const E_INVALID_SETTLE_DELAY: u64 = 6;
    /// The public key is not a valid 32-byte Ed25519 key.
    const E_INVALID_PUBLIC_KEY: u64 = 7;
    /// Only the channel sender may do this.
    const E_NOT_SENDER: u64 = 8;
    /// Only the channel receiver may claim.
    const E_NOT_RECEIVER: u64 = 9;
    /// Only the sender or the receiver may close the channel.
    const E_NOT_PARTICIPANT: u64 = 10;
    /// The channel is not in a state that allows this.
    const E_INVALID_STATE: u64 = 11;
    /// The amount must be above zero.
    const E_ZERO_AMOUNT: u64 = 12;
    /// The claim signature does not verify against the channel's public key.
    const E_INVALID_SIGNATURE: u64 = 13;
    /// The claim nonce is not above the last redeemed nonce.
    const E_NONCE_NOT_INCREASING: u64 = 14;
    /// The claim amount is not above what was already claimed.
    const E_NOTHING_TO_CLAIM: u64 = 15;
    /// The claim amount is above the channel deposit.
    const E_INSUFFICIENT_DEPOSIT: u64 = 16;
    /// The settle delay after the sender closed has not passed yet.
    const E_SETTLE_DELAY_NOT_OVER: u64 = 17;
    /// The channel id is not 32 bytes.
    const E_INVALID_CHANNEL_ID: u64 = 18;

    // ------------------------------------------------------------------ constants

    const STATE_OPEN: u8 = 1;
    const STATE_CLOSING: u8 = 2;
    const STATE_SETTLED: u8 = 3;

    /// One hour .. one year, in seconds (as the EVM TokenNetwork).
    const MIN_SETTLE_DELAY: u64 = 3600;
    const MAX_SETTLE_DELAY: u64 = 31536000;

    /// The first field of every ClaimMessage.
    const CLAIM_DOMAIN: vector<u8> = b"agent_runtime::payment_channel::ClaimMessage";

    // ------------------------------------------------------------------ data

    /// What the sender signs (its BCS bytes). Field order is the wire format: do not reorder.
    struct ClaimMessage has copy, drop {
        domain: vector<u8>,
        chain_id: u8,
        module_address: address,
        channel_id: vector<u8>,
        /// Cumulative amount paid to the receiver, base units.
        amount: u64,
        nonce: u64,
    }

    struct Channel<phantom CoinType> has store {
        sender: address,
        receiver: address,
        /// The Ed25519 key the sender's claims verify against (32 bytes).
        public_key: vector<u8>,
        settle_delay: u64,
        state: u8,
        /// When the sender closed it (seconds), 0 otherwise.
        closed_at: u64,
        /// Cumulative deposit.
        deposit: u64,
        /// Cumulative amount paid to the receiver.
        claimed: u64,
        /// Nonce of the last redeemed claim.
        nonce: u64,
        /// The coins still held: deposit - claimed while open or closing, zero once settled.
        funds: Coin<CoinType>,
    }

    /// The channels of one coin type, under the module's address.
    struct Channels<phantom CoinType> has key {
        channels: Table<vector<u8>, Channel<CoinType>>,
    }

    /// One counter for every coin type, so channel ids never repeat across coin types (a claim names
    /// the channel id only).
    struct Registry has key {
        next_counter: u64,
    }

    // ------------------------------------------------------------------ events

    #[event]
    struct ChannelOpened has drop, store {
        channel_id: vector<u8>,
        sender: address,
        receiver: address,
        settle_delay: u64,
        deposit: u64,
    }

    #[event]
    struct ChannelDeposited has drop, store {
        channel_id: vector<u8>,
        added: u64,
        total: u64,
    }

    #[event]
    struct ChannelClaimed has drop, store {
        channel_id: vector<u8>,
        paid: u64,
        claimed: u64,
        nonce: u64,
    }

    #[event]
    struct ChannelClosing has drop, store {
        channel_id: vector<u8>,
        closed_by: address,
        settles_at: u64,
    }

    #[event]
    struct ChannelSettled has drop, store {
        channel_id: vector<u8>,
        claimed: u64,
        refund: u64,
    }

    // ------------------------------------------------------------------ setup

    /// On publish: the counter and the AptosCoin channel table.
    fun init_module(publisher: &signer) {
        move_to(publisher, Registry { next_counter: 0 });
        move_to(publisher, Channels<AptosCoin> { channels: table::new() });
    }

    /// Opens channels in another coin type. Publisher only.
    public entry fun initialize<CoinType>(publisher: &signer) {
        assert!(signer::address_of(publisher) == @agent_runtime, E_NOT_PUBLISHER);
        assert!(!exists<Channels<CoinType>>(@agent_runtime), E_ALREADY_INITIALIZED);
        move_to(publisher, Channels<CoinType> { channels: table::new() });
    }

    // ------------------------------------------------------------------ entry functions

    /// Opens a channel from the signer to `receiver`, funded with `deposit` (may be 0). Claims must be
    /// signed by the Ed25519 key `public_key`. The id is sha3-256(bcs(sender) ‖ bcs(receiver) ‖ bcs(counter)).
    public entry fun open_channel<CoinType>(
        sender: &signer,
        receiver: address,
        public_key: vector<u8>,
        deposit: u64,
        settle_delay: u64,
    ) acquires Registry, Channels {
        let sender_addr = signer::address_of(sender);
        assert!(receiver != sender_addr, E_INVALID_RECEIVER);
        assert!(settle_delay >= MIN_SETTLE_DELAY && settle_delay <= MAX_SETTLE_DELAY, E_INVALID_SETTLE_DELAY);
        assert!(vector::length(&public_key) == 32, E_INVALID_PUBLIC_KEY);
        assert!(option::is_some(&ed25519::new_validated_public_key_from_bytes(public_key)), E_INVALID_PUBLIC_KEY);
        assert!(exists<Channels<CoinType>>(@agent_runtime), E_NOT_INITIALIZED);

        let registry = borrow_global_mut<Registry>(@agent_runtime);
        let counter = registry.next_counter;
        registry.next_counter = counter + 1;
        let channel_id = compute_channel_id(sender_addr, receiver, counter);

        let funds = if (deposit > 0) coin::withdraw<CoinType>(sender, deposit) else coin::zero<CoinType>();
        let channels = &mut borrow_global_mut<Channels<CoinType>>(@agent_runtime).channels;
        table::add(channels, channel_id, Channel<CoinType> {
            sender: sender_addr,
            receiver,
            public_key,
            settle_delay,
            state: STATE_OPEN,
            closed_at: 0,
            deposit,
            claimed: 0,
            nonce: 0,
            funds,
        });
        event::emit(ChannelOpened { channel_id, sender: sender_addr, receiver, settle_delay, deposit });
    }

    /// The sender adds `amount` to an open channel.
    public entry fun deposit<CoinType>(sender: &signer, channel_id: vector<u8>, amount: u64) acquires Channels {
        assert!(amount > 0, E_ZERO_AMOUNT);
        let c = borrow_channel_mut<CoinType>(channel_id);
        assert!(c.state == STATE_OPEN, E_INVALID_STATE);
        assert!(signer::address_of(sender) == c.sender, E_NOT_SENDER);
        coin::merge(&mut c.funds, coin::withdraw<CoinType>(sender, amount));
        c.deposit = c.deposit + amount;
        event::emit(ChannelDeposited { channel_id, added: amount, total: c.deposit });
    }

    /// The receiver redeems a claim signed by the channel's key: it is paid `amount - claimed`.
    /// Allowed while the channel is open or closing.
    public entry fun claim<CoinType>(
        receiver: &signer,
        channel_id: vector<u8>,
        amount: u64,
        nonce: u64,
        signature: vector<u8>,
    ) acquires Channels {
        let c = borrow_channel_mut<CoinType>(channel_id);
        assert!(c.state == STATE_OPEN || c.state == STATE_CLOSING, E_INVALID_STATE);
        assert!(signer::address_of(receiver) == c.receiver, E_NOT_RECEIVER);
        assert!(vector::length(&signature) == 64, E_INVALID_SIGNATURE);
        let message = claim_message_bytes(chain_id::get(), channel_id, amount, nonce);
        let sig = ed25519::new_signature_from_bytes(signature);
        let key = ed25519::new_unvalidated_public_key_from_bytes(c.public_key);
        assert!(ed25519::signature_verify_strict(&sig, &key, message), E_INVALID_SIGNATURE);
        assert!(nonce > c.nonce, E_NONCE_NOT_INCREASING);
        assert!(amount > c.claimed, E_NOTHING_TO_CLAIM);
        assert!(amount <= c.deposit, E_INSUFFICIENT_DEPOSIT);
        let paid = amount - c.claimed;
        c.claimed = amount;
        c.nonce = nonce;
        aptos_account::deposit_coins<CoinType>(c.receiver, coin::extract(&mut c.funds, paid));
        event::emit(ChannelClaimed { channel_id, paid, claimed: amount, nonce });
    }

    /// Sender: starts the settle delay. Receiver: settles at once (nothing more is paid to it; the
    /// rest goes back to the sender).
    public entry fun close<CoinType>(caller: &signer, channel_id: vector<u8>) acquires Channels {
        let c = borrow_channel_mut<CoinType>(channel_id);
        assert!(c.state == STATE_OPEN, E_INVALID_STATE);
        let who = signer::address_of(caller);
        let now = timestamp::now_seconds();
        if (who == c.sender) {
            c.state = STATE_CLOSING;
            c.closed_at = now;
            event::emit(ChannelClosing { channel_id, closed_by: who, settles_at: now + c.settle_delay });
        } else if (who == c.receiver) {
            event::emit(ChannelClosing { channel_id, closed_by: who, settles_at: now });
            settle_channel(channel_id, c);
        } else {
            abort E_NOT_PARTICIPANT
        }
    }

    /// After the settle delay of the sender's close: ends the channel and refunds the sender. Anyone may call it.
    public entry fun settle<CoinType>(channel_id: vector<u8>) acquires Channels {
        let c = borrow_channel_mut<CoinType>(channel_id);
        assert!(c.state == STATE_CLOSING, E_INVALID_STATE);
        assert!(timestamp::now_seconds() >= c.closed_at + c.settle_delay, E_SETTLE_DELAY_NOT_OVER);
        settle_channel(channel_id, c);
    }

    // ------------------------------------------------------------------ views

    /// (exists, sender, receiver, public_key, settle_delay, state, closed_at, deposit, claimed, nonce);
    /// state 1 open, 2 closing, 3 settled. A missing channel reads (false, @0x0, @0x0, x"", 0, …).
    #[view]
    public fun get_channel<CoinType>(
        channel_id: vector<u8>,
    ): (bool, address, address, vector<u8>, u64, u8, u64, u64, u64, u64) acquires Channels {
        assert!(exists<Channels<CoinType>>(@agent_runtime), E_NOT_INITIALIZED);
        let channels = &borrow_global<Channels<CoinType>>(@agent_runtime).channels;
        if (!table::contains(channels, channel_id)) {
            return (false, @0x0, @0x0, vector::empty<u8>(), 0, 0, 0, 0, 0, 0)
        };
        let c = table::borrow(channels, channel_id);
        (true, c.sender, c.receiver, c.public_key, c.settle_delay, c.state, c.closed_at, c.deposit, c.claimed, c.nonce)
    }

    /// The id the next channel from `sender` to `receiver` will get.
    #[view]
    public fun next_channel_id(sender: address, receiver: address): vector<u8> acquires Registry {
        compute_channel_id(sender, receiver, borrow_global<Registry>(@agent_runtime).next_counter)
    }

    /// sha3-256(bcs(sender) ‖ bcs(receiver) ‖ bcs(counter)).
    public fun compute_channel_id(sender: address, receiver: address, counter: u64): vector<u8> {
        let bytes = bcs::to_bytes(&sender);
        vector::append(&mut bytes, bcs::to_bytes(&receiver));
        vector::append(&mut bytes, bcs::to_bytes(&counter));
        hash::sha3_256(bytes)
    }

    /// The bytes a claim signature covers, on this chain and for this module.
    public fun claim_message_bytes(chain: u8, channel_id: vector<u8>, amount: u64, nonce: u64): vector<u8> {
        bcs::to_bytes(&ClaimMessage {
            domain: CLAIM_DOMAIN,
            chain_id: chain,
            module_address: @agent_runtime,
            channel_id,
            amount,
            nonce,
        })
    }

    // ------------------------------------------------------------------ internals

    fun borrow_channel_mut<CoinType>(channel_id: vector<u8>): &mut Channel<CoinType> acquires Channels {
        assert!(vector::length(&channel_id) == 32, E_INVALID_CHANNEL_ID);
        assert!(exists<Channels<CoinType>>(@agent_runtime), E_NOT_INITIALIZED);
        let channels = &mut borrow_global_mut<Channels<CoinType>>(@agent_runtime).channels;
        assert!(table::contains(channels, channel_id), E_CHANNEL_NOT_FOUND);
        table::borrow_mut(channels, channel_id)
    }

    fun settle_channel<CoinType>(channel_id: vector<u8>, c: &mut Channel<CoinType>) {
        let refund = coin::value(&c.funds);
        c.state = STATE_SETTLED;
        event::emit(ChannelSettled { channel_id, claimed: c.claimed, refund });
        if (refund > 0) {
            aptos_account::deposit_coins<CoinType>(c.sender, coin::extract_all(&mut c.funds));
        }
    }

    // ------------------------------------------------------------------ tests
    // The hex literals below are test/fixtures/aptos-claim-message.json's; aptos-claim.test.ts checks
    // that this file still holds them.

    #[test]
    fun claim_message_matches_fixture() {
        // fixture: claim
        let message = ClaimMessage {
            domain: CLAIM_DOMAIN,
            chain_id: 4,
            module_address: @0xcafe,
            channel_id: x"93bc56de89348826cb7cd305e7210d277ddba3417ba39f6ddd03d5c26f08ed37",
            amount: 123456789,
            nonce: 7,
        };
        // fixture: expectedBcs
        let expected = x"2c6167656e745f72756e74696d653a3a7061796d656e745f6368616e6e656c3a3a436c61696d4d65737361676504000000000000000000000000000000000000000000000000000000000000cafe2093bc56de89348826cb7cd305e7210d277ddba3417ba39f6ddd03d5c26f08ed3715cd5b07000000000700000000000000";
        assert!(bcs::to_bytes(&message) == expected, 0);
        // dev-addresses set agent_runtime = 0xcafe, so the module's own builder gives the same bytes
        assert!(claim_message_bytes(4, x"93bc56de89348826cb7cd305e7210d277ddba3417ba39f6ddd03d5c26f08ed37", 123456789, 7) == expected, 1);
        // fixture: signer (the TypeScript adapter's signature of these bytes)
        let sig = ed25519::new_signature_from_bytes(x"473593761dfbc6c1ac98719d18a3174f759e9df4268d075017ac2782c5e269c0db6bf19dcfb4d2784a1daf84c6d17a4de57ce92afb322fa31cd7783b49e9d50a");
        let key = ed25519::new_unvalidated_public_key_from_bytes(x"8146640f02493af4fbc54fe33388e75dc2c937ae0b7727cc2b2afb1b75199a3e");
        assert!(ed25519::signature_verify_strict(&sig, &key, expected), 2);
    }

    #[test]
    fun channel_id_matches_fixture() {
        // fixture: channel
        let id = compute_channel_id(
            @0xa1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1,
            @0xb2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2,
            0,
        );
        assert!(id == x"93bc56de89348826cb7cd305e7210d277ddba3417ba39f6ddd03d5c26f08ed37", 0);
    }

    #[test_only]
    const TEST_CHAIN_ID: u8 = 4;

    /// Framework, clock, chain id, the module, two funded accounts; returns the capabilities to drop.
    #[test_only]
    fun set_up(framework: &signer, publisher: &signer, sender: &signer, receiver: &signer): (BurnCapability<AptosCoin>, MintCapability<AptosCoin>) {
        timestamp::set_time_has_started_for_testing(framework);
        chain_id::initialize_for_test(framework, TEST_CHAIN_ID);
        let (burn, mint) = aptos_framework::aptos_coin::initialize_for_test(framework);
        account::create_account_for_test(signer::address_of(publisher));
        account::create_account_for_test(signer::address_of(sender));
        account::create_account_for_test(signer::address_of(receiver));
        aptos_account::deposit_coins(signer::address_of(sender), coin::mint<AptosCoin>(1000000, &mint));
        init_module(publisher);
        (burn, mint)
    }

    #[test_only]
    fun drop_caps(burn: BurnCapability<AptosCoin>, mint: MintCapability<AptosCoin>) {
        coin::destroy_burn_cap(burn);
        coin::destroy_mint_cap(mint);
    }

    #[test(framework = @aptos_framework, publisher = @agent_runtime, sender = @0xa11ce, receiver = @0xb0b)]
    fun open_claim_close_settle(framework: &signer, publisher: &signer, sender: &signer, receiver: &signer) acquires Registry, Channels {
        let (burn, mint) = set_up(framework, publisher, sender, receiver);
        let (sk, pk) = ed25519::generate_keys();
        let s = signer::address_of(sender);
        let r = signer::address_of(receiver);
        let id = next_channel_id(s, r);
        open_channel<AptosCoin>(sender, r, ed25519::validated_public_key_to_bytes(&pk), 1000, 3600);
        deposit<AptosCoin>(sender, id, 500);
        assert!(coin::balance<AptosCoin>(s) == 1000000 - 1500, 10);

        let sig = ed25519::sign_arbitrary_bytes(&sk, claim_message_bytes(TEST_CHAIN_ID, id, 400, 1));
        claim<AptosCoin>(receiver, id, 400, 1, ed25519::signature_to_bytes(&sig));
        assert!(coin::balance<AptosCoin>(r) == 400, 11);
        let sig = ed25519::sign_arbitrary_bytes(&sk, claim_message_bytes(TEST_CHAIN_ID, id, 700, 2));
        claim<AptosCoin>(receiver, id, 700, 2, ed25519::signature_to_bytes(&sig));
        assert!(coin::balance<AptosCoin>(r) == 700, 12);

        close<AptosCoin>(sender, id);
        let (_, _, _, _, _, state, _, _, claimed, nonce) = get_channel<AptosCoin>(id);
        assert!(state == STATE_CLOSING && claimed == 700 && nonce == 2, 13);
        timestamp::fast_forward_seconds(3600);
        settle<AptosCoin>(id);
        let (_, _, _, _, _, state, _, _, _, _) = get_channel<AptosCoin>(id);
        assert!(state == STATE_SETTLED, 14);
        assert!(coin::balance<AptosCoin>(s) == 1000000 - 700, 15);
        drop_caps(burn, mint);
    }

    #[test(framework = @aptos_framework, publisher = @agent_runtime, sender = @0xa11ce, receiver = @0xb0b)]
    fun receiver_close_settles_at_once(framework: &signer, publisher: &signer, sender: &signer, receiver: &signer) acquires Registry, Channels {
        let (burn, mint) = set_up(framework, publisher, sender, receiver);
        let (_sk, pk) = ed25519::generate_keys();
        let s = signer::address_of(sender);
        let r = signer::address_of(receiver);
        let id = next_channel_id(s, r);
        open_channel<AptosCoin>(sender, r, ed25519::validated_public_key_to_bytes(&pk), 1000, 3600);
        close<AptosCoin>(receiver, id);
        let (_, _, _, _, _, state, _, _, _, _) = get_channel<AptosCoin>(id);
        assert!(state == STATE_SETTLED, 20);
        assert!(coin::balance<AptosCoin>(s) == 1000000, 21);
        drop_caps(burn, mint);
    }

    #[test(framework = @aptos_framework, publisher = @agent_runtime, sender = @0xa11ce, receiver = @0xb0b)]
    #[expected_failure(abort_code = 13, location = Self)]
    fun claim_with_a_wrong_key_aborts(framework: &signer, publisher: &signer, sender: &signer, receiver: &signer) acquires Registry, Channels {
        let (burn, mint) = set_up(framework, publisher, sender, receiver);
        let (_sk, pk) = ed25519::generate_keys();
        let (other_sk, _other_pk) = ed25519::generate_keys();
        let r = signer::address_of(receiver);
        let id = next_channel_id(signer::address_of(sender), r);
        open_channel<AptosCoin>(sender, r, ed25519::validated_public_key_to_bytes(&pk), 1000, 3600);
        let sig = ed25519::sign_arbitrary_bytes(&other_sk, claim_message_bytes(TEST_CHAIN_ID, id, 400, 1));
        claim<AptosCoin>(receiver, id, 400, 1, ed25519::signature_to_bytes(&sig));
        drop_caps(burn, mint);
    }

    #[test(framework = @aptos_framework, publisher = @agent_runtime, sender = @0xa11ce, receiver = @0xb0b)]
    #[expected_failure(abort_code = 14, location = Self)]
    fun claim_replay_aborts(framework: &signer, publisher: &signer, sender: &signer, receiver: &signer) acquires Registry, Channels {
        let (burn, mint) = set_up(framework, publisher, sender, receiver);
        let (sk, pk) = ed25519::generate_keys();
        let r = signer::address_of(receiver);
        let id = next_channel_id(signer::address_of(sender), r);
        open_channel<AptosCoin>(sender, r, ed25519::validated_public_key_to_bytes(&pk), 1000, 3600);
        let signed = ed25519::sign_arbitrary_bytes(&sk, claim_message_bytes(TEST_CHAIN_ID, id, 400, 1));
        let sig = ed25519::signature_to_bytes(&signed);
        claim<AptosCoin>(receiver, id, 400, 1, sig);
        claim<AptosCoin>(receiver, id, 400, 1, sig);
        drop_caps(burn, mint);
    }

    #[test(framework = @aptos_framework, publisher = @agent_runtime, sender = @0xa11ce, receiver = @0xb0b)]
    #[expected_failure(abort_code = 17, location = Self)]
    fun settle_before_the_delay_aborts(framework: &signer, publisher: &signer, sender: &signer, receiver: &signer) acquires Registry, Channels {
        let (burn, mint) = set_up(framework, publisher, sender, receiver);
        let (_sk, pk) = ed25519::generate_keys();
        let r = signer::address_of(receiver);
        let id = next_channel_id(signer::address_of(sender), r);
        open_channel<AptosCoin>(sender, r, ed25519::validated_public_key_to_bytes(&pk), 1000, 3600);
        close<AptosCoin>(sender, id);
        timestamp::fast_forward_seconds(3599);
        settle<AptosCoin>(id);
        drop_caps(burn, mint);
    }
}
