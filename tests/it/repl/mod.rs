//! `manaflow repl` as a user runs it: scripts (`--script FILE` and `--script -`) exercising every
//! command family with the values a fresh devnet makes deterministic (dev accounts, contract
//! addresses, balances, move tables, validation verdicts, the rules that refuse tampered copies),
//! the script semantics (echo, first failure stops, `exit`), txs sent over JSON-RPC showing up at
//! the prompt and the other way round, and the interactive prompt on a pseudo-terminal (tab
//! completion, history across sessions).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use serde_json::{Value, json};

/// The genesis timestamp every test's devnet starts with.
const TIMESTAMP: &str = "1700000000";
/// The first contract alice deploys (nonce 0).
const FIRST_CONTRACT: &str = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
/// The second contract alice deploys (nonce 1).
const SECOND_CONTRACT: &str = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
/// The dev accounts of the default mnemonic, with the names the REPL gives them.
const ACCOUNTS: [(&str, &str); 10] = [
    ("alice", "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
    ("bob", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"),
    ("carol", "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"),
    ("dave", "0x90F79bf6EB2c4f870365E785982E1f101E93b906"),
    ("erin", "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"),
    ("frank", "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc"),
    ("grace", "0x976EA74026E726554dB657fA54763abd0C3a0aa9"),
    ("heidi", "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955"),
    ("ivan", "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f"),
    ("judy", "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720"),
];
const ALICE: &str = ACCOUNTS[0].1;
const BOB: &str = ACCOUNTS[1].1;
/// TestToken's constructor mints a million tokens (18 decimals) to the deployer.
const MINTED: &str = "1000000000000000000000000";
/// Init code storing its one constructor argument (appended by `--sig "(uint256)"`) at slot 0,
/// with runtime code that returns slot 0 whatever it is called with.
const BOX_INIT: &str = "0x602060203803600039600051600055600b601b600039600b6000f360005460005260206000f3";

/// The workspace root: bare artifact names resolve under `examples/contracts/artifacts` there.
fn workspace() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// `manaflow repl --port 0 --timestamp 1700000000 <extra…>` run from the workspace root, without
/// colour.
fn repl(extra: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_manaflow"));
    command
        .current_dir(workspace())
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("RUST_BACKTRACE")
        .args(["repl", "--port", "0", "--timestamp", TIMESTAMP])
        .args(extra);
    command
}

/// Runs `script` with `manaflow repl … --script <file>`: exit status, stdout, stderr.
fn run_script(script: &str) -> (ExitStatus, String, String) {
    run_script_with(&[], script)
}

/// [`run_script`] with more flags for the node.
fn run_script_with(extra: &[&str], script: &str) -> (ExitStatus, String, String) {
    let mut file = tempfile::NamedTempFile::new().expect("a temp file");
    file.write_all(script.as_bytes()).expect("the script is written");
    let out = repl(extra).arg("--script").arg(file.path()).stdin(Stdio::null()).output().expect("manaflow runs");
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).expect("the output is UTF-8");
    (out.status, text(out.stdout), text(out.stderr))
}

/// Runs `script`, which must succeed: its stdout.
fn run_ok(script: &str) -> String {
    let (status, stdout, stderr) = run_script(script);
    assert!(status.success(), "the script failed ({status})\nstdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(!stdout.contains('\u{1b}'), "NO_COLOR output carries escape codes:\n{stdout}");
    stdout
}

/// Runs `script`, which must fail at its last command: stdout and stderr.
fn run_failing(script: &str) -> (String, String) {
    let (status, stdout, stderr) = run_script(script);
    assert_eq!(status.code(), Some(1), "the script should fail\nstdout:\n{stdout}\nstderr:\n{stderr}");
    (stdout, stderr)
}

/// Each command of a script run with its output, in order.
fn sections(stdout: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in stdout.lines() {
        if let Some(command) = line.strip_prefix("» ") {
            out.push((command.to_string(), String::new()));
        } else if let Some((_, text)) = out.last_mut() {
            text.push_str(line);
            text.push('\n');
        }
    }
    out
}

/// The outputs of every run of `command` in a script's stdout.
fn outputs_of(stdout: &str, command: &str) -> Vec<String> {
    sections(stdout).into_iter().filter(|(c, _)| c == command).map(|(_, text)| text).collect()
}

/// The output of the one run of `command` in a script's stdout.
fn output_of(stdout: &str, command: &str) -> String {
    let mut outputs = outputs_of(stdout, command);
    assert_eq!(outputs.len(), 1, "`{command}` should run once:\n{stdout}");
    outputs.remove(0)
}

/// A table line's cells (columns are set apart by at least two spaces).
fn cells(line: &str) -> Vec<&str> {
    line.split("  ").map(str::trim).filter(|c| !c.is_empty()).collect()
}

/// The row of a table whose `column`th cell is `value`.
fn row<'a>(table: &'a str, column: usize, value: &str) -> Vec<&'a str> {
    table
        .lines()
        .map(cells)
        .find(|c| c.get(column) == Some(&value))
        .unwrap_or_else(|| panic!("no row with {value:?} in column {column}:\n{table}"))
}

/// The rows of a table (the lines after the rule under its header).
fn rows(table: &str) -> Vec<Vec<&str>> {
    table.lines().skip_while(|l| !l.starts_with('─')).skip(1).map(cells).collect()
}

/// The tx hash of a `tx 0x… mined in block …` or `tx 0x… pooled …` line.
fn sent_hash(output: &str) -> String {
    output
        .lines()
        .find_map(|l| l.strip_prefix("tx ").and_then(|rest| rest.split_whitespace().next()))
        .unwrap_or_else(|| panic!("no sent tx in:\n{output}"))
        .to_string()
}

/// `0x12ab…cdef`, as the REPL abbreviates a hash.
fn short(hash: &str) -> String {
    format!("{}…{}", &hash[..6], &hash[hash.len() - 4..])
}

/// The UTXO line's count and commitment: `UTXO set after block N: M outputs · commitment 0x…`.
fn utxo_line(output: &str) -> (u64, String) {
    let line = output.lines().find(|l| l.starts_with("UTXO set after block")).expect("the UTXO line");
    let count = line.split(": ").nth(1).and_then(|r| r.split(' ').next()).and_then(|n| n.parse().ok());
    let commitment = line.rsplit(' ').next().expect("a commitment");
    (count.unwrap_or_else(|| panic!("no count in {line}")), commitment.to_string())
}

// ---- help ------------------------------------------------------------------------------------

#[test]
fn help_lists_every_command_and_details_one() {
    let stdout = run_ok("help\nhelp send\nhelp tamper\nhelp quit\n");
    let list = output_of(&stdout, "help");
    assert!(list.starts_with("commands (names stand for addresses everywhere: alice, bob, token…)\n"), "{list}");
    let commands = [
        "accounts", "balance", "alias", "deploy", "call", "send", "tx", "moves", "step", "block", "validate", "utxo",
        "tamper", "automine", "mine", "help", "exit",
    ];
    let listed: Vec<&str> =
        list.lines().filter(|l| l.starts_with("  ")).filter_map(|l| l.split_whitespace().next()).collect();
    assert_eq!(listed, commands, "{list}");
    assert!(list.contains("  send      sign and send a tx from a dev account (mined at once in automine)\n"), "{list}");
    assert!(list.ends_with("`help <command>` shows its arguments and examples.\n"), "{list}");

    let send = output_of(&stdout, "help send");
    assert!(
        send.starts_with(
            "send <to> [function|signature args…] [--from who] [--value amount] [--force] [--native | --masked contracts]\n"
        ),
        "{send}"
    );
    assert!(send.contains("unless --force sends it anyway"), "{send}");
    assert!(send.contains("  send bob --value 1ether\n"), "{send}");

    let tamper = output_of(&stdout, "help tamper");
    assert!(tamper.starts_with("tamper <tx> move <i> <intx|prev|next|value> <value>"), "{tamper}");
    assert!(tamper.contains("tamper block 2 commitment 0x01"), "{tamper}");
    let quit = output_of(&stdout, "help quit");
    let quit: Vec<&str> = quit.lines().map(str::trim_end).collect();
    assert_eq!(quit[..2], ["exit", "  leave (Ctrl-D works too)"], "quit is exit");
}

#[test]
fn help_for_an_unknown_command_fails() {
    let (stdout, stderr) = run_failing("help nosuch\n");
    assert_eq!(stdout, "» help nosuch\nerror: no command \"nosuch\"; `help` lists them\n");
    assert!(stderr.contains("line 1: `help nosuch` failed: no command \"nosuch\""), "{stderr}");
}

// ---- accounts, balance, alias ----------------------------------------------------------------

#[test]
fn accounts_lists_ten_named_dev_accounts_with_10000_ether() {
    let stdout = run_ok("accounts\n");
    let table = output_of(&stdout, "accounts");
    assert_eq!(cells(table.lines().next().expect("a header")), ["name", "address", "balance (ETH)", "nonce"]);
    let rows = rows(&table);
    assert_eq!(rows.len(), 10, "{table}");
    for (row, (name, address)) in rows.iter().zip(ACCOUNTS) {
        assert_eq!(row, &[name, address, "10000", "0"], "{table}");
    }
}

#[test]
fn accounts_follow_the_node_flags() {
    let (status, stdout, stderr) =
        run_script_with(&["--accounts", "3", "--balance", "5", "--chain-id", "5"], "accounts\n");
    assert!(status.success(), "{stdout}\n{stderr}");
    assert!(stderr.contains("manaflow repl · chain 5 · JSON-RPC on http://127.0.0.1:"), "{stderr}");
    assert!(stderr.contains(" · 3 dev accounts (alice, bob, …) · `help` lists the commands"), "{stderr}");
    let table = output_of(&stdout, "accounts");
    let names: Vec<&str> = rows(&table).iter().map(|r| r[0]).collect();
    assert_eq!(names, ["alice", "bob", "carol"], "{table}");
    assert_eq!(row(&table, 0, "carol"), ["carol", ACCOUNTS[2].1, "5", "0"]);
}

#[test]
fn balance_reads_ether_and_erc20_balances() {
    let stdout = run_ok(
        "balance alice\nbalance bob\nbalance 0x0000000000000000000000000000000000000001\ndeploy token TestToken\n\
         send token transfer bob 100 --from alice\nbalance bob token\nbalance alice token\nbalance carol token\n",
    );
    assert_eq!(output_of(&stdout, "balance alice"), "alice 10000 ETH\n");
    assert_eq!(output_of(&stdout, "balance bob"), "bob 10000 ETH\n");
    assert_eq!(output_of(&stdout, "balance 0x0000000000000000000000000000000000000001"), "0x0000…0001 0 ETH\n");
    assert_eq!(output_of(&stdout, "balance bob token"), "bob 100 token\n");
    assert_eq!(output_of(&stdout, "balance alice token"), "alice 999999999999999999999900 token\n");
    assert_eq!(output_of(&stdout, "balance carol token"), "carol 0 token\n");

    let (stdout, _) = run_failing("balance nobody\n");
    assert!(
        stdout.contains("error: \"nobody\" is neither a name (see `accounts` and `alias`) nor a 0x address"),
        "{stdout}"
    );
}

#[test]
fn alias_names_an_address_everywhere() {
    let treasury = "0x1111111111111111111111111111111111111111";
    let stdout = run_ok(&format!(
        "alias treasury {treasury}\nbalance treasury\nsend treasury --value 2ether\nbalance treasury\ntx\nalias\n"
    ));
    assert_eq!(
        output_of(&stdout, "alias treasury 0x1111111111111111111111111111111111111111"),
        format!("treasury = {treasury}\n")
    );
    assert_eq!(outputs_of(&stdout, "balance treasury"), ["treasury 0 ETH\n", "treasury 2 ETH\n"]);
    assert!(
        output_of(&stdout, "tx").contains("  alice → treasury: plain transfer · value 2 ETH · nonce 0\n"),
        "{stdout}"
    );
    let list = output_of(&stdout, "alias");
    assert!(list.starts_with("names\n"), "{list}");
    assert_eq!(cells(list.lines().nth(1).expect("a header")), ["name", "address", "what"]);
    let rows = rows(&list);
    assert_eq!(rows.len(), 11, "{list}");
    assert_eq!(rows[0], ["alice", ALICE, "dev account 0"]);
    assert_eq!(rows[9], ["judy", ACCOUNTS[9].1, "dev account 9"]);
    assert_eq!(rows[10], ["treasury", treasury, "alias"]);

    let (stdout, _) = run_failing(&format!("alias alice {treasury}\n"));
    assert!(stdout.contains("error: alice is a dev account's name; pick another"), "{stdout}");
}

/// TestToken's init code from its artifact, `0x…`.
fn test_token_bytecode() -> String {
    let path = workspace().join("examples/contracts/artifacts/TestToken.json");
    let artifact: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("the artifact")).expect("JSON");
    let bytecode = artifact["bytecode"].as_str().expect("a bytecode string");
    format!("0x{}", bytecode.trim_start_matches("0x"))
}

// ---- deploy ----------------------------------------------------------------------------------

#[test]
fn deploy_names_an_artifact_at_the_first_contract_address() {
    let artifact = workspace().join("examples/contracts/artifacts/TestToken.json");
    let artifact = artifact.to_str().expect("a UTF-8 path");
    let stdout = run_ok(&format!("deploy token TestToken\ndeploy other {artifact}\nalias\ncall other name\n"));
    let deployed = output_of(&stdout, "deploy token TestToken");
    let mut lines = deployed.lines();
    assert_eq!(lines.next(), Some(format!("deployed token at {FIRST_CONTRACT}").as_str()), "{deployed}");
    let mined = lines.next().expect("the tx line");
    assert!(mined.ends_with(" mined in block 1: success, gas 567275, 10 moves (8 writes, 2 reads)"), "{mined}");
    assert_eq!(lines.next(), Some(format!("  token.Transfer(from: 0x0000…0000, to: alice, value: {MINTED})").as_str()));

    let other = output_of(&stdout, &format!("deploy other {artifact}"));
    assert!(other.starts_with(&format!("deployed other at {SECOND_CONTRACT}\n")), "{other}");
    assert!(other.contains(" mined in block 2: success"), "{other}");

    let list = output_of(&stdout, "alias");
    assert_eq!(
        row(&list, 0, "token"),
        ["token", FIRST_CONTRACT, "contract from examples/contracts/artifacts/TestToken.json"]
    );
    assert_eq!(row(&list, 0, "other")[1], SECOND_CONTRACT);
    assert_eq!(output_of(&stdout, "call other name"), "\"Test Token\"\n");
}

#[test]
fn deploy_raw_bytecode_with_and_without_a_constructor_signature() {
    let bytecode = test_token_bytecode();
    let stdout = run_ok(&format!(
        "deploy box {BOX_INIT} --sig \"(uint256)\" 7\ncall box \"get()(uint256)\"\nutxo box storage 0\n\
         deploy raw {bytecode}\ncall raw \"balanceOf(address)(uint256)\" alice\nalias\n"
    ));
    let boxed = output_of(&stdout, &format!("deploy box {BOX_INIT} --sig \"(uint256)\" 7"));
    assert!(boxed.starts_with(&format!("deployed box at {FIRST_CONTRACT}\n")), "{boxed}");
    assert!(boxed.contains(" mined in block 1: success"), "{boxed}");
    assert_eq!(output_of(&stdout, "call box \"get()(uint256)\""), "7\n", "the constructor argument was stored");
    let slot = output_of(&stdout, "utxo box storage 0");
    assert_eq!(row(&slot, 0, "box.slot 0")[2], "7", "{slot}");

    let raw = output_of(&stdout, &format!("deploy raw {bytecode}"));
    assert!(raw.starts_with(&format!("deployed raw at {SECOND_CONTRACT}\n")), "{raw}");
    assert_eq!(output_of(&stdout, "call raw \"balanceOf(address)(uint256)\" alice"), format!("{MINTED}\n"));
    let list = output_of(&stdout, "alias");
    assert_eq!(row(&list, 0, "box"), ["box", FIRST_CONTRACT, "contract from bytecode"]);
    assert_eq!(row(&list, 0, "raw"), ["raw", SECOND_CONTRACT, "contract from bytecode"]);

    // Without an ABI, a function is called by its signature only; constructor words need --sig.
    let (stdout, _) = run_failing(&format!("deploy raw {bytecode}\ncall raw balanceOf alice\n"));
    assert!(
        stdout.ends_with(
            "error: this contract has no ABI here: give the signature, as in `balanceOf(address,uint256)`\n"
        ),
        "{stdout}"
    );
    let (stdout, _) = run_failing(&format!("deploy box {BOX_INIT} 7\n"));
    assert!(
        stdout.ends_with("error: raw bytecode takes constructor arguments only with --sig \"(type,…)\"\n"),
        "{stdout}"
    );
}

#[test]
fn deploy_runs_wasm_modules_called_by_their_abi() {
    // By name (found in examples/wasm/artifacts, ABI from erc20.abi.json beside it).
    let stdout = run_ok("deploy token erc20\ncall token balanceOf alice\nsend token transfer bob 100\nmoves\n");
    let deployed = output_of(&stdout, "deploy token erc20");
    assert!(deployed.starts_with(&format!("deployed token at {FIRST_CONTRACT}\n")), "{deployed}");
    assert!(deployed.contains(" mined in block 1: success"), "{deployed}");
    assert!(deployed.contains(&format!("token.Transfer(from: 0x0000…0000, to: alice, value: {MINTED})")), "{deployed}");
    assert_eq!(output_of(&stdout, "call token balanceOf alice"), format!("{MINTED}\n"));
    let sent = output_of(&stdout, "send token transfer bob 100");
    assert!(sent.contains("token.Transfer(from: alice, to: bob, value: 100)"), "{sent}");
    let moves = output_of(&stdout, "moves");
    assert!(moves.contains("token.balanceOf[bob]"), "mapping slots decoded as for Solidity: {moves}");
}

#[test]
fn deploy_refuses_a_bad_wasm_module_with_the_reason() {
    let dir = tempfile::tempdir().expect("a temp dir");
    // A module without the `call` entry point.
    let module = b"\0asm\x01\0\0\0\x05\x03\x01\x00\x01\x07\x0a\x01\x06memory\x02\x00\x0b\x01\x00";
    for file in ["contract.wasm", "contract.bin"] {
        let path = dir.path().join(file);
        std::fs::write(&path, module).expect("the module is written");
        let (stdout, _) = run_failing(&format!("deploy w {}\n", path.display()));
        assert!(stdout.contains("cannot be deployed"), "{file}: {stdout}");
        assert!(stdout.contains("missing export `call`"), "{file}: {stdout}");
        assert!(!stdout.contains("deployed w"), "{stdout}");
    }
}

#[test]
fn deploy_of_a_missing_artifact_fails_with_a_message() {
    let (stdout, stderr) = run_failing("deploy x NoSuchContract\naccounts\n");
    let message = "no contract \"NoSuchContract\": give an artifact .json or a .wasm module path, 0x bytecode, \
                   or a name found in examples/contracts/artifacts, examples/wasm/artifacts, artifacts, out";
    assert_eq!(stdout, format!("» deploy x NoSuchContract\nerror: {message}\n"));
    assert!(stderr.contains(&format!("line 1: `deploy x NoSuchContract` failed: {message}")), "{stderr}");
}

// ---- call, send ------------------------------------------------------------------------------

#[test]
fn call_runs_functions_by_name_and_by_signature_without_sending() {
    let stdout = run_ok(&format!(
        "deploy token TestToken\nsend token transfer bob 100\ncall token balanceOf bob\n\
         call token \"balanceOf(address)(uint256)\" bob\ncall {FIRST_CONTRACT} \"balanceOf(address)(uint256)\" alice\n\
         call token name\ncall token transfer carol 5 --from bob\nbalance carol token\nblock\n"
    ));
    assert_eq!(output_of(&stdout, "call token balanceOf bob"), "100\n");
    assert_eq!(output_of(&stdout, "call token \"balanceOf(address)(uint256)\" bob"), "100\n");
    assert_eq!(
        output_of(&stdout, &format!("call {FIRST_CONTRACT} \"balanceOf(address)(uint256)\" alice")),
        "999999999999999999999900\n"
    );
    assert_eq!(output_of(&stdout, "call token name"), "\"Test Token\"\n");
    assert_eq!(output_of(&stdout, "call token transfer carol 5 --from bob"), "true\n");
    assert_eq!(output_of(&stdout, "balance carol token"), "carol 0 token\n", "a call sends nothing");
    assert!(output_of(&stdout, "block").starts_with("block 2 "), "a call mines nothing");
}

#[test]
fn a_reverting_call_reports_the_decoded_custom_error() {
    let (stdout, stderr) =
        run_failing("deploy token TestToken\nsend token transfer bob 100\ncall token transfer carol 500 --from bob\n");
    let error = "reverted with ERC20InsufficientBalance(bob, 100, 500)";
    assert!(stdout.ends_with(&format!("» call token transfer carol 500 --from bob\nerror: {error}\n")), "{stdout}");
    assert!(stderr.contains(error), "{stderr}");
}

#[test]
fn send_ether_to_an_account() {
    let stdout = run_ok("send bob --value 1ether\nbalance bob\ntx\n");
    let sent = output_of(&stdout, "send bob --value 1ether");
    assert!(sent.ends_with(" mined in block 1: success, gas 21000, 6 moves (3 writes, 3 reads)\n"), "{sent}");
    assert_eq!(output_of(&stdout, "balance bob"), "bob 10001 ETH\n");
    let tx = output_of(&stdout, "tx");
    assert!(tx.contains("  alice → bob: plain transfer · value 1 ETH · nonce 0\n"), "{tx}");
    assert_eq!(row(&tx, 2, "bob.balance")[4], "10000 ETH → 10001 ETH", "{tx}");
}

#[test]
fn send_calls_a_function_by_name_and_by_signature() {
    let stdout = run_ok(
        "deploy token TestToken\nsend token mint carol 1000\nsend token \"transfer(address,uint256)\" bob 7 --from carol\n\
         balance bob token\nbalance carol token\ntx\n",
    );
    let minted = output_of(&stdout, "send token mint carol 1000");
    assert!(minted.contains(" mined in block 2: success"), "{minted}");
    assert!(minted.ends_with("\n  token.Transfer(from: 0x0000…0000, to: carol, value: 1000)\n"), "{minted}");
    let sent = output_of(&stdout, "send token \"transfer(address,uint256)\" bob 7 --from carol");
    assert!(sent.ends_with("\n  token.Transfer(from: carol, to: bob, value: 7)\n"), "{sent}");
    assert_eq!(output_of(&stdout, "balance bob token"), "bob 7 token\n");
    assert_eq!(output_of(&stdout, "balance carol token"), "carol 993 token\n");
    assert!(
        output_of(&stdout, "tx").contains("  carol → token: transfer(bob, 7) · value 0 ETH · nonce 0\n"),
        "{stdout}"
    );
}

#[test]
fn send_refuses_a_tx_that_would_revert() {
    let (stdout, stderr) = run_failing("deploy token TestToken\nsend token transfer carol 500 --from bob\nblock\n");
    let error =
        "the tx would fail (reverted with ERC20InsufficientBalance(bob, 0, 500)); add --force to send it anyway";
    assert!(stdout.ends_with(&format!("» send token transfer carol 500 --from bob\nerror: {error}\n")), "{stdout}");
    assert!(!stdout.contains("» block"), "the script stops at the failure:\n{stdout}");
    assert!(
        stderr.contains(&format!("line 2: `send token transfer carol 500 --from bob` failed: {error}")),
        "{stderr}"
    );
}

#[test]
fn send_with_force_mines_a_failed_tx() {
    let stdout = run_ok(
        "deploy token TestToken\nsend token transfer carol 500 --from bob --force\ntx\nblock\naccounts\nvalidate\n",
    );
    let sent = output_of(&stdout, "send token transfer carol 500 --from bob --force");
    assert!(sent.contains(" mined in block 2: failed, gas "), "{sent}");
    assert!(sent.ends_with(", 7 moves (2 writes, 5 reads)\n"), "{sent}");
    let tx = output_of(&stdout, "tx");
    assert!(tx.contains("  bob → token: transfer(carol, 500) · value 0 ETH · nonce 0\n"), "{tx}");
    assert!(tx.contains("  receipt: failed · gas "), "{tx}");
    assert_eq!(row(&tx, 2, "bob.nonce")[4..], ["0 → 1", "write", "yes"], "the failed tx still spends a nonce");
    assert_eq!(row(&tx, 2, "token.balanceOf[bob]")[3..], ["never written", "= 0", "read", "yes"], "{tx}");
    let block = output_of(&stdout, "block");
    assert_eq!(rows(&block)[0][3..], ["bob → token: transfer(carol, 500)", "failed", "7"], "{block}");
    assert_eq!(row(&output_of(&stdout, "accounts"), 0, "bob")[3], "1");
    assert!(output_of(&stdout, "validate").ends_with("verdict forward: ✔ valid\n"), "{stdout}");
}

// ---- tx, moves, step -------------------------------------------------------------------------

#[test]
fn tx_and_moves_show_the_move_table() {
    let stdout = run_ok("deploy token TestToken\nsend token transfer bob 100\ntx\n");
    let hash = sent_hash(&output_of(&stdout, "send token transfer bob 100"));
    let tx = output_of(&stdout, "tx");
    let mut lines = tx.lines();
    assert_eq!(lines.next(), Some(format!("tx {hash} (ethereum) in block 2, index 0").as_str()), "{tx}");
    assert_eq!(lines.next(), Some("  alice → token: transfer(bob, 100) · value 0 ETH · nonce 1"), "{tx}");
    assert!(lines.next().is_some_and(|l| l.starts_with("  receipt: success · gas 51575 · price ")), "{tx}");
    assert_eq!(lines.next(), Some("  log token.Transfer(from: alice, to: bob, value: 100)"), "{tx}");
    assert_eq!(lines.next(), Some("moves (8 moves: 4 writes, 4 reads)"), "{tx}");
    let header = lines.next().expect("the table header");
    assert_eq!(cells(header), ["#", "mark", "key", "intx", "prev → next", "kind", "first use"], "{tx}");

    let table = tx.split_once("moves (8 moves").expect("the table").1;
    let keys: Vec<&str> = rows(table).iter().map(|r| r[2]).collect();
    assert_eq!(
        keys,
        [
            "token.balance",
            "token.code",
            "token.nonce",
            "token.balanceOf[bob]",
            "token.balanceOf[alice]",
            "alice.balance",
            "alice.code",
            "alice.nonce"
        ],
        "{tx}"
    );
    assert_eq!(
        row(table, 2, "token.balanceOf[bob]"),
        ["3", "s", "token.balanceOf[bob]", "never written", "0 → 100", "write", "yes"]
    );
    let alice_tokens = row(table, 2, "token.balanceOf[alice]");
    assert_eq!(alice_tokens[1], "s");
    assert_eq!(alice_tokens[4..], [&format!("{MINTED} → 999999999999999999999900"), "write"], "not a first use");
    let nonce = row(table, 2, "alice.nonce");
    assert_eq!(nonce[1], "n");
    assert_eq!(nonce[4..], ["1 → 2", "write"], "not a first use: {tx}");
    assert_eq!(row(table, 2, "alice.code")[3..], ["never written", "= no code", "read", "yes"]);
    assert_eq!(row(table, 2, "token.nonce")[4..], ["= 1", "read"]);
    // The deploy tx created the token's outputs: their intx is its hash.
    let deploy = sent_hash(&output_of(&stdout, "deploy token TestToken"));
    assert_eq!(row(table, 2, "token.code")[3], short(&deploy));

    // `moves` by a unique hash prefix: the same table, without the call and receipt.
    let prefix = &hash[..12];
    let stdout = run_ok(&format!("deploy token TestToken\nsend token transfer bob 100\nmoves {prefix}\ntx {hash}\n"));
    let moves = output_of(&stdout, &format!("moves {prefix}"));
    assert!(
        moves.starts_with(&format!("tx {hash} (ethereum) in block 2, index 0\nmoves (8 moves: 4 writes, 4 reads)\n")),
        "{moves}"
    );
    assert!(!moves.contains("alice → token"), "{moves}");
    assert_eq!(moves.split_once("moves (8 moves").expect("the table").1, table, "the same move table");
    assert!(output_of(&stdout, &format!("tx {hash}")).contains("alice → token: transfer(bob, 100)"), "{stdout}");
}

#[test]
fn tx_of_an_unknown_hash_fails() {
    let unknown = format!("0x{}", "ab".repeat(32));
    let (stdout, _) = run_failing(&format!("tx {unknown}\n"));
    assert!(stdout.ends_with(&format!("error: tx {unknown} is not on chain\n")), "{stdout}");
    let (stdout, _) = run_failing("tx\n");
    assert!(stdout.ends_with("error: no tx yet: send one, or give a tx hash\n"), "{stdout}");
}

#[test]
fn step_re_executes_an_erc20_transfer_access_by_access() {
    let stdout = run_ok("deploy token TestToken\nsend token transfer bob 100\nstep\n");
    let hash = sent_hash(&output_of(&stdout, "send token transfer bob 100"));
    let step = output_of(&stdout, "step");
    let lines: Vec<&str> = step.lines().collect();
    assert_eq!(
        lines[0],
        format!("step tx {hash} (block 2, index 0): re-executed against its own declared moves, as the validator does")
    );
    assert_eq!(
        lines[1],
        "  before any code runs, the tx checks alice's nonce and balance and charges the fee: moves #5 #6 #7"
    );
    // Each access: contract, pc, opcode, what it does.
    let opcodes: Vec<&str> = lines
        .iter()
        .take_while(|l| !l.starts_with("the move set"))
        .skip(2)
        .map(|l| l.split_whitespace().nth(2).expect("an opcode"))
        .collect();
    assert_eq!(opcodes, ["TX", "SLOAD", "SSTORE", "SLOAD", "SSTORE", "LOG3"], "{step}");
    assert!(lines[2].contains("calls token with 0 ETH  (first touch: move #1)"), "{step}");
    assert!(
        lines[3].ends_with(&format!("SLOAD        reads balanceOf[alice] = {MINTED}  (first touch: move #4)")),
        "{step}"
    );
    assert!(lines[4].ends_with("SSTORE       writes balanceOf[alice] := 999999999999999999999900"), "{step}");
    assert!(lines[5].ends_with("SLOAD        reads balanceOf[bob] = 0  (first touch: move #3)"), "{step}");
    assert!(lines[6].ends_with("SSTORE       writes balanceOf[bob] := 100"), "{step}");
    assert!(
        lines[7].ends_with(
            "LOG3         emits token.Transfer(from: alice, to: bob, value: 100)  (a log: the receipt's, not a move)"
        ),
        "the event, decoded with the token's ABI: {step}"
    );
    assert!(lines[3].trim_start().starts_with("token "), "the token's code runs: {step}");
    assert_eq!(lines[8], "the move set (8 moves, in canonical order)");
    assert_eq!(lines.last(), Some(&"✔ re-execution reproduces the 8 declared moves exactly"), "{step}");
}

#[test]
fn step_shows_a_wasm_frames_host_calls_and_the_instructions_they_ran() {
    let stdout = run_ok("deploy token erc20\nsend token transfer bob 100\nstep\n");
    let step = output_of(&stdout, "step");
    let lines: Vec<&str> = step.lines().collect();
    let accesses: Vec<Vec<&str>> = lines
        .iter()
        .take_while(|l| !l.starts_with("the move set"))
        .skip(2)
        .map(|l| l.split_whitespace().take(4).collect())
        .collect();
    let calls: Vec<&str> = accesses.iter().map(|a| a[2]).collect();
    assert_eq!(calls, ["TX", "storage_load", "storage_store", "storage_load", "storage_store", "emit_log"], "{step}");
    // Host calls are numbered within the WASM frame and name the EVM instruction each ran.
    assert_eq!(accesses[1][1..4], ["#1", "storage_load", "(SLOAD)"], "{step}");
    assert_eq!(accesses[2][1..4], ["#2", "storage_store", "(SSTORE)"], "{step}");
    assert!(lines[3].ends_with(&format!("reads balanceOf[alice] = {MINTED}  (first touch: move #4)")), "{step}");
    assert!(lines[6].ends_with("writes balanceOf[bob] := 100"), "{step}");
    // The WASM frame's log reaches the tracer as an EVM LOG3's does, decoded with the same ABI.
    assert_eq!(accesses[5][1..4], ["#5", "emit_log", "(LOG3)"], "{step}");
    assert!(
        lines[7]
            .ends_with("emits token.Transfer(from: alice, to: bob, value: 100)  (a log: the receipt's, not a move)"),
        "{step}"
    );
    assert_eq!(lines.last(), Some(&"✔ re-execution reproduces the 8 declared moves exactly"), "{step}");
}

#[test]
fn step_on_the_genesis_tx_shows_its_moves() {
    let stdout = run_ok("block 0\nstep\n");
    let step = output_of(&stdout, "step");
    assert!(step.contains("\na system tx executes nothing: its moves are the change\n"), "{step}");
    let rows = rows(&step);
    assert_eq!(rows.len(), 11, "ten accounts and the CREATE2 deployer:\n{step}");
    assert_eq!(row(&step, 2, "alice.balance")[3..], ["never written", "0 ETH → 10000 ETH", "write", "yes"]);
}

// ---- block -----------------------------------------------------------------------------------

#[test]
fn block_shows_the_header_roots_commitment_and_txs() {
    let stdout =
        run_ok("block 0\ndeploy token TestToken\nsend token transfer bob 100\nblock 1\nblock\nutxo\nblock genesis\n");
    let genesis = output_of(&stdout, "block 0");
    let lines: Vec<&str> = genesis.lines().collect();
    assert!(lines[0].starts_with("block 0 0x"), "{genesis}");
    assert_eq!(lines[1], format!("  parent     0x{}", "0".repeat(64)));
    assert_eq!(lines[2], "  timestamp  1700000000 · base fee 1000000000 wei · gas 0 of 30000000");
    assert!(lines[3].starts_with("  tx root    0x"), "{genesis}");
    assert!(lines[4].starts_with("  outcomes   0x"), "{genesis}");
    assert!(
        lines[5].starts_with("  commitment 0x") && lines[5].ends_with(" (the UTXO set after this block)"),
        "{genesis}"
    );
    assert_eq!(cells(lines[6]), ["#", "tx", "kind", "call", "status", "moves"]);
    assert_eq!(rows(&genesis)[0][2..], ["system", "system", "success", "11"], "{genesis}");
    assert_eq!(output_of(&stdout, "block genesis"), genesis);

    let genesis_hash = lines[0].rsplit(' ').next().expect("a hash");
    let first = output_of(&stdout, "block 1");
    assert!(first.contains(&format!("  parent     {genesis_hash}\n")), "block 1 links to genesis:\n{first}");
    let deploy = sent_hash(&output_of(&stdout, "deploy token TestToken"));
    let init = (test_token_bytecode().len() - 2) / 2;
    assert_eq!(
        rows(&first)[0],
        [
            "0",
            &short(&deploy),
            "ethereum",
            &format!("alice → create: create ({init} bytes of init code)"),
            "success",
            "10"
        ]
    );

    let latest = output_of(&stdout, "block");
    assert!(latest.starts_with("block 2 0x"), "{latest}");
    assert!(latest.contains(" · gas 51575 of 30000000\n"), "{latest}");
    let transfer = sent_hash(&output_of(&stdout, "send token transfer bob 100"));
    assert_eq!(
        rows(&latest),
        [["0", &short(&transfer), "ethereum", "alice → token: transfer(bob, 100)", "success", "8"]]
    );
    let (_, commitment) = utxo_line(&output_of(&stdout, "utxo"));
    assert!(latest.contains(&format!("  commitment {commitment} (the UTXO set after this block)")), "{latest}");

    let (stdout, _) = run_failing("block 5\n");
    assert!(stdout.ends_with("error: block 5 does not exist yet: the chain is at 0\n"), "{stdout}");
}

// ---- validate --------------------------------------------------------------------------------

#[test]
fn validate_a_block_forward() {
    let stdout = run_ok("deploy token TestToken\nsend token transfer bob 100\nvalidate\nvalidate 2 forward\n");
    let hash = sent_hash(&output_of(&stdout, "send token transfer bob 100"));
    let out = output_of(&stdout, "validate");
    assert_eq!(output_of(&stdout, "validate 2 forward"), out, "the latest block is the default");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "validating block 2 forward: genesis first, every move checked against the UTXO set");
    assert!(lines[1].starts_with("block 2 0x") && lines[1].ends_with(": header links to its parent; tx root checked"));
    assert_eq!(lines[2], format!("  ✔ block 2 tx 0 {}: signature and stateless re-execution", short(&hash)));
    let steps: Vec<&str> = lines[3..].iter().map(|l| l.split_whitespace().nth(1).unwrap_or_default()).collect();
    assert_eq!(
        steps,
        [
            "read",
            "read",
            "read",
            "consume",
            "create",
            "consume",
            "create",
            "consume",
            "create",
            "read",
            "consume",
            "create",
            "commitment",
            "forward:"
        ],
        "{out}"
    );
    assert!(
        out.contains("  ✔ read    token.balance is live (never-written) and = 0 ETH   block 2 tx 0 move 0\n"),
        "{out}"
    );
    assert!(
        out.contains(
            "  ✔ consume token.balanceOf[bob] is live (never-written); prev = 0 matches   block 2 tx 0 move 3\n"
        ),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "  + create  token.balanceOf[bob] = 100 (output of tx {})   block 2 tx 0 move 3\n",
            short(&hash)
        )),
        "{out}"
    );
    let commitment = lines[lines.len() - 2];
    assert!(commitment.starts_with("  ✔ commitment of the UTXO set after block 2: computed 0x"), "{out}");
    let (computed, declared) = commitment.split_once(": computed ").expect("").1.split_once(" · declared ").expect("");
    assert_eq!(computed, declared);
    assert_eq!(lines.last(), Some(&"verdict forward: ✔ valid"));
}

#[test]
fn validate_a_block_in_reverse() {
    let stdout =
        run_ok("deploy token TestToken\nsend token transfer bob 100\nvalidate latest reverse\nvalidate 0 reverse\n");
    let out = output_of(&stdout, "validate latest reverse");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "validating block 2 in reverse: tip first, every move a claim that an earlier write must settle"
    );
    assert_eq!(
        lines[1],
        "(from earlier blocks only the writes that settle claims are shown; open claims count the whole walk)"
    );
    assert_eq!(lines[2], "block 2: its txs from last to first, each move a claim");
    assert!(
        out.contains("  ✔ write token.balanceOf[bob] = 100 nobody claims it: it is live at the tip   block 2 tx 0 move 3 · open claims 0\n"),
        "{out}"
    );
    let claims: Vec<&str> = lines.iter().copied().filter(|l| l.starts_with("  ? claim ")).collect();
    assert_eq!(claims.len(), 8, "one claim per move:\n{out}");
    assert!(claims.iter().all(|c| c.contains(" · open claims ")), "{out}");
    assert!(
        claims
            .iter()
            .any(|c| c.starts_with("  ? claim consume token.balanceOf[bob] = 0 on the output of never-written"))
    );
    assert!(
        claims.iter().any(|c| c.starts_with("  ? claim read    token.balance = 0 ETH on the output of never-written"))
    );
    assert!(out.contains("settles the consume that spent it"), "earlier writes settle the claims:\n{out}");
    assert!(
        out.contains(" outputs still claimed were never written: they hold zero before genesis, so all are settled\n"),
        "{out}"
    );
    assert!(out.contains("  ✔ commitment after block 2: computed "), "{out}");
    assert_eq!(lines.last(), Some(&"verdict reverse: ✔ valid"));

    let genesis = output_of(&stdout, "validate 0 reverse");
    assert!(genesis.starts_with("validating block 0 in reverse"), "{genesis}");
    assert!(!genesis.contains("(from earlier blocks"), "{genesis}");
    assert!(genesis.ends_with("verdict reverse: ✔ valid\n"), "{genesis}");
}

#[test]
fn reverse_validation_counts_the_claims_still_open() {
    let stdout = run_ok(
        "deploy token TestToken\nsend token transfer bob 100\nsend token transfer bob 100\nvalidate latest reverse\n",
    );
    let out = output_of(&stdout, "validate latest reverse");
    let open = |line: &str| -> usize {
        line.rsplit("open claims ").next().and_then(|n| n.trim().parse().ok()).expect("an open-claims count")
    };
    // The claim lines count claimed outputs: the 8 moves of the last transfer claim 8 outputs.
    let claims: Vec<usize> = out.lines().filter(|l| l.starts_with("  ? claim ")).map(open).collect();
    assert_eq!(claims, [1, 2, 3, 4, 5, 6, 7, 8], "{out}");
    // Once the deploy's writes (block 1) have settled what they created, three outputs are still claimed, all
    // never written: token.balance and alice.code (read by both transfers) and token.balanceOf[bob] (consumed by
    // the first): 3 claimed outputs, 5 claiming moves. The REPL says 1, as token.code and token.nonce each
    // settled two reads and it subtracted 2 for each.
    let last = out.lines().rfind(|l| l.contains("   block 1 tx 0 move ")).expect("block 1's settling writes");
    assert!(last.contains("write alice.nonce = 1 settles the consume that spent it"), "{out}");
    assert!(matches!(open(last), 3 | 5), "open claims after block 1's writes: {}\n{out}", open(last));
}

#[test]
fn validate_the_chain_one_line_per_block() {
    let stdout =
        run_ok("deploy token TestToken\nsend token transfer bob 100\nvalidate chain\nvalidate chain reverse\n");
    let forward = output_of(&stdout, "validate chain");
    assert_eq!(
        forward,
        "validating the chain (blocks 0 to 2) forward: genesis first, every move checked against the UTXO set\n\
         block 0: 0 reads and 11 consumes found live, 11 outputs created, commitment ✔\n\
         block 1: 2 reads and 8 consumes found live, 8 outputs created, commitment ✔\n\
         block 2: 4 reads and 4 consumes found live, 4 outputs created, commitment ✔\n\
         verdict forward: ✔ valid\n"
    );
    let reverse = output_of(&stdout, "validate chain reverse");
    let lines: Vec<&str> = reverse.lines().collect();
    assert_eq!(
        lines[0],
        "validating the chain (blocks 0 to 2) in reverse: tip first, every move a claim that an earlier write must settle"
    );
    assert_eq!(lines.len(), 5, "{reverse}");
    for (n, moves) in [(0, 11), (1, 10), (2, 8)] {
        let line = lines[n + 1];
        assert!(line.starts_with(&format!("block {n}: {moves} claims made, ")), "{reverse}");
        assert!(line.ends_with(" settled by its writes, commitment ✔"), "{reverse}");
    }
    assert_eq!(lines[4], "verdict reverse: ✔ valid");
}

// ---- utxo ------------------------------------------------------------------------------------

#[test]
fn utxo_shows_the_set_an_account_and_one_output() {
    let stdout = run_ok(
        "utxo\ndeploy token TestToken\nsend token transfer bob 100\nutxo\nutxo bob\nutxo alice nonce\n\
         utxo token storage 2\nutxo token\nblock\n",
    );
    let [before, after] = &outputs_of(&stdout, "utxo")[..] else { panic!("two `utxo` runs:\n{stdout}") };
    let (count, genesis_commitment) = utxo_line(before);
    assert!(before.starts_with("UTXO set after block 0: "), "{before}");
    assert!(count > 0, "{before}");
    let (count_after, commitment) = utxo_line(after);
    assert!(after.starts_with("UTXO set after block 2: "), "{after}");
    assert!(count_after > count, "the deploy and the transfer create outputs");
    assert_ne!(commitment, genesis_commitment);
    assert!(output_of(&stdout, "block").contains(&format!("  commitment {commitment} ")), "the tip's commitment");

    let bob = output_of(&stdout, "utxo bob");
    assert!(bob.starts_with("outputs of bob (1 outputs)\n"), "{bob}");
    assert_eq!(cells(bob.lines().nth(1).expect("a header")), ["key", "created by tx", "value"]);
    let genesis_tx = row(&bob, 0, "bob.balance")[1].to_string();
    assert_eq!(rows(&bob), [["bob.balance", genesis_tx.as_str(), "10000 ETH"]]);

    let transfer = sent_hash(&output_of(&stdout, "send token transfer bob 100"));
    let nonce = output_of(&stdout, "utxo alice nonce");
    assert!(nonce.starts_with("outputs of alice (1 outputs)\n"), "{nonce}");
    assert_eq!(rows(&nonce), [["alice.nonce", transfer.as_str(), "2"]]);

    let deploy = sent_hash(&output_of(&stdout, "deploy token TestToken"));
    let supply = output_of(&stdout, "utxo token storage 2");
    assert_eq!(rows(&supply), [["token.totalSupply", deploy.as_str(), MINTED]]);

    let token = output_of(&stdout, "utxo token");
    assert!(token.starts_with("outputs of token (7 outputs)\n"), "{token}");
    assert_eq!(row(&token, 0, "token.balanceOf[bob]")[1..], [transfer.as_str(), "100"]);
    assert_eq!(row(&token, 0, "token.nonce")[1..], [deploy.as_str(), "1"]);

    let (stdout, _) = run_failing("utxo alice storage\n");
    assert!(stdout.ends_with("error: a storage output needs its slot: `utxo alice storage <slot>`\n"), "{stdout}");
}

#[test]
fn utxo_counts_the_outputs_it_lists() {
    let accounts: String = ACCOUNTS.iter().map(|(name, _)| format!("utxo {name}\n")).collect();
    let stdout = run_ok(&format!("utxo\nvalidate chain\nutxo 0x4e59b44847b379578588920cA78FbF26c0B4956C\n{accounts}"));
    // Genesis creates 11 outputs: the ten balances and the CREATE2 deployer's code.
    assert!(
        output_of(&stdout, "validate chain")
            .contains("block 0: 0 reads and 11 consumes found live, 11 outputs created")
    );
    let listed: usize = sections(&stdout)
        .iter()
        .filter(|(command, _)| command.starts_with("utxo "))
        .map(|(_, out)| rows(out).len())
        .sum();
    assert_eq!(listed, 11, "{stdout}");
    let line = output_of(&stdout, "utxo");
    let words: Vec<&str> = line.split_whitespace().collect();
    let counted =
        words.iter().position(|w| *w == "outputs").map(|i| words[i - 1].trim_matches(|c: char| !c.is_ascii_digit()));
    assert_eq!(counted, Some("11"), "the number the line calls outputs: {line}");
}

// ---- tamper ----------------------------------------------------------------------------------

/// The rule both verdicts of a `tamper` output name (`None` when a verdict accepts the copy).
fn tamper_rules(output: &str) -> (Option<String>, Option<String>) {
    let rule = |direction: &str| {
        let line = output
            .lines()
            .find(|l| l.starts_with(&format!("verdict {direction}: ")))
            .unwrap_or_else(|| panic!("no {direction} verdict:\n{output}"));
        line.split_once("✘ invalid, rule ").map(|(_, rest)| rest.split(' ').next().expect("a rule").to_string())
    };
    (rule("forward"), rule("reverse"))
}

#[test]
fn tamper_names_the_rule_each_change_breaks_and_leaves_the_chain_alone() {
    let script = "deploy token TestToken\n\
                  send token approve bob 50\n\
                  send token approve bob 60\n\
                  send token transfer bob 100\n\
                  utxo\n\
                  block 3\n\
                  moves\n\
                  tamper last move 3 prev 999\n\
                  block 4\n\
                  tamper last move 0 value 5\n\
                  tamper last move 0 intx 0x1234\n\
                  tamper last drop-move 3\n\
                  tamper block 4 replay last\n\
                  tamper block 4 commitment 0x01\n\
                  tamper block 4 drop 0\n\
                  tamper last move 0 value 5 --step\n\
                  block 1\n\
                  tamper block 4 replay last\n\
                  validate chain\n\
                  validate chain reverse\n\
                  utxo\n";
    let stdout = run_ok(script);
    let [before, after] = &outputs_of(&stdout, "utxo")[..] else { panic!("two `utxo` runs:\n{stdout}") };
    assert_eq!(before, after, "the UTXO set is untouched");
    let (_, commitment) = utxo_line(before);
    let untouched = format!("✔ the real chain is untouched: height 4, commitment {}\n", short(&commitment));

    // The approval overwrites its slot: a wrong prev passes re-execution and only the set catches it.
    let approve = output_of(&stdout, "moves");
    let allowance = row(&approve, 2, "token.allowance[alice][bob]");
    assert_eq!((allowance[0], allowance[4], allowance[5]), ("3", "50 → 60", "write"), "{approve}");
    let cases = [
        ("tamper last move 3 prev 999", "prev-mismatch", "'s move 3 prev changed from 50 to 999"),
        ("tamper last move 0 value 5", "prev-mismatch", "'s move 0 value changed from 0 to 5"),
        ("tamper last move 0 intx 0x1234", "unknown-output", "'s move 0 intx changed from 0 to 4660"),
        ("tamper last drop-move 3", "re-execution", "'s move 3 dropped"),
        ("tamper block 4 commitment 0x01", "bad-commitment", "block 4 declaring commitment 0x0000…0001 instead of "),
    ];
    for (command, rule, change) in cases {
        let out = output_of(&stdout, command);
        assert!(out.starts_with("tampered: a copy of "), "{command}:\n{out}");
        assert!(out.lines().next().is_some_and(|l| l.contains(change)), "{command}:\n{out}");
        assert_eq!(tamper_rules(&out), (Some(rule.to_string()), Some(rule.to_string())), "{command}:\n{out}");
        assert!(out.ends_with(&untouched), "{command}:\n{out}");
        let resealed = out.contains("\n  re-sealed: tx root, outcomes root and commitment recomputed");
        assert_eq!(resealed, rule != "bad-commitment", "a changed commitment is not re-sealed: {out}");
    }
    let prev = output_of(&stdout, "tamper last move 3 prev 999");
    assert!(prev.contains("verdict forward: ✘ invalid, rule prev-mismatch at block 3 tx 0 move 3: "), "{prev}");
    let dropped = output_of(&stdout, "tamper last drop-move 3");
    assert!(dropped.contains("(an undeclared access)"), "{dropped}");

    let [within, earlier] = &outputs_of(&stdout, "tamper block 4 replay last")[..] else { panic!("{stdout}") };
    for out in [within, earlier] {
        assert_eq!(tamper_rules(out), (Some("duplicate-tx".into()), Some("duplicate-tx".into())), "{out}");
        assert!(out.ends_with(&untouched), "{out}");
    }
    assert!(within.contains("appears twice in the block (first at index 0)"), "{within}");
    assert!(earlier.contains("is already in the chain"), "{earlier}");

    let dropped_tx = output_of(&stdout, "tamper block 4 drop 0");
    assert_eq!(tamper_rules(&dropped_tx), (None, None), "a block without its only tx is still a valid block");
    assert!(dropped_tx.contains("\nboth validators accept the copy: this change breaks no rule\n"), "{dropped_tx}");

    let stepped = output_of(&stdout, "tamper last move 0 value 5 --step");
    assert!(stepped.contains("\nvalidating the copy forward:\n"), "{stepped}");
    assert!(stepped.contains("\nvalidating the copy reverse:\n"), "{stepped}");
    assert_eq!(tamper_rules(&stepped), (Some("prev-mismatch".into()), Some("prev-mismatch".into())));
    assert!(!stdout.contains("[Enter] next"), "a script never pauses:\n{stepped}");

    assert!(output_of(&stdout, "validate chain").ends_with("verdict forward: ✔ valid\n"), "{stdout}");
    assert!(output_of(&stdout, "validate chain reverse").ends_with("verdict reverse: ✔ valid\n"), "{stdout}");
}

#[test]
fn tamper_refuses_the_genesis_block_and_missing_moves() {
    let (stdout, _) = run_failing("tamper block 0 commitment 0x01\n");
    assert!(stdout.ends_with("error: the genesis block defines the chain; tamper with a later block\n"), "{stdout}");
    let (stdout, _) = run_failing("send bob --value 1\ntamper last move 99 prev 1\n");
    assert!(stdout.ends_with("error: the tx has 6 moves; no move 99\n"), "{stdout}");
}

// ---- mine ------------------------------------------------------------------------------------

#[test]
fn mine_adds_empty_blocks_in_automine() {
    let stdout = run_ok("mine 2\nblock\nmine\nutxo\nvalidate chain\n");
    assert_eq!(output_of(&stdout, "mine 2"), "mined block 1 (0 txs)\nmined block 2 (0 txs)\n");
    let block = output_of(&stdout, "block");
    assert!(block.starts_with("block 2 0x"), "{block}");
    assert!(rows(&block).is_empty(), "no txs: {block}");
    assert_eq!(output_of(&stdout, "mine"), "mined block 3 (0 txs)\n");
    assert!(output_of(&stdout, "utxo").starts_with("UTXO set after block 3: "), "{stdout}");
    assert_eq!(output_of(&stdout, "validate chain").lines().filter(|l| l.starts_with("block ")).count(), 4);

    let (stdout, _) = run_failing("mine x\n");
    assert!(stdout.ends_with("error: `mine` takes a number of blocks: invalid digit found in string\n"), "{stdout}");
}

#[test]
fn mine_mines_the_pooled_txs_when_blocks_are_timed() {
    let (status, stdout, stderr) = run_script_with(
        &["--block-time", "3600"],
        "send bob --value 1ether\nbalance bob\nmine\nbalance bob\ntx\nblock\n",
    );
    assert!(status.success(), "{stdout}\n{stderr}");
    let sent = output_of(&stdout, "send bob --value 1ether");
    let hash = sent_hash(&sent);
    assert_eq!(sent, format!("tx {hash} pooled (mining is not automatic: `mine` mines it)\n"));
    assert_eq!(outputs_of(&stdout, "balance bob"), ["bob 10000 ETH\n", "bob 10001 ETH\n"]);
    assert_eq!(output_of(&stdout, "mine"), format!("mined block 1 (1 txs)\n  ✔ tx {} in block 1\n", short(&hash)));
    assert!(output_of(&stdout, "tx").starts_with(&format!("tx {hash} (ethereum) in block 1, index 0\n")), "{stdout}");
    assert_eq!(rows(&output_of(&stdout, "block"))[0][3], "alice → bob: plain transfer");
}

// ---- script semantics ------------------------------------------------------------------------

#[test]
fn a_script_echoes_each_command_before_its_output() {
    let (status, stdout, stderr) = run_script("# two balances\n\nbalance alice\n   balance bob   \n");
    assert!(status.success(), "{stderr}");
    assert_eq!(stdout, "# two balances\n» balance alice\nalice 10000 ETH\n» balance bob\nbob 10000 ETH\n");
    let intro = stderr.lines().next().expect("the intro");
    assert!(intro.starts_with("manaflow repl · chain 31337 · JSON-RPC on http://127.0.0.1:"), "{intro}");
    assert!(intro.ends_with(" · 10 dev accounts (alice, bob, …) · `help` lists the commands"), "{intro}");
}

#[test]
fn an_unknown_command_stops_the_script_with_status_1() {
    let (stdout, stderr) = run_failing("balance alice\nfrobnicate now\nbalance bob\n");
    assert_eq!(
        stdout,
        "» balance alice\nalice 10000 ETH\n» frobnicate now\nerror: unknown command \"frobnicate\"; `help` lists the commands\n"
    );
    assert!(stderr.contains("line 2: `frobnicate now` failed: unknown command \"frobnicate\""), "{stderr}");
}

#[test]
fn a_script_reads_standard_input() {
    let mut child = repl(&["--script", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("manaflow runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"balance carol\nsend carol --value 1ether\nbalance carol\n")
        .expect("written");
    let out = child.wait_with_output().expect("manaflow ends");
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(outputs_of(&stdout, "balance carol"), ["carol 10000 ETH\n", "carol 10001 ETH\n"]);
}

#[test]
fn exit_ends_a_script_early_with_status_0() {
    for exit in ["exit", "quit"] {
        let (status, stdout, stderr) = run_script(&format!("balance alice\n{exit}\nfrobnicate\n"));
        assert!(status.success(), "{exit}: {stdout}\n{stderr}");
        assert_eq!(stdout, format!("» balance alice\nalice 10000 ETH\n» {exit}\n"));
    }
}

#[test]
fn a_missing_script_file_is_an_error() {
    let out = repl(&["--script", "/nonexistent/script.repl"]).stdin(Stdio::null()).output().expect("manaflow runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot open the script /nonexistent/script.repl"), "{stderr}");
}

// ---- the REPL and JSON-RPC -------------------------------------------------------------------

/// A JSON-RPC call to `url`: its result (panics on an error reply).
fn rpc(url: &str, method: &str, params: Value) -> Value {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let reply: Value = runtime.block_on(async {
        let response = reqwest::Client::new().post(url).json(&body).send().await.expect("the node answers");
        response.json().await.expect("a JSON reply")
    });
    reply.get("result").cloned().unwrap_or_else(|| panic!("{method} failed: {reply}"))
}

/// Reads `lines` until one contains `needle`; returns what was read.
fn read_until(lines: &mut impl BufRead, needle: &str) -> String {
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        let read = lines.read_line(&mut line).expect("the REPL's output");
        assert!(read > 0, "the REPL ended before {needle:?}:\n{seen}");
        seen.push_str(&line);
        if line.contains(needle) {
            return seen;
        }
    }
}

#[test]
fn txs_sent_over_json_rpc_show_up_in_the_repl_and_back() {
    let mut child = repl(&["--script", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("manaflow runs");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    // Kept open to the end: the REPL may still write to its stderr.
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut intro = String::new();
    stderr.read_line(&mut intro).expect("the intro");
    let url = intro.split_whitespace().find(|w| w.starts_with("http://")).unwrap_or_else(|| panic!("no URL: {intro}"));

    // In automine, eth_sendTransaction answers once the tx is mined.
    let one_ether = "0xde0b6b3a7640000";
    let hash = rpc(url, "eth_sendTransaction", json!([{"from": ALICE, "to": BOB, "value": one_ether}]));
    let hash = hash.as_str().expect("a tx hash").to_string();
    writeln!(stdin, "tx {hash}\nsend bob --value 1ether").expect("written");
    let seen = read_until(&mut stdout, " mined in block 2: ");
    let tx = output_of(&seen, &format!("tx {hash}"));
    assert!(tx.starts_with(&format!("tx {hash} (ethereum) in block 1, index 0\n")), "{tx}");
    assert!(tx.contains("\n  alice → bob: plain transfer · value 1 ETH · nonce 0\n"), "{tx}");
    assert!(tx.contains("\nmoves (6 moves: 3 writes, 3 reads)\n"), "{tx}");
    assert_eq!(row(&tx, 2, "bob.balance")[4..], ["10000 ETH → 10001 ETH", "write"], "{tx}");
    assert_eq!(row(&tx, 2, "alice.nonce")[4..], ["0 → 1", "write", "yes"]);

    // The REPL's tx is on the node the RPC serves.
    let sent = sent_hash(&output_of(&seen, "send bob --value 1ether"));
    let balance = rpc(url, "eth_getBalance", json!([BOB, "latest"]));
    let wei = u128::from_str_radix(balance.as_str().expect("a quantity").trim_start_matches("0x"), 16).expect("hex");
    assert_eq!(wei, 10_002 * 10u128.pow(18));
    let by_rpc = rpc(url, "eth_getTransactionByHash", json!([sent]));
    assert!(by_rpc["from"].as_str().is_some_and(|f| f.eq_ignore_ascii_case(ALICE)), "{by_rpc}");
    assert_eq!(by_rpc["blockNumber"], "0x2");

    writeln!(stdin, "exit").expect("written");
    drop(stdin);
    let status = child.wait().expect("manaflow ends");
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).expect("the REPL's stderr");
    assert!(status.success(), "{rest}");
}

// ---- the interactive prompt ------------------------------------------------------------------

/// Runs the prompt (no script) with `input` piped in; its exit status and stdout.
fn piped_prompt(input: &[u8]) -> (std::process::ExitStatus, String) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let history = dir.path().join("hist");
    let mut child = repl(&["--history", history.to_str().expect("a UTF-8 path")])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("manaflow runs");
    child.stdin.take().expect("stdin").write_all(input).expect("written");
    let out = child.wait_with_output().expect("manaflow ends");
    (out.status, String::from_utf8(out.stdout).expect("UTF-8"))
}

#[test]
fn without_a_script_errors_do_not_end_the_session() {
    let (status, stdout) = piped_prompt(b"balance alice\nfrobnicate\nbalance bob\n");
    assert!(status.success(), "{stdout}");
    let after_intro: Vec<&str> = stdout.lines().skip(1).collect();
    assert_eq!(
        after_intro,
        ["alice 10000 ETH", "error: unknown command \"frobnicate\"; `help` lists the commands", "bob 10000 ETH"]
    );
}

#[test]
fn the_interactive_intro_has_no_escape_codes_without_colour() {
    let (status, stdout) = piped_prompt(b"exit\n");
    assert!(status.success(), "{stdout}");
    assert!(stdout.starts_with("manaflow repl · chain 31337 · JSON-RPC on http://127.0.0.1:"), "{stdout:?}");
    assert!(!stdout.contains('\u{1b}'), "{stdout:?}");
}

/// `manaflow repl` on a pseudo-terminal, at its first prompt.
fn spawn_prompt(history: &Path) -> rexpect::session::PtySession {
    spawn_prompt_with(history, true)
}

/// [`spawn_prompt`], with colour off (`NO_COLOR`, escape codes stripped from what is matched) or
/// left to the terminal (escape codes kept).
fn spawn_prompt_with(history: &Path, no_color: bool) -> rexpect::session::PtySession {
    let mut command = Command::new(env!("CARGO_BIN_EXE_manaflow"));
    command
        .current_dir(workspace())
        .env("TERM", "xterm")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE")
        .args(["repl", "--port", "0", "--timestamp", TIMESTAMP, "--history"])
        .arg(history);
    if no_color {
        command.env("NO_COLOR", "1");
    }
    let options = rexpect::reader::Options::new().timeout_ms(Some(30_000)).strip_ansi_escape_codes(no_color);
    let mut session = rexpect::session::spawn_with_options(command, options).expect("manaflow runs on a pty");
    session.exp_string("manaflow> ").expect("the prompt");
    session
}

/// Types `keys` at the prompt.
fn type_keys(session: &mut rexpect::session::PtySession, keys: &str) {
    session.send(keys).expect("typed");
    session.flush().expect("flushed");
}

#[test]
fn the_prompt_completes_names_and_keeps_history() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let history = dir.path().join("hist");

    let mut session = spawn_prompt(&history);
    type_keys(&mut session, "acc\t");
    session.exp_string("accounts").expect("`acc` completes to `accounts`");
    type_keys(&mut session, "\r");
    session.exp_string("balance (ETH)").expect("the accounts table");
    session.exp_string("alice").expect("alice's row");
    session.exp_string(ALICE).expect("alice's address");
    session.exp_string(ACCOUNTS[9].1).expect("judy's address");
    session.exp_string("manaflow> ").expect("the prompt again");
    type_keys(&mut session, "balance al\t");
    session.exp_string("balance alice").expect("`al` completes to `alice`");
    type_keys(&mut session, "\r");
    session.exp_string("alice 10000 ETH").expect("alice's balance");
    session.exp_string("manaflow> ").expect("the prompt again");
    type_keys(&mut session, "frobnicate\r");
    session.exp_string("error: unknown command \"frobnicate\"").expect("the error");
    session.exp_string("manaflow> ").expect("the session goes on");
    type_keys(&mut session, "exit\r");
    session.exp_eof().expect("exit ends the session");
    let status = session.process().wait().expect("the exit status");
    assert!(matches!(status, rexpect::process::wait::WaitStatus::Exited(_, 0)), "{status:?}");

    let saved = std::fs::read_to_string(&history).expect("the history file");
    let lines: Vec<&str> = saved.lines().map(str::trim).collect();
    assert!(lines.contains(&"accounts"), "{saved}");
    assert!(lines.contains(&"balance alice"), "{saved}");

    // A new session recalls the history: up twice (past `exit`) is `balance alice`.
    let mut session = spawn_prompt(&history);
    type_keys(&mut session, "\x1b[A\x1b[A");
    session.exp_string("balance alice").expect("the recalled command");
    type_keys(&mut session, "\r");
    session.exp_string("alice 10000 ETH").expect("the recalled command's output");
    session.exp_string("manaflow> ").expect("the prompt again");
    type_keys(&mut session, "exit\r");
    session.exp_eof().expect("exit ends the session");
}

#[test]
fn the_prompt_pauses_between_steps() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut session = spawn_prompt(&dir.path().join("hist"));
    type_keys(&mut session, "send bob --value 1ether\r");
    session.exp_string("mined in block 1: success").expect("sent");
    session.exp_string("manaflow> ").expect("the prompt again");
    type_keys(&mut session, "validate chain --step\r");
    session.exp_string("validating the chain (blocks 0 to 1) forward").expect("the validation starts");
    session.exp_string("header links to its parent").expect("the first step");
    session.exp_string("[Enter] next").expect("a pause after the first step");
    type_keys(&mut session, "\r");
    session.exp_string("signature and stateless re-execution").expect("the second step");
    session.exp_string("[Enter] next").expect("a pause after the second step");
    type_keys(&mut session, "q\r");
    let skipped = session.exp_string("verdict forward: ").expect("stopping still gives the verdict");
    assert!(!skipped.contains("consume"), "q stops the steps: {skipped:?}");
    session.exp_string("manaflow> ").expect("the prompt again");
    type_keys(&mut session, "validate chain --step\r");
    session.exp_string("[Enter] next").expect("a pause after the first step");
    type_keys(&mut session, "c\r");
    let rest = session.exp_string("verdict forward: ").expect("the rest without pauses");
    assert!(!rest.contains("[Enter] next"), "c continues without pausing: {rest:?}");
    assert!(rest.contains("commitment of the UTXO set after block 1"), "{rest:?}");
    session.exp_string("manaflow> ").expect("the prompt again");
    type_keys(&mut session, "exit\r");
    session.exp_eof().expect("exit ends the session");
}

#[test]
fn the_prompt_completes_a_contracts_functions_and_keywords() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut session = spawn_prompt(&dir.path().join("hist"));
    type_keys(&mut session, "deploy token TestToken\r");
    session.exp_string(&format!("deployed token at {FIRST_CONTRACT}")).expect("deployed");
    session.exp_string("manaflow> ").expect("the prompt again");
    type_keys(&mut session, "call tok\t");
    session.exp_string("call token").expect("`tok` completes to the contract's name");
    type_keys(&mut session, "balanceO\t");
    session.exp_string("balanceOf").expect("a function of the contract");
    type_keys(&mut session, "bo\t\r");
    session.exp_string("\n0\r\n").expect("bob holds no tokens");
    session.exp_string("manaflow> ").expect("the prompt again");
    type_keys(&mut session, "validate rev\t\r");
    // The reader decodes byte by byte: expect ASCII only.
    session.exp_string("validating block 1 in reverse").expect("`rev` completes to `reverse`");
    session.exp_string("verdict reverse: ").expect("the verdict");
    session.exp_string(" valid\r\n").expect("the block is valid");
    session.exp_string("manaflow> ").expect("the prompt again");
    type_keys(&mut session, "exit\r");
    session.exp_eof().expect("exit ends the session");
}

#[test]
fn a_terminal_gets_colour_unless_no_color_is_set() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut session = spawn_prompt_with(&dir.path().join("hist"), false);
    type_keys(&mut session, "validate\r");
    // The verdict is green on a terminal: the escape code precedes the check mark's text.
    session.exp_string("verdict").expect("the verdict line");
    let before = session.exp_string("valid").expect("the verdict");
    assert!(before.contains("\u{1b}[32m"), "no green escape code before the verdict: {before:?}");
    type_keys(&mut session, "exit\r");
    session.exp_eof().expect("the REPL exits");
}

#[test]
fn moves_raw_shows_every_field_as_encoded() {
    let stdout = run_ok("send bob --value 1\nmoves --raw\n");
    let out = output_of(&stdout, "moves --raw");
    let header = out.lines().find(|l| l.contains("mark")).expect("a header");
    for column in ["addr", "slot", "intx", "prev", "next", "mask", "kind", "first use"] {
        assert!(header.contains(column), "{column} in {header}");
    }
    let zero = format!("0x{}", "0".repeat(64));
    let one = format!("0x{}1", "0".repeat(63));
    let nonce = out
        .lines()
        .find(|l| l.contains(&ALICE.to_lowercase()) && l.split_whitespace().nth(1) == Some("n"))
        .expect("alice's nonce move");
    let cells: Vec<&str> = nonce.split_whitespace().collect();
    assert_eq!(cells[3..8], [zero.as_str(), zero.as_str(), zero.as_str(), one.as_str(), "0x00"], "{nonce}");
    assert_eq!(cells[8..], ["write", "yes"], "{nonce}");
}

// ---- native txs ------------------------------------------------------------------------------

#[test]
fn automine_switches_between_automatic_and_manual_mining() {
    let stdout =
        run_ok("automine\nautomine off\nsend bob --value 1\nautomine\nmine\nautomine on\nsend bob --value 1\n");
    let states = outputs_of(&stdout, "automine");
    assert_eq!(states[0], "automine on: each tx is mined as it arrives\n");
    assert_eq!(states[1], "automine off: txs wait in the pool until `mine`\n");
    let sends = outputs_of(&stdout, "send bob --value 1");
    assert!(sends[0].contains("pooled"), "{stdout}");
    assert!(output_of(&stdout, "mine").starts_with("mined block 1 (1 txs)\n  ✔ tx "), "{stdout}");
    assert!(sends[1].contains("mined in block 2"), "{stdout}");
    let (stdout, _) = run_failing("automine maybe\n");
    assert!(stdout.ends_with("error: automine takes on or off, not \"maybe\"\n"), "{stdout}");
}

#[test]
fn native_sends_fill_sign_and_report_stale_swaps() {
    let stdout = run_ok(
        "deploy pool Pool 10000ether 10000ether\nsend pool faucet --from bob\nsend pool faucet --from carol\n\
         automine off\nsend pool swapAForB 10ether 9ether --from bob --native\n\
         send pool swapAForB 10ether 9ether --from carol --native\nmine\n\
         send pool swapAForB 10ether 9ether --from carol --masked pool\nmine\nmoves\n",
    );
    let mined = outputs_of(&stdout, "mine");
    assert!(mined[0].starts_with("mined block 4 (1 txs)\n  ✔ tx "), "{stdout}");
    assert!(mined[0].contains("refused at sequencing: invalid transaction: stale prev for s:"), "{stdout}");
    assert!(mined[1].starts_with("mined block 5 (1 txs)\n  ✔ tx "), "masked, it goes through: {stdout}");
    let table = output_of(&stdout, "moves");
    assert!(table.contains("(native) in block 5"), "{table}");
    let header = table.lines().find(|l| l.contains(" mark ")).expect("the header");
    assert!(header.trim_end().ends_with("mask"), "{header}");
    let (stdout, _) = run_failing("send bob --value 1 --native --masked bob\n");
    assert!(
        stdout.contains("error: --native signs everything; --masked leaves contracts to the coordinator"),
        "{stdout}"
    );
}
