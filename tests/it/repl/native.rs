//! Native txs (`--native`, `--masked`) sent from the prompt.

use super::*;

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
