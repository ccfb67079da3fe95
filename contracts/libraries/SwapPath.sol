// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title SwapPath
/// @notice Uniswap V3 multi-hop paths: `token0 | fee0 | token1 | fee1 | token2 ...`, 20-byte
/// addresses and 3-byte fees, as SwapRouter's `exactInput` takes them.
library SwapPath {
    uint256 internal constant ADDR = 20;
    uint256 internal constant FEE = 3;
    uint256 internal constant HOP = ADDR + FEE;
    /// @notice keccak256 of the UniswapV3Pool creation code, as SwapRouter and the position manager use it
    /// to find pools: every pool's address follows from its factory, tokens and fee.
    bytes32 internal constant POOL_INIT_CODE_HASH = 0xe34f199b19b2b4f47f68442619d555527d244f78a3297ea89325f843f87b8b54;

    /// @notice The path's length is not that of one or more hops.
    error SwapPathMalformed(uint256 length);

    /// @notice Whether `path` has the length of one or more hops.
    function isWellFormed(bytes memory path) internal pure returns (bool) {
        return path.length >= ADDR + HOP && (path.length - ADDR) % HOP == 0;
    }

    /// @notice Number of hops (pools) on a well-formed `path`; reverts on a malformed one.
    function hops(bytes memory path) internal pure returns (uint256 n) {
        uint256 length = path.length;
        // A well-formed path is ADDR + n * HOP bytes, and ADDR < HOP: its length over HOP is n, rounded down.
        n = length / HOP;
        uint256 wellFormed;
        unchecked {
            // At most length + ADDR: no overflow.
            wellFormed = ADDR + n * HOP;
        }
        if (n == 0 || length != wellFormed) revert SwapPathMalformed(length);
    }

    /// @notice The `i`-th hop's input token, fee and output token; SwapPathMalformed for a hop the path does
    /// not hold.
    function hop(bytes memory path, uint256 i) internal pure returns (address tokenIn, uint24 fee, address tokenOut) {
        uint256 offset;
        unchecked {
            // Well within range when `i` is one of the path's hops (checked below, against its length).
            offset = i * HOP;
            if (i >= path.length / HOP || offset + HOP + ADDR > path.length) revert SwapPathMalformed(path.length);
            tokenIn = _address(path, offset);
            fee = uint24(_uint(path, offset + ADDR, FEE));
            tokenOut = _address(path, offset + HOP);
        }
    }

    /// @notice The pool of `factory` for two tokens and a fee (CREATE2, as the factory deploys it).
    function pool(address factory, address tokenA, address tokenB, uint24 fee) internal pure returns (address p) {
        (address token0, address token1) = tokenA < tokenB ? (tokenA, tokenB) : (tokenB, tokenA);
        // keccak256(abi.encode(token0, token1, fee)) as the salt, then the CREATE2 address
        // keccak256(0xff ++ factory ++ salt ++ POOL_INIT_CODE_HASH), both hashed in the free memory past the
        // pointer, which nothing has claimed (rather than in two allocations that live on).
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            let mask := 0xffffffffffffffffffffffffffffffffffffffff
            // A short type's unused bits are not promised clean in assembly: each value masked to its width.
            mstore(ptr, and(token0, mask))
            mstore(add(ptr, 32), and(token1, mask))
            mstore(add(ptr, 64), and(fee, 0xffffff))
            let salt := keccak256(ptr, 96)
            mstore(ptr, and(factory, mask))
            mstore8(add(ptr, 11), 0xff)
            mstore(add(ptr, 32), salt)
            mstore(add(ptr, 64), POOL_INIT_CODE_HASH)
            p := and(keccak256(add(ptr, 11), 85), mask)
        }
    }

    function first(bytes memory path) internal pure returns (address) {
        return _address(path, 0);
    }

    function last(bytes memory path) internal pure returns (address) {
        return _address(path, path.length - ADDR);
    }

    /// @notice The same route walked the other way, as `exactInput` wants for buying.
    function reverse(bytes memory path) internal pure returns (bytes memory reversed) {
        uint256 n = hops(path);
        reversed = abi.encodePacked(last(path));
        for (uint256 i = n; i > 0; --i) {
            (address tokenIn, uint24 fee,) = hop(path, i - 1);
            reversed = abi.encodePacked(reversed, fee, tokenIn);
        }
    }

    function _address(bytes memory path, uint256 offset) private pure returns (address a) {
        return address(uint160(_uint(path, offset, ADDR)));
    }

    /// @dev Reads `size` (<= 32) big-endian bytes at `offset`. Callers stay within the path's length,
    /// which `hops` checked.
    function _uint(bytes memory path, uint256 offset, uint256 size) private pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := shr(mul(8, sub(32, size)), mload(add(add(path, 32), offset)))
        }
    }
}
