//! `utxo`, `tamper` and `mine`: the set, tampered copies of the chain, and manual mining.

use super::*;

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
    let (status, stdout, stderr) = run_script_on(
        test_config().with_block_time(std::time::Duration::from_secs(3600)),
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

#[test]
fn tamper_proof_shows_a_fraud_proof_a_light_client_accepts_and_proof_shows_inclusion() {
    let script = "deploy token TestToken\n\
                  send token approve bob 50\n\
                  send token approve bob 60\n\
                  tamper last move 3 prev 999 --proof\n\
                  tamper last move 3 ref 1:0 --proof\n\
                  tamper last move 0 intx 0x1234 --proof\n\
                  tamper last drop-move 3 --proof\n\
                  tamper block 3 replay last --proof\n\
                  tamper block 3 commitment 0x01 --proof\n\
                  proof tx last\n\
                  proof output bob\n\
                  proof output 0x0000000000000000000000000000000000000077\n";
    let stdout = run_ok(script);
    let cases = [
        ("tamper last move 3 prev 999 --proof", "prev-mismatch at block 3 tx 0 move 3", "and its producer tx"),
        (
            "tamper last move 3 ref 1:0 --proof",
            "unknown-output at block 3 tx 0 move 3",
            "and the tx its reference names",
        ),
        (
            "tamper last move 0 intx 0x1234 --proof",
            "unknown-output at block 3 tx 0 move 0",
            "the tx its reference names",
        ),
        ("tamper last drop-move 3 --proof", "re-execution at block 3 tx 0", "bytes of code it runs"),
        ("tamper block 3 replay last --proof", "duplicate-tx at block 3 tx 1", "two inclusions of one id"),
        ("tamper block 3 commitment 0x01 --proof", "bad-commitment at block 3 commitment", "the whole body (1 txs)"),
    ];
    for (command, verdict, carries) in cases {
        let out = output_of(&stdout, command);
        let line = out.lines().find(|l| l.starts_with("fraud proof: ")).unwrap_or_else(|| panic!("{command}:\n{out}"));
        assert!(
            line.starts_with(&format!("fraud proof: {verdict}, ")) && line.ends_with(" bytes"),
            "{command}: {line}"
        );
        assert!(out.contains(&format!("\n  carries {}", "")) && out.contains(carries), "{command}:\n{out}");
        assert!(
            out.contains("✔ checked with the 3 headers before it and nothing else: block 3 is invalid: "),
            "{command}:\n{out}"
        );
    }
    let planted = output_of(&stdout, "tamper last move 3 ref 1:0 --proof");
    assert_eq!(tamper_rules(&planted), (Some("unknown-output".into()), Some("unknown-output".into())), "{planted}");

    let tx = output_of(&stdout, "proof tx last");
    assert!(tx.starts_with("inclusion proof: tx "), "{tx}");
    assert!(tx.contains("leaf = keccak(id ‖ keccak(moves) ‖ keccak(references))"), "{tx}");
    assert!(
        tx.contains("move 3: output of ") && tx.contains(" at 2:0 ✔"),
        "the allowance was written by tx 2:0:\n{tx}"
    );
    assert!(tx.contains("✔ checked with headers alone, as a light client would: tx "), "{tx}");
    let bob = output_of(&stdout, "proof output bob");
    assert!(
        bob.starts_with("output proof: ") && bob.contains("it proves the write, not that the output is still live"),
        "{bob}"
    );
    assert!(bob.contains("✔ checked with headers alone, as a light client would: "), "{bob}");
    let nobody = output_of(&stdout, "proof output 0x0000000000000000000000000000000000000077");
    assert!(nobody.contains("no producer — never written"), "{nobody}");
}
