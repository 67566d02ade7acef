// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

interface IReenterTarget {
    function settleChannel(bytes32 channelId) external;
}

/// @title BadToken: an ERC-20 that misbehaves on demand, for the TokenNetwork revert-path tests only.
/// @notice Modes: 0 normal, 1 returns false, 2 reverts, 3 keeps a 1% fee on transfers, 4 returns no
/// data (USDT-style, still a success), 5 calls back into `target` during transfers (reentrancy),
/// 6 balanceOf reverts. Mode 5 records what the reentrant call reverted with and carries on.
contract BadToken {
    mapping(address => uint256) public balances;
    mapping(address => mapping(address => uint256)) public allowance;
    uint8 public mode;
    address public target;
    bytes32 public targetChannel;
    /// @notice What the reentrant call reverted with (mode 5), for the test to read.
    bytes public reentryError;

    function setMode(uint8 mode_) external {
        mode = mode_;
    }

    function setReentry(address target_, bytes32 channelId) external {
        target = target_;
        targetChannel = channelId;
    }

    function mint(address to, uint256 amount) external {
        balances[to] += amount;
    }

    function balanceOf(address who) external view returns (uint256) {
        if (mode == 6) revert("balanceOf disabled");
        return balances[who];
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        return true;
    }

    function transfer(address to, uint256 amount) external {
        _move(msg.sender, to, amount);
        _answer();
    }

    function transferFrom(address from, address to, uint256 amount) external {
        allowance[from][msg.sender] -= amount;
        _move(from, to, amount);
        _answer();
    }

    function _move(address from, address to, uint256 amount) private {
        if (mode == 2) revert("transfers disabled");
        if (mode == 5) {
            try IReenterTarget(target).settleChannel(targetChannel) {} catch (bytes memory reason) {
                reentryError = reason;
            }
        }
        balances[from] -= amount;
        balances[to] += mode == 3 ? amount - amount / 100 : amount;
    }

    /// @dev Hand-written returns so one function can answer true, false or nothing.
    function _answer() private view {
        uint8 m = mode;
        if (m == 4) {
            assembly {
                return(0, 0)
            }
        }
        uint256 result = m == 1 ? 0 : 1;
        assembly {
            mstore(0, result)
            return(0, 32)
        }
    }
}
