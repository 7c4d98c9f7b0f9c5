//! OpenZeppelin 5's ERC20 as `examples/contracts/src/TestToken.sol` instantiates it: "Test Token"
//! / "TT", 18 decimals, the constructor mints `INITIAL_SUPPLY` (1e24) to the deployer, anyone may
//! `mint`. Same ABI, events, custom errors and storage layout (slot 0 `_balances`, 1
//! `_allowances`, 2 `_totalSupply`, 3 `_name`, 4 `_symbol`), and each function reads and writes
//! storage in the order OZ's code does (`_update`, `_spendAllowance`, `_approve` are followed
//! line by line), so a call touches exactly the slots the Solidity token touches.
#![no_std]

extern crate alloc;

use alloc::vec::Vec;

use manaflow_sdk::abi::{self, Selector, selector};
use manaflow_sdk::storage::Slot;
use manaflow_sdk::{Address, Result, Revert, U256, emit, math, msg};

manaflow_sdk::entrypoint!(handle);
manaflow_sdk::constructor!(init);

/// `mapping(address account => uint256) private _balances;`
const BALANCES: Slot = Slot::new(0);
/// `mapping(address account => mapping(address spender => uint256)) private _allowances;`
const ALLOWANCES: Slot = Slot::new(1);
/// `uint256 private _totalSupply;`
const TOTAL_SUPPLY: Slot = Slot::new(2);
/// `string private _name;`
const NAME: Slot = Slot::new(3);
/// `string private _symbol;`
const SYMBOL: Slot = Slot::new(4);

/// `1_000_000 * 10 ** 18`.
const INITIAL_SUPPLY: U256 =
    U256::from_limbs([1_000_000_000_000_000_000, 0, 0, 0]).wrapping_mul(U256::from_limbs([1_000_000, 0, 0, 0]));

const NAME_GETTER: Selector = selector("name()");
const SYMBOL_GETTER: Selector = selector("symbol()");
const DECIMALS: Selector = selector("decimals()");
const TOTAL_SUPPLY_GETTER: Selector = selector("totalSupply()");
const BALANCE_OF: Selector = selector("balanceOf(address)");
const ALLOWANCE: Selector = selector("allowance(address,address)");
const TRANSFER: Selector = selector("transfer(address,uint256)");
const APPROVE: Selector = selector("approve(address,uint256)");
const TRANSFER_FROM: Selector = selector("transferFrom(address,address,uint256)");
const MINT: Selector = selector("mint(address,uint256)");
const INITIAL_SUPPLY_GETTER: Selector = selector("INITIAL_SUPPLY()");

// IERC20Errors (ERC-6093).
const INSUFFICIENT_BALANCE: Selector = selector("ERC20InsufficientBalance(address,uint256,uint256)");
const INVALID_SENDER: Selector = selector("ERC20InvalidSender(address)");
const INVALID_RECEIVER: Selector = selector("ERC20InvalidReceiver(address)");
const INSUFFICIENT_ALLOWANCE: Selector = selector("ERC20InsufficientAllowance(address,uint256,uint256)");
const INVALID_APPROVER: Selector = selector("ERC20InvalidApprover(address)");
const INVALID_SPENDER: Selector = selector("ERC20InvalidSpender(address)");

/// `constructor() ERC20("Test Token", "TT") { _mint(msg.sender, INITIAL_SUPPLY); }`
fn init(_args: &[u8]) -> Result<()> {
    msg::non_payable()?;
    NAME.store_string(b"Test Token")?;
    SYMBOL.store_string(b"TT")?;
    mint(msg::sender(), INITIAL_SUPPLY)
}

fn handle(input: &[u8]) -> Result<Vec<u8>> {
    let (selector, args) = abi::split_selector(input)?;
    // Every function is non-payable, so solc checks the value once, before dispatching.
    msg::non_payable()?;
    match selector {
        NAME_GETTER => Ok(abi::encode(&[&NAME.load_string()?])),
        SYMBOL_GETTER => Ok(abi::encode(&[&SYMBOL.load_string()?])),
        DECIMALS => Ok(abi::encode(&[&18u8])),
        TOTAL_SUPPLY_GETTER => Ok(abi::encode(&[&TOTAL_SUPPLY.load()])),
        BALANCE_OF => {
            let account: Address = abi::decode(args)?;
            Ok(abi::encode(&[&BALANCES.mapping(&account).load()]))
        }
        ALLOWANCE => {
            let (owner, spender) = abi::decode(args)?;
            Ok(abi::encode(&[&allowance(owner, spender)]))
        }
        TRANSFER => {
            let (to, value) = abi::decode(args)?;
            transfer(msg::sender(), to, value)?;
            Ok(abi::encode(&[&true]))
        }
        APPROVE => {
            let (spender, value) = abi::decode(args)?;
            approve(msg::sender(), spender, value, true)?;
            Ok(abi::encode(&[&true]))
        }
        TRANSFER_FROM => {
            let (from, to, value) = abi::decode(args)?;
            spend_allowance(from, msg::sender(), value)?;
            transfer(from, to, value)?;
            Ok(abi::encode(&[&true]))
        }
        MINT => {
            let (to, value) = abi::decode(args)?;
            mint(to, value)?;
            Ok(Vec::new())
        }
        INITIAL_SUPPLY_GETTER => Ok(abi::encode(&[&INITIAL_SUPPLY])),
        _ => Err(Revert::empty()),
    }
}

/// `_allowances[owner][spender]`.
fn allowance(owner: Address, spender: Address) -> U256 {
    ALLOWANCES.mapping(&owner).mapping(&spender).load()
}

/// OZ's `_transfer`.
fn transfer(from: Address, to: Address, value: U256) -> Result<()> {
    if from.is_zero() {
        return Err(Revert::custom(INVALID_SENDER, &[&Address::ZERO]));
    }
    if to.is_zero() {
        return Err(Revert::custom(INVALID_RECEIVER, &[&Address::ZERO]));
    }
    update(from, to, value)
}

/// OZ's `_mint`.
fn mint(account: Address, value: U256) -> Result<()> {
    if account.is_zero() {
        return Err(Revert::custom(INVALID_RECEIVER, &[&Address::ZERO]));
    }
    update(Address::ZERO, account, value)
}

/// OZ's `_update`. Its `to == address(0)` branch (burning) is left out: TestToken never burns,
/// and both callers have already reverted on a zero `to`.
fn update(from: Address, to: Address, value: U256) -> Result<()> {
    if from.is_zero() {
        // Checked: the one overflow that can happen (the supply), Panic(0x11) as in Solidity.
        TOTAL_SUPPLY.store(math::add(TOTAL_SUPPLY.load(), value)?);
    } else {
        let from_slot = BALANCES.mapping(&from);
        let from_balance = from_slot.load();
        if from_balance < value {
            return Err(Revert::custom(INSUFFICIENT_BALANCE, &[&from, &from_balance, &value]));
        }
        // Written before `to`'s balance is read: with from == to the read sees the new value.
        from_slot.store(from_balance - value);
    }
    // Unchecked in OZ: a balance is at most the total supply, which did not overflow.
    let to_slot = BALANCES.mapping(&to);
    to_slot.store(to_slot.load().wrapping_add(value));
    emit!("Transfer(address,address,uint256)", [from, to], [value]);
    Ok(())
}

/// OZ's `_approve(owner, spender, value, emitEvent)`: writes without reading first.
fn approve(owner: Address, spender: Address, value: U256, emit_event: bool) -> Result<()> {
    if owner.is_zero() {
        return Err(Revert::custom(INVALID_APPROVER, &[&Address::ZERO]));
    }
    if spender.is_zero() {
        return Err(Revert::custom(INVALID_SPENDER, &[&Address::ZERO]));
    }
    ALLOWANCES.mapping(&owner).mapping(&spender).store(value);
    if emit_event {
        emit!("Approval(address,address,uint256)", [owner, spender], [value]);
    }
    Ok(())
}

/// OZ's `_spendAllowance`: an infinite (max) allowance is read but never written.
fn spend_allowance(owner: Address, spender: Address, value: U256) -> Result<()> {
    let current = allowance(owner, spender);
    if current < U256::MAX {
        if current < value {
            return Err(Revert::custom(INSUFFICIENT_ALLOWANCE, &[&spender, &current, &value]));
        }
        approve(owner, spender, current - value, false)?;
    }
    Ok(())
}
