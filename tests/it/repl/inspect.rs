//! `tx`, `moves`, `step`, `block` and `validate`: reading txs, blocks and both validations.

use super::*;

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
