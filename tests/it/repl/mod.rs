//! The REPL as a user runs it: scripts exercising every command family with the values a fresh
//! devnet makes deterministic (dev accounts, contract addresses, balances, move tables, validation
//! verdicts, the rules that refuse tampered copies), run in this process against the real devnet
//! through the REPL's backend; and the binary's own behaviour (flags, script files, standard
//! input, txs sent over JSON-RPC showing up at the prompt and the other way round, the
//! interactive prompt on a pseudo-terminal with tab completion and history).

mod binary;
mod commands;
mod inspect;
mod native;
mod state;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use manaflow::Config;
use manaflow::repl_backend::DevnetBackend;
use manaflow_repl::{Session, Transcript};
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

/// How a script run ended: as the binary's exit status would say.
#[derive(Debug)]
struct Ran(bool);

impl Ran {
    fn success(&self) -> bool {
        self.0
    }

    fn code(&self) -> Option<i32> {
        Some(if self.0 { 0 } else { 1 })
    }
}

impl std::fmt::Display for Ran {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit status: {}", if self.0 { 0 } else { 1 })
    }
}

/// The devnet every in-process test starts: `Config::test()` with the genesis timestamp fixed.
fn test_config() -> Config {
    let mut config = Config::test();
    config.chain.timestamp = Some(TIMESTAMP.parse().expect("a timestamp"));
    config
}

/// Runs `script` in this process on a fresh devnet, as `manaflow repl --script` runs it: whether
/// it succeeded, the transcript (stdout) and the failure line (stderr).
fn run_script(script: &str) -> (Ran, String, String) {
    run_script_on(test_config(), script)
}

/// [`run_script`] on a devnet started with `config`.
fn run_script_on(config: Config, script: &str) -> (Ran, String, String) {
    crate::panics::surface();
    let devnet = manaflow::spawn(config).expect("the devnet starts");
    let backend = DevnetBackend::new(devnet).expect("a backend");
    let mut session = Session::new(Box::new(backend)).with_workdir(workspace());
    let mut console = Transcript::new();
    let mut errors = Vec::new();
    let ok = manaflow_repl::run_script(&mut session, script.as_bytes(), &mut console, &mut errors)
        .expect("the script is read");
    (Ran(ok), console.text(), String::from_utf8(errors).expect("UTF-8"))
}

/// Runs `script` with the binary, `manaflow repl … <extra> --script <file>`: exit status, stdout,
/// stderr.
fn run_binary_script(extra: &[&str], script: &str) -> (std::process::ExitStatus, String, String) {
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

/// TestToken's init code from its artifact, `0x…`.
fn test_token_bytecode() -> String {
    let path = workspace().join("examples/contracts/artifacts/TestToken.json");
    let artifact: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("the artifact")).expect("JSON");
    let bytecode = artifact["bytecode"].as_str().expect("a bytecode string");
    format!("0x{}", bytecode.trim_start_matches("0x"))
}
