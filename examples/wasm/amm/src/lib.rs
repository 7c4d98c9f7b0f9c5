//! `examples/contracts/src/Pool.sol` in Rust: a constant-product AMM (x * y = k, 0.3% fee) over
//! two internal assets. Same ABI, events, errors and storage layout (slot 0 `reserveA`, 1
//! `reserveB`, 2 `balanceA`, 3 `balanceB`, 4 `funded`), the same Solidity 0.8 checked arithmetic
//! (`Panic(0x11)`, `Panic(0x12)`), and the same order of storage accesses as solc's code.
#![no_std]

extern crate alloc;

use alloc::vec::Vec;

use manaflow_sdk::abi::{self, Selector, selector};
use manaflow_sdk::storage::Slot;
use manaflow_sdk::{Address, Result, Revert, U256, emit, math, msg};

manaflow_sdk::entrypoint!(handle);
manaflow_sdk::constructor!(init);

/// `uint256 public reserveA;`
const RESERVE_A: Slot = Slot::new(0);
/// `uint256 public reserveB;`
const RESERVE_B: Slot = Slot::new(1);
/// `mapping(address => uint256) public balanceA;`
const BALANCE_A: Slot = Slot::new(2);
/// `mapping(address => uint256) public balanceB;`
const BALANCE_B: Slot = Slot::new(3);
/// `mapping(address => bool) public funded;`
const FUNDED: Slot = Slot::new(4);

/// `uint256 public constant GRANT = 1_000 ether;`
const GRANT: U256 =
    U256::from_limbs([1_000_000_000_000_000_000, 0, 0, 0]).wrapping_mul(U256::from_limbs([1_000, 0, 0, 0]));

const GRANT_GETTER: Selector = selector("GRANT()");
const RESERVE_A_GETTER: Selector = selector("reserveA()");
const RESERVE_B_GETTER: Selector = selector("reserveB()");
const BALANCE_A_GETTER: Selector = selector("balanceA(address)");
const BALANCE_B_GETTER: Selector = selector("balanceB(address)");
const FUNDED_GETTER: Selector = selector("funded(address)");
const FAUCET: Selector = selector("faucet()");
const QUOTE: Selector = selector("quote(uint256)");
const SWAP_A_FOR_B: Selector = selector("swapAForB(uint256,uint256)");

const SLIPPAGE: Selector = selector("Slippage(uint256,uint256)");
const INSUFFICIENT_BALANCE: Selector = selector("InsufficientBalance(uint256,uint256)");
const ALREADY_FUNDED: Selector = selector("AlreadyFunded(address)");

/// `constructor(uint256 initialA, uint256 initialB)`.
fn init(args: &[u8]) -> Result<()> {
    msg::non_payable()?;
    let (initial_a, initial_b) = abi::decode(args)?;
    RESERVE_A.store(initial_a);
    RESERVE_B.store(initial_b);
    Ok(())
}

fn handle(input: &[u8]) -> Result<Vec<u8>> {
    let (selector, args) = abi::split_selector(input)?;
    // Every function is non-payable, so solc checks the value once, before dispatching.
    msg::non_payable()?;
    match selector {
        GRANT_GETTER => Ok(abi::encode(&[&GRANT])),
        RESERVE_A_GETTER => Ok(abi::encode(&[&RESERVE_A.load()])),
        RESERVE_B_GETTER => Ok(abi::encode(&[&RESERVE_B.load()])),
        BALANCE_A_GETTER => {
            let account: Address = abi::decode(args)?;
            Ok(abi::encode(&[&BALANCE_A.mapping(&account).load()]))
        }
        BALANCE_B_GETTER => {
            let account: Address = abi::decode(args)?;
            Ok(abi::encode(&[&BALANCE_B.mapping(&account).load()]))
        }
        FUNDED_GETTER => {
            let account: Address = abi::decode(args)?;
            Ok(abi::encode(&[&is_set(FUNDED.mapping(&account).load())]))
        }
        FAUCET => {
            faucet()?;
            Ok(Vec::new())
        }
        QUOTE => Ok(abi::encode(&[&quote(abi::decode(args)?)?])),
        SWAP_A_FOR_B => {
            let (amount_in, min_out) = abi::decode(args)?;
            Ok(abi::encode(&[&swap_a_for_b(amount_in, min_out)?]))
        }
        _ => Err(Revert::empty()),
    }
}

/// A `bool` in its own slot is its low byte (solc masks the rest off on reads).
fn is_set(word: U256) -> bool {
    word.as_limbs()[0] & 0xff != 0
}

/// `faucet()`: grants the caller GRANT of A and of B, once.
fn faucet() -> Result<()> {
    let sender = msg::sender();
    let funded = FUNDED.mapping(&sender);
    if is_set(funded.load()) {
        return Err(Revert::custom(ALREADY_FUNDED, &[&sender]));
    }
    // `funded[msg.sender] = true` on a one-byte type: solc reads the slot again and replaces the
    // low byte, keeping the others.
    funded.store(funded.load() & !U256::from(0xff) | U256::from(1));
    let balance_a = BALANCE_A.mapping(&sender);
    balance_a.store(math::add(balance_a.load(), GRANT)?);
    let balance_b = BALANCE_B.mapping(&sender);
    balance_b.store(math::add(balance_b.load(), GRANT)?);
    Ok(())
}

/// `quote(amountIn)`: `(inWithFee * reserveB) / (reserveA * 1000 + inWithFee)`. solc evaluates the
/// right operand of `/` first, so reserveA is read (and its checks run) before reserveB.
fn quote(amount_in: U256) -> Result<U256> {
    let in_with_fee = math::mul(amount_in, U256::from(997))?;
    let denominator = math::add(math::mul(RESERVE_A.load(), U256::from(1000))?, in_with_fee)?;
    let numerator = math::mul(in_with_fee, RESERVE_B.load())?;
    math::div(numerator, denominator)
}

/// `swapAForB(amountIn, minOut)`: swaps `amountIn` of A for at least `minOut` of B.
fn swap_a_for_b(amount_in: U256, min_out: U256) -> Result<U256> {
    let sender = msg::sender();
    let balance_a = BALANCE_A.mapping(&sender);
    let balance = balance_a.load();
    if balance < amount_in {
        return Err(Revert::custom(INSUFFICIENT_BALANCE, &[&balance, &amount_in]));
    }
    let out = quote(amount_in)?;
    if out < min_out {
        return Err(Revert::custom(SLIPPAGE, &[&out, &min_out]));
    }
    balance_a.store(math::sub(balance, amount_in)?);
    let balance_b = BALANCE_B.mapping(&sender);
    balance_b.store(math::add(balance_b.load(), out)?);
    RESERVE_A.store(math::add(RESERVE_A.load(), amount_in)?);
    RESERVE_B.store(math::sub(RESERVE_B.load(), out)?);
    emit!(
        "Swap(address,uint256,uint256,uint256,uint256)",
        [sender],
        [amount_in, out, RESERVE_A.load(), RESERVE_B.load()]
    );
    Ok(out)
}
