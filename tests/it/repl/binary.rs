//! The `manaflow repl` binary itself: script files and standard input, txs crossing between
//! the prompt and JSON-RPC, and the interactive prompt on pipes and on a pseudo-terminal.

use super::*;

// ---- script semantics ------------------------------------------------------------------------

#[test]
fn a_script_echoes_each_command_before_its_output() {
    let (status, stdout, stderr) = run_binary_script(&[], "# two balances\n\nbalance alice\n   balance bob   \n");
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
