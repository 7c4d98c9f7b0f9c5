//! `console.log` as a Solidity developer sees it: lines printed in the node's output under the
//! mined tx, the `eth_call` and the `eth_estimateGas` (once per request) that made them; none
//! with `--silent` or after `anvil_setLoggingEnabled(false)`.

use std::io::BufRead;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use alloy_sol_types::SolCall;

use crate::cli::post;
use crate::rpc::support::artifact;

alloy_sol_types::sol! {
    interface ILogger {
        function add(uint256 n) external returns (uint256 count);
        function peek() external view returns (uint256 count);
    }
}

/// A node whose every stdout line is sent on a channel.
struct Node {
    child: std::process::Child,
    port: u16,
    lines: mpsc::Receiver<String>,
}

impl Node {
    /// Starts `manaflow` with `args` on a free port.
    fn start(args: &[&str]) -> Self {
        let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_manaflow"))
            .args(["--port", &free.to_string()])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, lines) = mpsc::channel();
        let (port_sender, port) = mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("Listening on ") {
                    let _ = port_sender.send(addr.rsplit(':').next().unwrap().parse::<u16>().unwrap());
                }
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        // A silent node prints no banner: wait until it answers instead.
        let port = port.recv_timeout(Duration::from_secs(3)).unwrap_or(free);
        for _ in 0..300 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Self { child, port, lines }
    }

    fn call(&self, method: &str, params: serde_json::Value) -> serde_json::Value {
        let body = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let response = post(self.port, &body.to_string());
        assert!(response["error"].is_null(), "{method}: {response}");
        response["result"].clone()
    }

    /// The lines printed since the last drain (a request whose answer has come back has printed
    /// all it prints; the pause lets the reader thread catch up).
    fn drain(&self) -> Vec<String> {
        std::thread::sleep(Duration::from_millis(200));
        self.lines.try_iter().collect()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        // SIGTERM, so the node removes its temporary chain (SIGKILL would leave it in /tmp).
        let terminated = std::process::Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        if !terminated.is_ok_and(|s| s.success()) {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

const ALICE: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

/// Deploys the Logger; its address.
fn deploy(node: &Node) -> String {
    let code = artifact("Logger").bytecode;
    let hash = node.call("eth_sendTransaction", serde_json::json!([{"from": ALICE, "data": code}]));
    let receipt = node.call("eth_getTransactionReceipt", serde_json::json!([hash]));
    receipt["contractAddress"].as_str().unwrap().to_owned()
}

fn input(call: impl SolCall) -> String {
    alloy_primitives::hex::encode_prefixed(call.abi_encode())
}

#[test]
fn console_log_lines_print_under_the_tx_the_call_and_the_estimate() {
    let node = Node::start(&[]);
    let logger = deploy(&node);
    node.drain();

    let add = input(ILogger::addCall { n: alloy_primitives::U256::from(5u64) });
    let hash = node.call("eth_sendTransaction", serde_json::json!([{"from": ALICE, "to": logger, "data": add}]));
    let printed = node.drain();
    let at = printed.iter().position(|l| l.trim() == format!("Transaction: {}", hash.as_str().unwrap()));
    let at = at.unwrap_or_else(|| panic!("the tx heading in {printed:#?}"));
    assert_eq!(printed[at + 1].trim(), "console.log:");
    assert_eq!(printed[at + 2].trim(), "count is now 5");
    assert_eq!(printed[at + 3].trim(), format!("sender {ALICE} true"));

    let peek = input(ILogger::peekCall {});
    node.call("eth_call", serde_json::json!([{"to": logger, "data": peek}, "latest"]));
    let printed = node.drain();
    let at = printed.iter().position(|l| l.trim() == "eth_call").expect("the call's heading");
    assert_eq!(printed[at + 2].trim(), "peeking");

    // An estimate runs the call many times; its lines print once.
    node.call("eth_estimateGas", serde_json::json!([{"from": ALICE, "to": logger, "data": add}]));
    let printed = node.drain();
    assert_eq!(printed.iter().filter(|l| l.trim() == "eth_estimateGas").count(), 1, "{printed:#?}");
    assert_eq!(printed.iter().filter(|l| l.trim() == "count is now 10").count(), 1, "{printed:#?}");

    node.call("anvil_setLoggingEnabled", serde_json::json!([false]));
    node.call("eth_call", serde_json::json!([{"to": logger, "data": peek}, "latest"]));
    assert!(!node.drain().iter().any(|l| l.contains("peeking")), "logging is off");
    node.call("anvil_setLoggingEnabled", serde_json::json!([true]));
    node.call("eth_call", serde_json::json!([{"to": logger, "data": peek}, "latest"]));
    assert!(node.drain().iter().any(|l| l.trim() == "peeking"), "and on again");
}

#[test]
fn a_silent_node_prints_no_console_lines() {
    let node = Node::start(&["--silent"]);
    let logger = deploy(&node);
    let add = input(ILogger::addCall { n: alloy_primitives::U256::from(1u64) });
    node.call("eth_sendTransaction", serde_json::json!([{"from": ALICE, "to": logger, "data": add}]));
    node.call("eth_call", serde_json::json!([{"to": logger, "data": input(ILogger::peekCall {})}, "latest"]));
    let printed = node.drain();
    assert!(printed.iter().all(|l| !l.contains("console.log") && !l.contains("peeking")), "{printed:#?}");
}
