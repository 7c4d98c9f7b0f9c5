//! `help`, `accounts`, `balance`, `alias`, `deploy`, `call` and `send` at the prompt.

use super::*;

// ---- help ------------------------------------------------------------------------------------

#[test]
fn help_lists_every_command_and_details_one() {
    let stdout = run_ok("help\nhelp send\nhelp tamper\nhelp quit\n");
    let list = output_of(&stdout, "help");
    assert!(list.starts_with("commands (names stand for addresses everywhere: alice, bob, token…)\n"), "{list}");
    let commands = [
        "accounts", "balance", "alias", "deploy", "call", "send", "tx", "moves", "step", "block", "validate", "utxo",
        "tamper", "proof", "automine", "mine", "help", "exit",
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
    assert!(tamper.starts_with("tamper <tx> move <i> <intx|prev|next|value|ref> <value>"), "{tamper}");
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
        run_binary_script(&["--accounts", "3", "--balance", "5", "--chain-id", "5"], "accounts\n");
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

// ---- console.log -----------------------------------------------------------------------------

#[test]
fn console_log_lines_show_under_send_call_and_step() {
    let stdout = run_ok("deploy logger Logger\nsend logger add 5\ncall logger peek\nstep\n");
    let sent = output_of(&stdout, "send logger add 5");
    assert!(sent.contains("  console.log count is now 5\n"), "{sent}");
    assert!(sent.contains("  console.log sender 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 true\n"), "{sent}");
    let called = output_of(&stdout, "call logger peek");
    assert_eq!(called, "5\n  console.log peeking\n");
    let stepped = output_of(&stdout, "step");
    assert!(stepped.contains("  console.log count is now 5\n"), "the re-execution logs too: {stepped}");
}
