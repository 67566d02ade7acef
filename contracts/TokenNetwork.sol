// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title TokenNetwork: one-way ERC-20 payment channels with EIP-712 cumulative balance proofs.
/// @notice The payer (sender) opens a channel to a payee (receiver) and deposits tokens into it. Off-chain
/// the sender signs balance proofs: the cumulative amount the receiver may take, with a strictly
/// increasing nonce. The receiver redeems the best proof it holds with `claim` whenever it likes, while
/// the channel is open or closing. The sender closes with a challenge period (`closeChannel`, then
/// `settleChannel` once `settlementTimeout` seconds have passed), during which the receiver redeems its
/// best proof; the receiver may close at once (it only gives up its own claims); both together close at
/// once with `cooperativeClose`. The sender takes unused deposit back early with `withdraw`, which needs
/// the receiver's signature. There is no owner and no function that moves tokens other than to a
/// channel's own sender or receiver.
/// @dev EIP-712 domain {name: "TokenNetwork", version: "1", chainId, verifyingContract: this}. Amounts
/// are token base units. `lockedAmount` and `locksRoot` are part of the signed proof for compatibility
/// with the seed's claim format; there are no hash locks, so both must be zero.
contract TokenNetwork {
    enum State {
        None,
        Open,
        Closing,
        Settled
    }

    struct Channel {
        address sender;
        uint64 settlementTimeout;
        State state;
        address receiver;
        uint64 closedAt;
        uint256 deposit;
        uint256 withdrawn;
        uint256 claimed;
        uint256 nonce;
    }

    struct BalanceProof {
        bytes32 channelId;
        uint256 nonce;
        uint256 transferredAmount;
        uint256 lockedAmount;
        bytes32 locksRoot;
    }

    bytes32 public constant BALANCE_PROOF_TYPEHASH =
        keccak256("BalanceProof(bytes32 channelId,uint256 nonce,uint256 transferredAmount,uint256 lockedAmount,bytes32 locksRoot)");
    bytes32 public constant WITHDRAW_TYPEHASH = keccak256("Withdraw(bytes32 channelId,uint256 totalWithdrawn)");
    bytes32 public constant COOPERATIVE_CLOSE_TYPEHASH = keccak256("CooperativeClose(bytes32 channelId,uint256 transferredAmount)");
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    /// @dev secp256k1n / 2: larger `s` values are the malleable twin of a valid signature.
    uint256 private constant MAX_S = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    /// @notice Shortest and longest challenge period a channel may have, in seconds.
    uint64 public constant MIN_SETTLEMENT_TIMEOUT = 1 hours;
    uint64 public constant MAX_SETTLEMENT_TIMEOUT = 365 days;

    /// @notice The ERC-20 token every channel of this contract holds.
    address public immutable token;
    uint256 private immutable cachedChainId;
    bytes32 private immutable cachedDomainSeparator;

    mapping(bytes32 => Channel) private channels;
    /// @notice Channels opened so far by each sender (part of the next channel id).
    mapping(address => uint256) public openedBy;
    uint256 private lock = 1;

    event ChannelOpened(bytes32 indexed channelId, address indexed sender, address indexed receiver, uint64 settlementTimeout);
    event ChannelDeposit(bytes32 indexed channelId, address indexed funder, uint256 added, uint256 totalDeposit);
    event ChannelClaimed(bytes32 indexed channelId, address indexed receiver, uint256 amount, uint256 totalClaimed, uint256 nonce);
    event ChannelWithdrawn(bytes32 indexed channelId, address indexed sender, uint256 amount, uint256 totalWithdrawn);
    event ChannelClosing(bytes32 indexed channelId, address indexed closedBy, uint256 settleAfter);
    event ChannelSettled(bytes32 indexed channelId, uint256 totalClaimed, uint256 refunded);

    error InvalidToken();
    error InvalidReceiver();
    error InvalidSettlementTimeout();
    error ChannelNotFound();
    error InvalidChannelState();
    error NotSender();
    error NotReceiver();
    error NotParticipant();
    error InvalidBalanceProof();
    error InvalidSignature();
    error InvalidNonce();
    error NothingToClaim();
    error InsufficientDeposit();
    error DepositNotIncreasing();
    error WithdrawNotIncreasing();
    error SettlementTimeoutNotExpired();
    error TokenTransferFailed();
    error TokenTransferMismatch();
    error Reentrancy();

    modifier nonReentrant() {
        if (lock != 1) revert Reentrancy();
        lock = 2;
        _;
        lock = 1;
    }

    /// @param token_ the ERC-20 token (must be a contract)
    constructor(address token_) {
        if (token_.code.length == 0) revert InvalidToken();
        token = token_;
        cachedChainId = block.chainid;
        cachedDomainSeparator = _buildDomainSeparator();
    }

    // ------------------------------------------------------------------ views

    /// @notice The EIP-712 domain separator for the current chain.
    function domainSeparator() public view returns (bytes32) {
        return block.chainid == cachedChainId ? cachedDomainSeparator : _buildDomainSeparator();
    }

    /// @notice A channel's full state (state None: no such channel).
    function getChannel(bytes32 channelId) external view returns (Channel memory) {
        return channels[channelId];
    }

    /// @notice The id `openChannel` gives the next channel `sender` opens to `receiver`.
    function nextChannelId(address sender, address receiver) external view returns (bytes32) {
        return _channelId(sender, receiver, openedBy[sender]);
    }

    /// @notice The EIP-712 digest the sender signs for a balance proof.
    function balanceProofDigest(BalanceProof calldata proof) public view returns (bytes32) {
        return _digest(
            keccak256(abi.encode(BALANCE_PROOF_TYPEHASH, proof.channelId, proof.nonce, proof.transferredAmount, proof.lockedAmount, proof.locksRoot))
        );
    }

    // ------------------------------------------------------------------ lifecycle

    /// @notice Opens a channel from msg.sender to `receiver` and deposits `initialDeposit` (approve it first).
    /// @param settlementTimeout the challenge period after a sender's close, in seconds
    /// @param initialDeposit token base units (0: fund later with setTotalDeposit)
    function openChannel(address receiver, uint64 settlementTimeout, uint256 initialDeposit) external nonReentrant returns (bytes32 channelId) {
        if (receiver == address(0) || receiver == msg.sender) revert InvalidReceiver();
        if (settlementTimeout < MIN_SETTLEMENT_TIMEOUT || settlementTimeout > MAX_SETTLEMENT_TIMEOUT) revert InvalidSettlementTimeout();
        channelId = _channelId(msg.sender, receiver, openedBy[msg.sender]++);
        Channel storage c = channels[channelId];
        c.sender = msg.sender;
        c.receiver = receiver;
        c.settlementTimeout = settlementTimeout;
        c.state = State.Open;
        emit ChannelOpened(channelId, msg.sender, receiver, settlementTimeout);
        if (initialDeposit > 0) {
            c.deposit = initialDeposit;
            emit ChannelDeposit(channelId, msg.sender, initialDeposit, initialDeposit);
            _pull(msg.sender, initialDeposit);
        }
    }

    /// @notice Raises an open channel's cumulative deposit to `totalDeposit`; msg.sender pays the difference.
    function setTotalDeposit(bytes32 channelId, uint256 totalDeposit) external nonReentrant {
        Channel storage c = _existing(channelId);
        if (c.state != State.Open) revert InvalidChannelState();
        if (totalDeposit <= c.deposit) revert DepositNotIncreasing();
        uint256 added = totalDeposit - c.deposit;
        c.deposit = totalDeposit;
        emit ChannelDeposit(channelId, msg.sender, added, totalDeposit);
        _pull(msg.sender, added);
    }

    /// @notice The receiver redeems a balance proof signed by the sender: it is paid what the proof adds
    /// to what it has already claimed. Allowed while the channel is open or closing.
    function claim(bytes32 channelId, BalanceProof calldata proof, bytes calldata signature) external nonReentrant {
        Channel storage c = _existing(channelId);
        if (c.state != State.Open && c.state != State.Closing) revert InvalidChannelState();
        if (msg.sender != c.receiver) revert NotReceiver();
        if (proof.channelId != channelId || proof.lockedAmount != 0 || proof.locksRoot != bytes32(0)) revert InvalidBalanceProof();
        if (_recover(balanceProofDigest(proof), signature) != c.sender) revert InvalidSignature();
        if (proof.nonce <= c.nonce) revert InvalidNonce();
        if (proof.transferredAmount <= c.claimed) revert NothingToClaim();
        if (proof.transferredAmount > c.deposit - c.withdrawn) revert InsufficientDeposit();
        uint256 amount = proof.transferredAmount - c.claimed;
        c.claimed = proof.transferredAmount;
        c.nonce = proof.nonce;
        emit ChannelClaimed(channelId, c.receiver, amount, proof.transferredAmount, proof.nonce);
        _push(c.receiver, amount);
    }

    /// @notice The sender takes back unused deposit while the channel is open, with the receiver's
    /// EIP-712 signature of Withdraw(channelId, totalWithdrawn). `totalWithdrawn` is cumulative.
    function withdraw(bytes32 channelId, uint256 totalWithdrawn, bytes calldata receiverSignature) external nonReentrant {
        Channel storage c = _existing(channelId);
        if (c.state != State.Open) revert InvalidChannelState();
        if (msg.sender != c.sender) revert NotSender();
        if (totalWithdrawn <= c.withdrawn) revert WithdrawNotIncreasing();
        if (totalWithdrawn > c.deposit - c.claimed) revert InsufficientDeposit();
        bytes32 digest = _digest(keccak256(abi.encode(WITHDRAW_TYPEHASH, channelId, totalWithdrawn)));
        if (_recover(digest, receiverSignature) != c.receiver) revert InvalidSignature();
        uint256 amount = totalWithdrawn - c.withdrawn;
        c.withdrawn = totalWithdrawn;
        emit ChannelWithdrawn(channelId, c.sender, amount, totalWithdrawn);
        _push(c.sender, amount);
    }

    /// @notice Unilateral close. The sender starts the challenge period (the receiver may still claim
    /// until `settleChannel`); the receiver settles at once (it gives up only its own unredeemed claims).
    function closeChannel(bytes32 channelId) external nonReentrant {
        Channel storage c = _existing(channelId);
        if (c.state != State.Open) revert InvalidChannelState();
        if (msg.sender == c.sender) {
            c.state = State.Closing;
            c.closedAt = uint64(block.timestamp);
            emit ChannelClosing(channelId, msg.sender, block.timestamp + c.settlementTimeout);
        } else if (msg.sender == c.receiver) {
            emit ChannelClosing(channelId, msg.sender, block.timestamp);
            _settle(channelId, c);
        } else {
            revert NotParticipant();
        }
    }

    /// @notice Closes at once with both parties' EIP-712 signatures of CooperativeClose(channelId,
    /// transferredAmount): the receiver is paid up to `transferredAmount`, the sender gets the rest.
    /// Anyone may submit it.
    function cooperativeClose(bytes32 channelId, uint256 transferredAmount, bytes calldata senderSignature, bytes calldata receiverSignature)
        external
        nonReentrant
    {
        Channel storage c = _existing(channelId);
        if (c.state != State.Open && c.state != State.Closing) revert InvalidChannelState();
        if (transferredAmount < c.claimed) revert InvalidBalanceProof();
        if (transferredAmount > c.deposit - c.withdrawn) revert InsufficientDeposit();
        bytes32 digest = _digest(keccak256(abi.encode(COOPERATIVE_CLOSE_TYPEHASH, channelId, transferredAmount)));
        if (_recover(digest, senderSignature) != c.sender) revert InvalidSignature();
        if (_recover(digest, receiverSignature) != c.receiver) revert InvalidSignature();
        uint256 amount = transferredAmount - c.claimed;
        if (amount > 0) {
            c.claimed = transferredAmount;
            emit ChannelClaimed(channelId, c.receiver, amount, transferredAmount, c.nonce);
            _push(c.receiver, amount);
        }
        _settle(channelId, c);
    }

    /// @notice Ends a sender-closed channel once its challenge period has passed; anyone may call it.
    /// The sender gets back what was neither claimed nor withdrawn.
    function settleChannel(bytes32 channelId) external nonReentrant {
        Channel storage c = _existing(channelId);
        if (c.state != State.Closing) revert InvalidChannelState();
        if (block.timestamp < uint256(c.closedAt) + c.settlementTimeout) revert SettlementTimeoutNotExpired();
        _settle(channelId, c);
    }

    // ------------------------------------------------------------------ internals

    function _settle(bytes32 channelId, Channel storage c) private {
        uint256 refund = c.deposit - c.withdrawn - c.claimed;
        c.state = State.Settled;
        emit ChannelSettled(channelId, c.claimed, refund);
        if (refund > 0) _push(c.sender, refund);
    }

    function _existing(bytes32 channelId) private view returns (Channel storage c) {
        c = channels[channelId];
        if (c.state == State.None) revert ChannelNotFound();
    }

    function _channelId(address sender, address receiver, uint256 count) private view returns (bytes32) {
        return keccak256(abi.encode(block.chainid, address(this), sender, receiver, count));
    }

    function _buildDomainSeparator() private view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, keccak256("TokenNetwork"), keccak256("1"), block.chainid, address(this)));
    }

    function _digest(bytes32 structHash) private view returns (bytes32) {
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator(), structHash));
    }

    /// @dev ecrecover with the checks it lacks: 65 bytes, low s, v of 27 or 28, a non-zero signer.
    function _recover(bytes32 digest, bytes calldata signature) private pure returns (address signer) {
        if (signature.length != 65) revert InvalidSignature();
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly {
            r := calldataload(signature.offset)
            s := calldataload(add(signature.offset, 32))
            v := byte(0, calldataload(add(signature.offset, 64)))
        }
        if (uint256(s) > MAX_S || (v != 27 && v != 28)) revert InvalidSignature();
        signer = ecrecover(digest, v, r, s);
        if (signer == address(0)) revert InvalidSignature();
    }

    /// @dev transferFrom into this contract; the balance must rise by exactly `amount` (no fee-on-transfer tokens).
    function _pull(address from, uint256 amount) private {
        uint256 before = _balance();
        _call(abi.encodeWithSelector(0x23b872dd, from, address(this), amount));
        uint256 afterwards = _balance();
        if (afterwards < before || afterwards - before != amount) revert TokenTransferMismatch();
    }

    function _push(address to, uint256 amount) private {
        _call(abi.encodeWithSelector(0xa9059cbb, to, amount));
    }

    /// @dev Calls the token; success is no revert and either no return data or `true` (tokens such as USDT return nothing).
    function _call(bytes memory data) private {
        (bool ok, bytes memory ret) = token.call(data);
        if (!ok || (ret.length != 0 && (ret.length != 32 || abi.decode(ret, (uint256)) != 1))) revert TokenTransferFailed();
    }

    function _balance() private view returns (uint256) {
        (bool ok, bytes memory ret) = token.staticcall(abi.encodeWithSelector(0x70a08231, address(this)));
        if (!ok || ret.length != 32) revert TokenTransferFailed();
        return abi.decode(ret, (uint256));
    }
}
