//! Storage faults under a running node: a full disk or a failing fsync refuses the block being
//! written with the error, the chain and the state stay as they were, reads go on, and mining
//! resumes when the fault is gone; a flipped byte in a block of a data dir is named at start.

use alloy_primitives::U256;
use alloy_provider::Provider;
use alloy_rpc_types_eth::TransactionRequest;
use manaflow_ledger::faults::Seam;

use crate::rpc::support::*;

#[tokio::test]
async fn a_full_disk_refuses_the_block_reads_go_on_and_mining_resumes() {
    let devnet = start();
    let (a, b) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let p = provider(&devnet, 0);
    send_ok(&p, TransactionRequest::default().from(a).to(b).value(U256::from(1u64))).await;
    let (height, balances) = chain_state(&p, &[a, b]).await;

    for (seam, says) in [(Seam::Write, "No space left on device"), (Seam::Sync, "Input/output error")] {
        devnet.coordinator().node().ledger().faults().fail_next(seam, 1);
        let tx = TransactionRequest::default().from(a).to(b).value(U256::from(5u64));
        let err = provider(&devnet, 0).send_transaction(tx).await.unwrap_err();
        let failure = failure(&err);
        assert!(failure.message.contains(says), "{seam:?}: {failure:?}");
        assert_eq!(chain_state(&p, &[a, b]).await, (height, balances.clone()), "nothing changed");
    }

    let tx = TransactionRequest::default().from(a).to(b).value(U256::from(5u64));
    let receipt = send_ok(&provider(&devnet, 0), tx).await;
    assert_eq!(receipt.block_number, Some(height + 1), "the next block is the one that failed");
    assert_eq!(balance(&p, b).await, balances[1] + U256::from(5u64));
}

#[test]
fn a_flipped_byte_in_a_block_of_a_data_dir_is_named_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let config = manaflow::Config::test().with_data_dir(dir.path());
    let devnet = manaflow::spawn(config.clone()).unwrap();
    devnet.coordinator().mine_block().unwrap();
    devnet.coordinator().mine_block().unwrap();
    devnet.shutdown();
    let file = dir.path().join("blocks.dat");
    let mut bytes = std::fs::read(&file).unwrap();
    let last = bytes.len() - 20;
    bytes[last] ^= 0x01;
    std::fs::write(&file, bytes).unwrap();
    let err = manaflow::spawn(config).err().expect("refused").to_string();
    assert!(err.contains("block 2 in blocks.dat does not match its checksum"), "{err}");
}
