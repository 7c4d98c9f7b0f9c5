//! The REPL lesson (`examples/lesson/lesson.repl`) runs through the binary exactly as an
//! educator runs it, and its output shows what the walkthrough says it shows.

use std::process::Command;

const LESSON: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/lesson/lesson.repl");

fn run_lesson() -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_manaflow"))
        .args(["repl", "--port", "0", "--timestamp", "1700000000", "--script", LESSON])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The output of command `command` (from its echo to the next echo).
fn section<'a>(out: &'a str, command: &str) -> &'a str {
    let start = out.find(&format!("» {command}\n")).unwrap_or_else(|| panic!("`{command}` ran:\n{out}"));
    let rest = &out[start + command.len() + 3..];
    &rest[..rest.find("\n» ").unwrap_or(rest.len())]
}

#[test]
fn the_lesson_runs_and_shows_each_chapter() {
    let (ok, out, err) = run_lesson();
    assert!(ok, "the lesson fails:\n{out}\n{err}");
    let script = std::fs::read_to_string(LESSON).expect("the lesson exists");
    let commands = script.lines().filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#')).count();
    assert_eq!(out.matches("\n» ").count() + usize::from(out.starts_with("» ")), commands, "every command is echoed");
    assert!(!out.contains("\x1b["), "NO_COLOR leaves no escape codes");

    // Chapters 1–2: the accounts, the token.
    assert!(section(&out, "accounts").contains("alice   0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266   10000"));
    assert!(
        section(&out, "deploy token TestToken")
            .contains("deployed token at 0x5FbDB2315678afecb367f032d93F642f64180aa3")
    );

    // Chapter 3: the transfer's moves, decoded.
    let tx = section(&out, "tx");
    assert!(tx.contains("alice → token: transfer(bob, 100)"), "{tx}");
    assert!(tx.contains("8 moves: 4 writes, 4 reads"), "{tx}");
    let bob_row = tx.lines().find(|l| l.contains("token.balanceOf[bob]")).expect("bob's balance slot is decoded");
    assert!(bob_row.contains("0 → 100") && bob_row.contains("write") && bob_row.contains("yes"), "{bob_row}");
    let alice_row = tx.lines().find(|l| l.contains("token.balanceOf[alice]")).expect("alice's slot is decoded");
    assert!(alice_row.contains("1000000000000000000001000 → 1000000000000000000000900"), "{alice_row}");
    assert!(tx.lines().any(|l| l.contains("alice.nonce") && l.contains("2 → 3")), "{tx}");

    // Chapter 4: each access as it happens, adding up to the declared moves.
    let step = section(&out, "step");
    let sload = step.find("SLOAD        reads balanceOf[alice]").expect("the SLOAD of alice's balance");
    let sstore = step.find("SSTORE       writes balanceOf[bob] := 100").expect("the SSTORE of bob's balance");
    assert!(sload < sstore, "in execution order:\n{step}");
    assert!(step.contains("✔ re-execution reproduces the 8 declared moves exactly"), "{step}");

    // Chapters 5–6: both validation orders accept the real chain.
    let forward = section(&out, "validate latest");
    for shown in
        ["✔ read    token.code is live", "✔ consume token.balanceOf[bob] is live (never-written); prev = 0 matches"]
    {
        assert!(forward.contains(shown), "{shown:?} in:\n{forward}");
    }
    assert!(forward.contains("+ create  token.balanceOf[bob] = 100"), "{forward}");
    assert!(forward.contains("verdict forward: ✔ valid"), "{forward}");
    let reverse = section(&out, "validate latest reverse");
    assert!(reverse.contains("? claim consume token.balanceOf[bob] = 0 on the output of never-written"), "{reverse}");
    assert!(reverse.contains("open claims 8"), "{reverse}");
    assert!(reverse.contains("verdict reverse: ✔ valid"), "{reverse}");
    let chain = section(&out, "validate chain reverse");
    assert_eq!(chain.lines().filter(|l| l.starts_with("block ")).count(), 4, "one line per block:\n{chain}");

    // Chapter 7: the UTXO set.
    assert!(section(&out, "utxo").contains("UTXO set after block 3:"));
    assert!(section(&out, "utxo token storage 2").contains("token.totalSupply"));

    // Chapter 8: each tamper is refused by both validators with the rule named; nothing changes.
    for (command, rule) in [
        ("tamper last move 0 value 5", "prev-mismatch"),
        ("tamper last move 2 intx 0x01", "unknown-output"),
        ("tamper last drop-move 7", "re-execution"),
        ("tamper block latest replay last", "duplicate-tx"),
    ] {
        let text = section(&out, command);
        assert!(text.contains(&format!("verdict forward: ✘ invalid, rule {rule}")), "{command}:\n{text}");
        assert!(text.contains(&format!("verdict reverse: ✘ invalid, rule {rule}")), "{command}:\n{text}");
        assert!(text.contains("✔ the real chain is untouched: height 3"), "{command}:\n{text}");
    }
    assert!(section(&out, "validate chain").contains("verdict forward: ✔ valid"));

    // Chapter 9: the failing transfer is mined with its moves; bob's balance is unchanged.
    assert!(section(&out, "send token transfer bob 100000 --from carol --force").contains("mined in block 4: failed"));
    assert!(section(&out, "moves").lines().any(|l| l.contains("token.balanceOf[carol]") && l.contains("= 0")));
    assert!(section(&out, "balance bob token").contains("bob 100 token"));

    // Chapter 10: three masked swaps share one block; fully signed, only the first fits.
    let mined: Vec<&str> = out.split("\n» mine\n").skip(1).collect();
    assert_eq!(mined.len(), 2, "two `mine` commands");
    let masked = &mined[0][..mined[0].find("\n» ").unwrap_or(mined[0].len())];
    assert!(masked.contains("(3 txs)"), "{masked}");
    assert_eq!(masked.matches("✔ tx ").count(), 3, "{masked}");
    let table = {
        let start = out.rfind("» moves\n").expect("the second `moves`");
        let rest = &out[start + "» moves\n".len()..];
        &rest[..rest.find("\n» ").unwrap_or(rest.len())]
    };
    assert!(table.contains(" mask"), "the mask column: {table}");
    let mask_of = |key: &str| -> String {
        let row = table.lines().find(|l| l.contains(key)).unwrap_or_else(|| panic!("{key} in {table}"));
        row.split_whitespace().last().expect("a mask").to_string()
    };
    assert_eq!(mask_of("pool.slot 0"), "0x80", "the reserve is left to the coordinator");
    assert_eq!(mask_of("dave.nonce"), "0x83", "the sender signs the nonce it found");
    assert_eq!(mask_of("dave.code"), "0x87", "reads are signed whole");
    let full = &mined[1][..mined[1].find("\n» ").unwrap_or(mined[1].len())];
    assert!(full.contains("(1 txs)"), "{full}");
    assert_eq!(full.matches("refused at sequencing: invalid transaction: stale prev").count(), 2, "{full}");
    let end = &out[out.rfind("» validate chain\n").expect("the last validation")..];
    assert!(end.contains("verdict forward: ✔ valid"), "{end}");

    // Chapter 11: the same token in WASM gives the same moves, and step shows its host calls.
    let sent = section(&out, "send wtoken transfer bob 100 --from alice");
    assert!(sent.contains("8 moves (4 writes, 4 reads)"), "{sent}");
    let wasm_step = section(&out, "step last");
    let load = wasm_step.find("storage_load (SLOAD)").expect("the WASM frame's storage_load");
    let store = wasm_step.find("storage_store (SSTORE)").expect("the WASM frame's storage_store");
    assert!(load < store, "in execution order:\n{wasm_step}");
    assert!(wasm_step.contains("✔ re-execution reproduces the 8 declared moves exactly"), "{wasm_step}");

    // Chapter 12: inclusion and output proofs checked with headers alone; fraud proofs likewise.
    let included = section(&out, "proof tx last");
    assert!(included.contains("leaf = keccak(id ‖ keccak(moves) ‖ keccak(references))"), "{included}");
    assert!(included.contains(" at 11:0 ✔"), "the references name the deployment at 11:0:\n{included}");
    assert!(included.contains("✔ checked with headers alone, as a light client would: tx "), "{included}");
    let output = section(&out, "proof output bob");
    assert!(output.contains("it proves the write, not that the output is still live"), "{output}");
    assert!(output.contains("✔ checked with headers alone"), "{output}");
    for (command, rule) in [
        ("tamper last move 2 value 5 --proof", "prev-mismatch at block 12 tx 0 move 2"),
        ("tamper block latest commitment 0x01 --proof", "bad-commitment at block 12 commitment"),
    ] {
        let tampered = section(&out, command);
        assert!(tampered.contains(&format!("fraud proof: {rule}, ")), "{tampered}");
        assert!(
            tampered.contains("✔ checked with the 12 headers before it and nothing else: block 12 is invalid"),
            "{tampered}"
        );
    }
}
