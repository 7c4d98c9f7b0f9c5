//! The binary as a user runs it: `--help` answers, and `bench apply` prints its figures and the
//! summary line the issue names.

use std::process::Command;

fn manaflow() -> Command {
    Command::new(env!("CARGO_BIN_EXE_manaflow"))
}

/// The figure `name=<value>` of a benchmark's summary line.
fn summary_figure(line: &str, name: &str) -> f64 {
    line.split_whitespace()
        .find_map(|f| f.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("{name} missing: {line}"))
        .parse()
        .unwrap_or_else(|e| panic!("{name} in {line}: {e}"))
}

#[test]
fn help_names_the_benchmarks() {
    let out = manaflow().args(["bench", "apply", "--help"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for flag in ["--outputs", "--moves", "--runs"] {
        assert!(text.contains(flag), "help lacks {flag}:\n{text}");
    }
}

#[test]
fn bench_apply_reports_rates_and_the_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let out = manaflow()
        .args(["bench", "apply", "--outputs", "3000", "--moves", "2000", "--runs", "3", "--baseline-moves", "20"])
        .arg("--dir")
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "bench failed: {}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout.lines().filter(|l| l.starts_with("run ")).count(), 3, "{stdout}");
    let last = stdout.lines().last().unwrap();
    assert!(last.starts_with("bench apply: rate="), "{last}");
    let figure = |name: &str| summary_figure(last, name);
    let (rate, full, baseline, ratio) = (figure("rate"), figure("full_rate"), figure("baseline"), figure("ratio"));
    assert!(rate > 0.0 && full > 0.0 && baseline > 0.0);
    assert!(full <= rate, "end to end includes the critical path");
    assert!((ratio - rate / baseline).abs() / ratio < 0.01, "ratio is rate/baseline");
    assert!(stdout.contains("commitment recomputed from scratch"), "{stdout}");
}

#[test]
fn bad_arguments_say_what_was_wrong() {
    let out = manaflow().args(["bench", "apply", "--runs", "0"]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("--runs"), "{err}");
}

#[test]
fn block_times_the_clock_cannot_hold_are_refused_with_the_bound() {
    for value in ["1e19", "1e30", "inf", "-1"] {
        let out = manaflow().args(["--port", "0", &format!("--block-time={value}")]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "--block-time {value} is a usage error, not a panic");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains("--block-time"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
        if value.starts_with("1e") {
            assert!(err.contains("at most 31536000 s"), "{err}");
        }
    }
}

#[test]
fn bench_validate_reports_validation_and_its_baselines() {
    let out = manaflow().args(["bench", "validate", "--txs", "60", "--senders", "6", "--runs", "1"]).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "bench failed: {}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    let last = stdout.lines().last().unwrap();
    assert!(last.starts_with("bench validate: tps="), "{last}");
    for name in ["tps", "tps_1", "revm_tps", "ecrecover_tps"] {
        let value = summary_figure(last, name);
        assert!(value > 0.0, "{name}={value}");
    }
}

#[test]
fn bench_wasm_reports_both_runtimes_side_by_side() {
    let out = manaflow().args(["bench", "wasm", "--txs", "40", "--runs", "1"]).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "bench failed: {}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("identical in both runtimes"), "{stdout}");
    let last = stdout.lines().last().unwrap();
    assert!(last.starts_with("bench wasm: wasm_tps="), "{last}");
    let (wasm, evm, ratio) =
        (summary_figure(last, "wasm_tps"), summary_figure(last, "evm_tps"), summary_figure(last, "ratio"));
    assert!(wasm > 0.0 && evm > 0.0, "{last}");
    assert!((ratio - wasm / evm).abs() < 0.01 * ratio.max(0.01), "ratio = wasm/evm: {last}");
}

#[test]
fn bench_soak_reports_rates_requests_and_memory() {
    let out = manaflow()
        .args(["bench", "soak", "--minutes", "0.05", "--compare-seconds", "1", "--senders", "2", "--subscribers", "2"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "bench failed: {}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    let last = stdout.trim_end().lines().last().unwrap();
    assert!(last.starts_with("bench soak: minutes=0.05 "), "{last}");
    for name in ["tps_plain", "tps_logs", "soak_tps", "requests", "rss_anon_end_mib"] {
        assert!(summary_figure(last, name) > 0.0, "{name} in {last}");
    }
    assert_eq!(summary_figure(last, "errors"), 0.0, "every request answered: {stdout}");
    let ratio = summary_figure(last, "logs_ratio");
    let (plain, logs) = (summary_figure(last, "tps_plain"), summary_figure(last, "tps_logs"));
    assert!((ratio - logs / plain).abs() < 0.01 + 0.01 * ratio, "logs_ratio = tps_logs / tps_plain: {last}");
}

/// A `manaflow` node started as a user starts it, its stdout read up to the banner's last line.
pub(crate) struct RunningNode {
    pub child: std::process::Child,
    pub banner: String,
    pub port: u16,
    /// Its stderr, drained as it comes (panics surfaced).
    pub stderr: crate::panics::Drained,
}

pub(crate) fn start_node(args: &[&str]) -> RunningNode {
    use std::io::BufRead;
    let mut child = manaflow()
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = crate::panics::Drained::start(child.stderr.take().unwrap());
    let stdout = child.stdout.take().unwrap();
    let mut banner = String::new();
    let mut lines = std::io::BufReader::new(stdout).lines();
    let port = loop {
        let line = lines.next().expect("the node exits before listening").unwrap();
        banner.push_str(&line);
        banner.push('\n');
        if let Some(addr) = line.strip_prefix("Listening on ") {
            break addr.rsplit(':').next().unwrap().parse().unwrap();
        }
    };
    RunningNode { child, banner, port, stderr }
}

/// Posts `body` to the node on `port`; its JSON answer.
pub(crate) fn post(port: u16, body: &str) -> serde_json::Value {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let json = response.split("\r\n\r\n").nth(1).unwrap();
    serde_json::from_str(json).unwrap()
}

pub(crate) fn sigterm(child: &std::process::Child) {
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
}

#[test]
fn the_node_prints_anvils_banner_serves_json_rpc_and_stops_on_sigterm() {
    let mut node = start_node(&["--port", "0"]);
    assert_ne!(node.port, 0, "the banner names the real port");
    for expected in [
        "Available Accounts",
        "(0) 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 (10000.000000000000000000 ETH)",
        "Private Keys",
        "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
        "test test test test test test test test test test test junk",
        "Chain ID",
        "31337",
        "Base Fee",
        "1000000000",
        "Gas Limit",
        "30000000",
    ] {
        assert!(node.banner.contains(expected), "banner lacks {expected:?}:\n{}", node.banner);
    }
    assert!(node.banner.trim_end().lines().last().unwrap().starts_with("Listening on 127.0.0.1:"));
    let answer = post(node.port, r#"{"jsonrpc":"2.0","id":7,"method":"eth_chainId"}"#);
    assert_eq!(answer["result"], "0x7a69");
    assert_eq!(answer["id"], 7);
    let temp = node
        .banner
        .lines()
        .find_map(|l| l.strip_suffix(" (temporary, removed on exit; --data-dir keeps a chain)"))
        .map(std::path::PathBuf::from)
        .expect("the banner names the chain's temp dir");
    assert!(temp.exists());
    sigterm(&node.child);
    let status = node.child.wait().unwrap();
    assert!(status.success(), "a clean exit on SIGTERM, got {status}");
    assert!(!temp.exists(), "the ephemeral chain's data is removed on exit");
}

#[test]
fn dump_state_on_exit_and_load_state_at_start_carry_the_state_across_nodes() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state.json");
    let x = "0x5151515151515151515151515151515151515151";
    let mut node = start_node(&["--port", "0", "--dump-state", file.to_str().unwrap()]);
    let set = format!(r#"{{"jsonrpc":"2.0","id":1,"method":"anvil_setBalance","params":["{x}","0x2a"]}}"#);
    assert!(post(node.port, &set)["error"].is_null());
    sigterm(&node.child);
    assert!(node.child.wait().unwrap().success());
    let dumped: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(dumped["accounts"][x]["balance"], "0x2a", "the pending cheat is in the dump");
    assert_eq!(dumped["best_block_number"], 0);

    let mut loaded = start_node(&["--port", "0", "--load-state", file.to_str().unwrap()]);
    let get = format!(r#"{{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":["{x}","latest"]}}"#);
    assert_eq!(post(loaded.port, &get)["result"], "0x2a");
    let number = post(loaded.port, r#"{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber"}"#);
    assert_eq!(number["result"], "0x0", "a load mines nothing");
    sigterm(&loaded.child);
    assert!(loaded.child.wait().unwrap().success());

    let out = manaflow().args(["--port", "0", "--load-state", "/nonexistent/state.json"]).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot read the state file /nonexistent/state.json"), "{stderr}");
}

#[test]
fn load_state_reads_the_file_anvil_dump_state_writes() {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/it/fixtures/anvil-1.7.1-state.json");
    let mut node = start_node(&["--port", "0", "--load-state", file]);
    let read = |method: &str, params: &str| {
        let body = format!(r#"{{"jsonrpc":"2.0","id":1,"method":"{method}","params":{params}}}"#);
        post(node.port, &body)["result"].clone()
    };
    let x = "0x1111111111111111111111111111111111111111";
    let y = "0x2222222222222222222222222222222222222222";
    assert_eq!(read("eth_getBalance", &format!(r#"["{x}","latest"]"#)), "0x1234");
    assert_eq!(read("eth_getTransactionCount", &format!(r#"["{x}","latest"]"#)), "0x7");
    assert_eq!(read("eth_getCode", &format!(r#"["{y}","latest"]"#)), "0x60016000f3");
    let slot = read("eth_getStorageAt", &format!(r#"["{y}","0x5","latest"]"#));
    assert_eq!(slot, "0x000000000000000000000000000000000000000000000000000000000000abcd");
    let sent = read("eth_getBalance", r#"["0x3333333333333333333333333333333333333333","latest"]"#);
    assert_eq!(sent, "0x3e8");
    sigterm(&node.child);
    assert!(node.child.wait().unwrap().success());
}

#[test]
fn node_flags_set_the_chain_and_the_data_dir_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("chain");
    let args = [
        "node",
        "--port",
        "0",
        "--chain-id",
        "1337",
        "--accounts",
        "3",
        "--balance",
        "5",
        "--base-fee",
        "0",
        "--gas-limit",
        "20000000",
        "--data-dir",
        data.to_str().unwrap(),
    ];
    let mut node = start_node(&args);
    assert_eq!(node.banner.matches(" ETH)").count(), 3, "{}", node.banner);
    assert_eq!(post(node.port, r#"{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}"#)["result"], "0x539");
    let mine = r#"{"jsonrpc":"2.0","id":1,"method":"anvil_mine","params":["0x3"]}"#;
    assert!(post(node.port, mine)["error"].is_null());
    let block =
        post(node.port, r#"{"jsonrpc":"2.0","id":1,"method":"eth_getBlockByNumber","params":["latest",false]}"#);
    assert_eq!(block["result"]["number"], "0x3");
    assert_eq!(block["result"]["gasLimit"], "0x1312d00");
    assert_eq!(block["result"]["baseFeePerGas"], "0x0");
    sigterm(&node.child);
    assert!(node.child.wait().unwrap().success());

    let mut again = start_node(&args);
    let number = post(again.port, r#"{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber"}"#);
    assert_eq!(number["result"], "0x3", "the restarted chain resumes at its last block");
    sigterm(&again.child);
    assert!(again.child.wait().unwrap().success());
}

#[test]
fn a_data_dir_remembers_its_chain_settings_and_refuses_a_flag_contradicting_one() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("chain");
    let data = data.to_str().unwrap();
    let made = ["--port", "0", "--chain-id", "7", "--accounts", "3", "--gas-limit", "20000000", "--data-dir", data];
    let mut node = start_node(&made);
    sigterm(&node.child);
    assert!(node.child.wait().unwrap().success());

    for (flag, value, stored) in
        [("--chain-id", "8", "7"), ("--accounts", "5", "3"), ("--hardfork", "cancun", "prague")]
    {
        let out = manaflow().args(["--port", "0", flag, value, "--data-dir", data]).output().unwrap();
        assert!(!out.status.success(), "{flag} {value} is refused");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(&format!("made with {flag} {stored}, not the {value} asked for")), "{err}");
        assert!(err.contains(&format!("start with {flag} {stored} or without the flag")), "says what to do: {err}");
    }

    // Without the flags, the chain's own settings are taken.
    let mut same = start_node(&["--port", "0", "--data-dir", data]);
    assert_eq!(same.banner.matches(" ETH)").count(), 3, "{}", same.banner);
    let id = post(same.port, r#"{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}"#);
    assert_eq!(id["result"], "0x7");
    let block =
        post(same.port, r#"{"jsonrpc":"2.0","id":1,"method":"eth_getBlockByNumber","params":["latest",false]}"#);
    assert_eq!(block["result"]["gasLimit"], "0x1312d00");
    sigterm(&same.child);
    assert!(same.child.wait().unwrap().success());
}

#[test]
fn a_host_other_than_loopback_is_warned_about() {
    let mut node = start_node(&["--port", "0", "--host", "0.0.0.0"]);
    sigterm(&node.child);
    assert!(node.child.wait().unwrap().success());
    let err = node.stderr.text();
    assert!(err.contains("warning: listening on 0.0.0.0 exposes this devnet to the network"), "{err}");
    assert!(err.contains("dev accounts' keys"), "{err}");

    let mut local = start_node(&["--port", "0"]);
    sigterm(&local.child);
    assert!(local.child.wait().unwrap().success());
    let err = local.stderr.text();
    assert!(!err.contains("warning"), "loopback is quiet: {err}");
}

#[test]
fn a_busy_port_is_refused_with_what_to_do() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = manaflow().args(["--port", &port]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("cannot listen") && err.contains("--port 0"), "{err}");
}

#[test]
fn bench_rpc_reports_its_summary_line() {
    let out =
        manaflow().args(["bench", "rpc", "--txs", "60", "--senders", "4", "--concurrency", "4"]).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "bench failed: {}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("mined and verified: 60"), "{stdout}");
    let last = stdout.lines().last().unwrap();
    assert!(last.starts_with("bench rpc: tps="), "{last}");
    for name in ["tps", "p50_ms", "p99_ms", "slowdown"] {
        let value = summary_figure(last, name);
        assert!(value > 0.0, "{name}={value}");
    }
}

#[test]
fn bench_trace_reports_its_summary_line() {
    let out = manaflow().args(["bench", "trace", "--block-txs", "12", "--runs", "2"]).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let last = stdout.lines().last().unwrap();
    assert!(last.starts_with("bench trace: struct_ms="), "{last}");
    for name in ["struct_ms", "call_ms", "block_call_ms", "blocknumber_p99_ms"] {
        assert!(summary_figure(last, name) > 0.0, "{name} in {last}");
    }
    assert!(!last.contains("anvil_"), "no Anvil asked for: {last}");
    assert!(stdout.contains("(314 steps)"), "the struct logger traced every step of the transfer: {stdout}");
    let refused = manaflow()
        .args(["bench", "trace", "--anvil", "/nonexistent/anvil", "--block-txs", "2", "--runs", "1"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("cannot start Anvil at /nonexistent/anvil"));
}

#[test]
fn bench_proofs_reports_proof_sizes_beside_the_block() {
    let out = manaflow().args(["bench", "proofs", "--txs", "20", "--runs", "3"]).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "bench failed: {}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    let last = stdout.lines().last().expect("a summary line");
    assert!(last.starts_with("bench proofs: "), "{last}");
    let figure = |name| summary_figure(last, name);
    assert!(figure("tx_bytes") < 4096.0 && figure("double_use_bytes") < 4096.0, "{last}");
    assert!(figure("code_bytes") > 1000.0, "the per-tx proof carries the token's code: {last}");
    let over = figure("commitment_bytes") - figure("block_bytes");
    assert!((2048.0..2200.0).contains(&over), "a commitment proof is the body and the 2 KB state: {last}");
    assert!(figure("verify_us") > 0.0 && figure("check_us") > 0.0, "{last}");
}

#[test]
fn bench_wire_reports_bytes_per_tx_of_every_form_and_the_decode_ratio() {
    let out = manaflow().args(["bench", "wire", "--txs", "20", "--runs", "1"]).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "bench failed: {}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    for kind in ["eth ", "erc20 ", "swap ", "wasm_erc20 ", "deploy ", "mix "] {
        assert!(stdout.lines().any(|l| l.starts_with(kind)), "a row for {kind}: {stdout}");
    }
    let last = stdout.lines().last().expect("a summary line");
    assert!(last.starts_with("bench wire: "), "{last}");
    let figure = |name| summary_figure(last, name);
    let (eth, bal, canonical, compact) =
        (figure("erc20_eth"), figure("erc20_bal"), figure("erc20_canonical"), figure("erc20_compact"));
    assert!((150.0..200.0).contains(&eth), "a signed type-2 ERC20 transfer is ~180 bytes: {last}");
    assert!(eth < bal && bal < canonical, "{last}");
    assert!(eth < compact && compact < canonical, "the compact form sits between: {last}");
    assert!((figure("ratio") - compact / eth).abs() < 0.01, "{last}");
    assert!(figure("block_snappy_ratio") > 0.0 && figure("decode_ratio") > 0.0, "{last}");
}

#[test]
fn bench_roles_feeds_a_validator_process_from_coordinators_and_reports_its_summary_line() {
    let args = ["bench", "roles", "--accounts", "16", "--blocks", "3", "--runs", "1", "--validate-txs", "200"];
    let out = manaflow().args(args).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "bench failed: {}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    for k in [1, 2, 4] {
        assert!(stdout.contains(&format!("coordinators={k} run 0: ")), "a run with {k}: {stdout}");
    }
    let last = stdout.lines().last().expect("a summary line");
    assert!(last.starts_with("bench roles: "), "{last}");
    let figure = |name| summary_figure(last, name);
    let (tps_4, validate) = (figure("tps_4"), figure("validate_tps"));
    assert!(figure("tps_1") > 0.0 && figure("tps_2") > 0.0 && tps_4 > 0.0 && validate > 0.0, "{last}");
    assert!((figure("ratio") - tps_4 / validate).abs() < 0.01, "{last}");
}

#[test]
fn the_roles_refuse_flags_and_urls_that_cannot_work_and_say_why() {
    let out = manaflow().args(["validator", "--dump-state", "x.json"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a validator's"), "{out:?}");
    let out = manaflow().args(["coordinator", "--validator", "127.0.0.1:1"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an http(s) URL"), "{out:?}");
    // Nothing listens on the port: the coordinator says which validator it could not reach.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}");
    let out = manaflow().args(["coordinator", "--validator", &url, "--port", "0"]).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot follow the validator at") && stderr.contains(&url), "{stderr}");
    let help = manaflow().args(["validator", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("--block-txs") && help.contains("--batches-in-flight"), "{help}");
}

#[test]
fn block_wire_compact_commits_every_block_through_its_compact_form() {
    let mut node = start_node(&["node", "--port", "0", "--block-wire", "compact"]);
    let call = |method: &str, params: &str| {
        post(node.port, &format!(r#"{{"jsonrpc":"2.0","id":1,"method":"{method}","params":{params}}}"#))
    };
    // A cheat, carried as tx 0 of the block the transfer is mined in.
    assert!(call("anvil_setBalance", r#"["0x00000000000000000000000000000000000000aa","0x10"]"#)["error"].is_null());
    let send = r#"[{"from":"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","to":"0x00000000000000000000000000000000000000bb","value":"0x5"}]"#;
    assert!(call("eth_sendTransaction", send)["result"].is_string());
    let bytes =
        |value: &serde_json::Value| value.as_str().expect("hex bytes").parse::<alloy_primitives::Bytes>().unwrap();
    let raw = bytes(&call("manaflow_getRawBlock", r#"["0x1"]"#)["result"]);
    let compact = bytes(&call("manaflow_getBlockCompact", r#"["0x1"]"#)["result"]);
    let block = manaflow_types::Block::decode(&raw).expect("a block");
    assert_eq!(block.txs.iter().map(|tx| tx.kind_name()).collect::<Vec<_>>(), ["system", "ethereum"]);
    let decoded = manaflow_types::CompactBlock::decode(&compact).expect("a compact block");
    assert_eq!(decoded.header, block.header);
    assert!(compact.len() * 2 < raw.len(), "compact {} bytes, canonical {}", compact.len(), raw.len());
    let balance = call("eth_getBalance", r#"["0x00000000000000000000000000000000000000bb","latest"]"#);
    assert_eq!(balance["result"], "0x5");
    let later = call("manaflow_getBlockCompact", r#"["0x9"]"#);
    assert!(later["error"]["message"].as_str().unwrap().contains("not mined yet"), "{later}");
    sigterm(&node.child);
    assert!(node.child.wait().unwrap().success());
}

#[test]
fn a_data_dir_of_an_older_format_is_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("blocks.dat"), b"").unwrap();
    let out = manaflow().arg("--data-dir").arg(dir.path()).args(["--port", "0", "--silent"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "an old data dir is refused");
    assert!(stderr.contains("holds data format 1") && stderr.contains("--data-dir"), "{stderr}");
}
