//! The REPL's commands: their names, usage and help, and dispatch. Each command is a function
//! of the session, its arguments and the console.

mod accounts;
mod contracts;
mod proof;
mod show;
mod step;
mod tamper;
mod validate;

use anyhow::bail;

use crate::console::Console;
use crate::render::{HEADING, NAME, paint};
use crate::session::Session;
use crate::words::{self, Args};

/// What runs a command.
type Run = fn(&mut Session, &Args, &mut dyn Console) -> anyhow::Result<()>;

/// A command.
pub struct Command {
    /// Its name.
    pub name: &'static str,
    /// Its arguments, as `help` shows them.
    pub usage: &'static str,
    /// One line on what it does.
    pub summary: &'static str,
    /// `help <command>`'s text: details and examples.
    pub details: &'static str,
    run: Run,
}

/// Every command, in the order `help` lists them.
pub const COMMANDS: &[Command] = &[
    Command {
        name: "accounts",
        usage: "",
        summary: "the dev accounts: names, addresses, balances, nonces",
        details: "Each dev account has a name (alice, bob, carol, …) that every command takes in place of its address.",
        run: accounts::accounts,
    },
    Command {
        name: "balance",
        usage: "<who> [token]",
        summary: "an account's ether, or its balance of an ERC20",
        details: "Examples:\n  balance alice\n  balance bob token      (calls token.balanceOf(bob))",
        run: accounts::balance,
    },
    Command {
        name: "alias",
        usage: "[name address]",
        summary: "name an address, or list every name",
        details: "Examples:\n  alias treasury 0x70997970C51812dc3A010C7d01b50e0d17dc79C8\n  alias            (lists accounts, contracts and aliases)",
        run: accounts::alias,
    },
    Command {
        name: "deploy",
        usage: "<name> <artifact|module.wasm|0xbytecode> [constructor args…] [--from who] [--value amount] [--sig \"(types)\"]",
        summary: "deploy a contract and name it",
        details: "The contract is a solc/Hardhat/Foundry artifact (.json path, or a name found in\n\
                  examples/contracts/artifacts, artifacts or out), a WASM module (.wasm path, or a name\n\
                  found in examples/wasm/artifacts; its ABI is read from <name>.abi.json beside it) or raw\n\
                  0x init code (constructor arguments then need --sig \"(uint256,string)\"). Arguments take\n\
                  names for addresses and units for numbers (1ether, 5gwei).\n\
                  Examples:\n  deploy token TestToken\n  deploy token erc20\n  deploy token path/to/MyToken.json 1000000 --from bob\n  deploy box 0x6080… --sig \"(uint256)\" 7",
        run: contracts::deploy,
    },
    Command {
        name: "call",
        usage: "<contract> <function|signature> [args…] [--from who]",
        summary: "run a function on the latest state without sending a tx",
        details: "The function is a name from the contract's ABI or a signature; outputs decode when known.\n\
                  Examples:\n  call token balanceOf alice\n  call 0x5FbD… \"balanceOf(address)(uint256)\" alice",
        run: contracts::call,
    },
    Command {
        name: "send",
        usage: "<to> [function|signature args…] [--from who] [--value amount] [--force] [--native | --masked contracts]",
        summary: "sign and send a tx from a dev account (mined at once in automine)",
        details: "A tx that would revert is refused with its decoded reason unless --force sends it anyway\n\
                  (it is then mined as a failed tx, with its moves).\n\
                  --native sends a native tx (type 0x4d) with every move filled from the latest state and\n\
                  signed; --masked pool,… leaves the moves on those contracts (and the results of the\n\
                  sender's own writes) for the coordinator to fill at sequencing.\n\
                  Examples:\n  send token transfer bob 100 --from alice\n  send pool swapAForB 10ether 9ether --from bob --masked pool\n  send token \"transfer(address,uint256)\" bob 100\n  send bob --value 1ether",
        run: contracts::send,
    },
    Command {
        name: "tx",
        usage: "[hash|last] [--raw]",
        summary: "a tx: its call, receipt, logs and move table",
        details: "The move table lists every move: mark (b balance, n nonce, c code, s storage, x context),\n\
                  the key with known slots decoded (token.balanceOf[bob]), the output it references\n\
                  (intx: the tx that created it), prev → next, read or write, and first use (a key never\n\
                  written before). A unique hash prefix of a recent tx works too. --raw shows every field as\n\
                  encoded: addr, slot, intx, prev, next and mask in full hex.",
        run: show::tx,
    },
    Command {
        name: "moves",
        usage: "[hash|last] [--raw]",
        summary: "a tx's move table alone",
        details: "See `help tx` for the columns.",
        run: show::moves,
    },
    Command {
        name: "step",
        usage: "[hash|last] [--step]",
        summary: "re-execute a tx and watch each state access as it happens",
        details: "The tx runs again against nothing but its own declared moves, as the validator runs it.\n\
                  Each access shows the contract, pc and opcode (SLOAD, SSTORE, BALANCE, CALL, …), and the\n\
                  move it declares on first touch; logs appear where they are emitted, decoded (they make\n\
                  no move). A WASM frame shows its host calls by number, with the instruction each ran.\n\
                  The move set the accesses add up to ends the run.\n\
                  --step pauses after each access.",
        run: step::step,
    },
    Command {
        name: "block",
        usage: "[number|latest]",
        summary: "a block's header (roots, commitment) and its txs",
        details: "Examples:\n  block\n  block 2",
        run: show::block,
    },
    Command {
        name: "validate",
        usage: "[number|latest|chain] [forward|reverse] [--step]",
        summary: "validate a block or the chain, forwards or in reverse",
        details: "Forward: genesis first; each move's output is checked live in the UTXO set, each prev\n\
                  compared, each output created, then the commitment.\n\
                  Reverse: tip first; each move becomes a claim on an earlier output, settled by the write\n\
                  that made it; the open claims grow and shrink to zero at genesis.\n\
                  A block shows all its steps; the chain shows one line per block (all steps with --step).\n\
                  --step pauses after each step.\n\
                  Examples:\n  validate 2\n  validate 2 reverse --step\n  validate chain reverse",
        run: validate::validate,
    },
    Command {
        name: "utxo",
        usage: "[who [balance|nonce|code|storage [slot]]]",
        summary: "the UTXO set: size and commitment, an account's outputs, or one output",
        details: "Examples:\n  utxo\n  utxo token\n  utxo alice nonce\n  utxo token storage 2",
        run: show::utxo,
    },
    Command {
        name: "tamper",
        usage: "<tx> move <i> <intx|prev|next|value|ref> <value> | <tx> drop-move <i> | block <n> <drop i|swap i j|replay tx|commitment v> [--step] [--proof]",
        summary: "change a copy of a tx or block and watch both validators refuse it",
        details: "The copy is re-sealed as a dishonest producer would (roots and commitment recomputed), then\n\
                  validated forwards and in reverse; each verdict names the rule that rejects it. The real\n\
                  chain is never touched.\n\
                  `value` sets a read's prev and next together; `ref` plants a reference (block:index).\n\
                  --proof then shows the copy's fraud proof (its rule, what it carries, its size) and checks\n\
                  it as a light client would, with the headers before the copy and nothing else.\n\
                  Examples:\n  tamper last move 3 prev 999 --proof\n  tamper last move 1 ref 0:0\n  tamper last move 0 value 5\n  tamper last drop-move 0\n  tamper block 2 replay last\n  tamper block 2 commitment 0x01",
        run: tamper::tamper,
    },
    Command {
        name: "proof",
        usage: "tx <hash|last> | output <who> [balance|nonce|code|storage <slot>]",
        summary: "the inclusion proof of a tx or an output, checked with headers alone",
        details: "A tx's leaf is keccak(id ‖ keccak(moves) ‖ keccak(references)); its Merkle branch reaches\n\
                  the header's tx root, its outcome's branch the outcomes root (so its logs are proven too).\n\
                  Each reference is the position (block:index) of the tx whose output a move names, filled\n\
                  by the block producer. An output's proof is the proof of the tx that wrote it: it proves\n\
                  the write, not that the output is still live.\n\
                  Examples:\n  proof tx last\n  proof output bob\n  proof output token storage 2",
        run: proof::proof,
    },
    Command {
        name: "automine",
        usage: "[on|off]",
        summary: "mine each tx as it arrives (on), or only on `mine` (off)",
        details: "With automine off, txs sent here wait in the pool; `mine` puts them in one block and tells\n\
                  each one's fate (mined, or refused at sequencing and why). Without an argument: the mode.",
        run: show::automine,
    },
    Command {
        name: "mine",
        usage: "[count]",
        summary: "mine blocks now (with the pooled txs)",
        details: "Useful when the node runs with --block-time or automine is off (evm_setAutomine).",
        run: show::mine,
    },
    Command {
        name: "help",
        usage: "[command]",
        summary: "this list, or one command's details",
        details: "Type `help <command>` for its details and examples.",
        run: help,
    },
    Command {
        name: "exit",
        usage: "",
        summary: "leave (Ctrl-D works too)",
        details: "Stops the node.",
        run: |_, _, _| Ok(()),
    },
];

/// The command named `name`.
pub fn find(name: &str) -> Option<&'static Command> {
    COMMANDS.iter().find(|c| c.name == name || (name == "quit" && c.name == "exit"))
}

fn help(_: &mut Session, args: &Args, console: &mut dyn Console) -> anyhow::Result<()> {
    let out = console.out();
    match args.word(0) {
        Some(name) => {
            let Some(c) = find(name) else { bail!("no command {name:?}; `help` lists them") };
            writeln!(out, "{} {}\n  {}\n\n{}", paint(NAME, c.name), c.usage, c.summary, c.details)?;
        }
        None => {
            writeln!(out, "{}", paint(HEADING, "commands (names stand for addresses everywhere: alice, bob, token…)"))?;
            for c in COMMANDS {
                writeln!(out, "  {} {}", paint(NAME, format!("{:<9}", c.name)), c.summary)?;
            }
            writeln!(out, "`help <command>` shows its arguments and examples.")?;
        }
    }
    Ok(())
}

/// What the REPL does after a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Read the next line.
    Continue,
    /// Leave.
    Exit,
}

/// Runs one line.
pub fn execute(session: &mut Session, line: &str, console: &mut dyn Console) -> anyhow::Result<Flow> {
    let words = words::split(line)?;
    let Some((name, rest)) = words.split_first() else { return Ok(Flow::Continue) };
    let Some(command) = find(name) else {
        bail!("unknown command {name:?}; `help` lists the commands");
    };
    if command.name == "exit" {
        return Ok(Flow::Exit);
    }
    let args = Args::parse(rest)?;
    (command.run)(session, &args, console)?;
    Ok(Flow::Continue)
}
