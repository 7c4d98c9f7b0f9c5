//! Storage faults survived: a torn tail cut back, a flipped byte in a block named and never
//! served, a flipped byte in the checkpoint caught and the set rebuilt from the blocks, and a
//! full disk or a failing fsync refusing a block without changing anything.

use std::path::Path;
use std::sync::Arc;

use manaflow_ledger::faults::Seam;
use manaflow_ledger::{Corruption, Durability, Ledger, LedgerConfig, LedgerError};
use manaflow_types::Block;

use crate::chains::{ChainGen, TrustDeclared, forward_outputs};

fn open(dir: &Path) -> Result<Ledger, LedgerError> {
    // A checkpoint after every block, so that faults meet one.
    let config = LedgerConfig {
        durability: Durability::Durable,
        flush_threshold: 1,
        cache_keys_max: usize::MAX,
        flush_interval: None,
    };
    Ledger::open(dir, config, Arc::new(TrustDeclared))
}

/// A ledger in `dir` holding `chain`, closed.
fn write_chain(dir: &Path, chain: &[Block]) {
    let mut ledger = open(dir).unwrap();
    for block in chain {
        ledger.apply(block).unwrap();
    }
}

fn data_file(dir: &Path) -> std::path::PathBuf {
    dir.join("blocks.dat")
}

fn assert_holds(ledger: &mut Ledger, chain: &[Block]) {
    let tip = chain.last().unwrap();
    assert_eq!(ledger.len(), chain.len() as u64);
    assert_eq!(ledger.tip(), Some(&tip.header));
    assert_eq!(ledger.recompute_commitment().unwrap(), tip.header.commitment);
    let (memory, _) = manaflow_ledger::MemoryChain::validate(chain, &TrustDeclared, &mut ());
    assert_eq!(ledger.outputs().unwrap(), forward_outputs(&memory.state));
}

#[test]
fn bytes_past_the_last_block_are_ignored_and_overwritten() {
    let chain = ChainGen::new(21).chain(6, 5);
    let dir = tempfile::tempdir().unwrap();
    write_chain(dir.path(), &chain[..6]);
    // A crash in the middle of writing block 6: its bytes half there, its index entry not.
    let mut file = std::fs::OpenOptions::new().append(true).open(data_file(dir.path())).unwrap();
    std::io::Write::write_all(&mut file, &chain[6].encode()[..40]).unwrap();
    drop(file);
    let mut ledger = open(dir.path()).unwrap();
    assert_eq!(ledger.torn_tail(), None);
    assert_holds(&mut ledger, &chain[..6]);
    ledger.apply(&chain[6]).unwrap();
    drop(ledger);
    assert_holds(&mut open(dir.path()).unwrap(), &chain);
}

#[test]
fn a_block_file_ending_inside_a_block_is_cut_back_to_the_last_whole_one() {
    let chain = ChainGen::new(22).chain(6, 5);
    let dir = tempfile::tempdir().unwrap();
    write_chain(dir.path(), &chain);
    let len = std::fs::metadata(data_file(dir.path())).unwrap().len();
    let last = chain[6].encode().len() as u64;
    let file = std::fs::OpenOptions::new().write(true).open(data_file(dir.path())).unwrap();
    file.set_len(len - last / 2).unwrap();
    drop(file);
    // The checkpoint is at block 6, past the cut: it is rebuilt from the blocks.
    let mut ledger = open(dir.path()).unwrap();
    assert_eq!(ledger.torn_tail(), Some(6..=6));
    assert!(ledger.checkpoint_rebuilt().is_some_and(|why| why.contains("above")), "the checkpoint was past the cut");
    assert_holds(&mut ledger, &chain[..6]);
    ledger.apply(&chain[6]).unwrap();
    drop(ledger);
    assert_holds(&mut open(dir.path()).unwrap(), &chain);
}

#[test]
fn a_flipped_byte_in_a_block_is_named_and_never_served() {
    let chain = ChainGen::new(23).chain(5, 5);
    let dir = tempfile::tempdir().unwrap();
    write_chain(dir.path(), &chain);
    let offset: usize = chain[..3].iter().map(|b| b.encode().len()).sum::<usize>() + 10;
    let mut bytes = std::fs::read(data_file(dir.path())).unwrap();
    bytes[offset] ^= 0x20;
    std::fs::write(data_file(dir.path()), bytes).unwrap();
    let ledger = open(dir.path()).unwrap();
    let err = ledger.block(3).unwrap_err();
    assert!(matches!(err, LedgerError::Corrupt(Corruption::Checksum(3))), "{err:?}");
    assert!(err.to_string().contains("block 3 in blocks.dat"), "{err}");
    assert_eq!(ledger.block(2).unwrap(), chain[2], "the other blocks are served");
    assert!(ledger.reader().block(3).is_err(), "nor through a reader");
}

#[test]
fn a_flipped_byte_in_the_checkpoint_is_caught_and_the_set_rebuilt_from_the_blocks() {
    let chain = ChainGen::new(24).chain(5, 5);
    let dir = tempfile::tempdir().unwrap();
    write_chain(dir.path(), &chain);
    let outputs = open(dir.path()).unwrap().outputs().unwrap();
    let state = dir.path().join("state/data.mdb");
    let mut bytes = std::fs::read(&state).unwrap();
    let (_, output) = outputs[outputs.len() / 2];
    let needle = output.to_bytes();
    // Every copy LMDB holds (older pages included), so the live one is hit.
    let copies: Vec<usize> = bytes.windows(64).enumerate().filter(|(_, w)| *w == needle).map(|(i, _)| i).collect();
    assert!(!copies.is_empty(), "the output is in the checkpoint");
    for at in copies {
        bytes[at + 40] ^= 0x01;
    }
    std::fs::write(&state, bytes).unwrap();
    let mut ledger = open(dir.path()).unwrap();
    let why = ledger.checkpoint_rebuilt().expect("the checkpoint was found unusable");
    assert!(why.contains("fails its checksum"), "{why}");
    assert_holds(&mut ledger, &chain);
    drop(ledger);
    assert_eq!(open(dir.path()).unwrap().checkpoint_rebuilt(), None, "and rebuilt for good");
}

#[test]
fn a_full_disk_or_a_failed_fsync_refuses_the_block_and_changes_nothing() {
    let chain = ChainGen::new(25).chain(6, 5);
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = open(dir.path()).unwrap();
    for block in &chain[..4] {
        ledger.apply(block).unwrap();
    }
    for (seam, says) in [
        (Seam::Write, "No space left on device"),
        (Seam::Sync, "Input/output error"),
        (Seam::Commit, "No space left on device"),
    ] {
        ledger.faults().fail_next(seam, 1);
        let err = ledger.apply(&chain[4]).unwrap_err();
        let text = err.to_string();
        assert!(text.contains(says) && text.contains("block 4"), "{seam:?}: {text}");
        assert!(text.contains("blocks"), "names the file: {text}");
        assert_holds(&mut ledger, &chain[..4]);
    }
    // Space is back: the same block goes in, and the next.
    ledger.apply(&chain[4]).unwrap();
    ledger.apply(&chain[5]).unwrap();
    drop(ledger);
    assert_holds(&mut open(dir.path()).unwrap(), &chain[..6]);
}

#[test]
fn checkpoints_are_also_written_by_time_so_a_crash_replays_little() {
    let chain = ChainGen::new(26).chain(30, 5);
    let dir = tempfile::tempdir().unwrap();
    let config = LedgerConfig {
        durability: Durability::Ephemeral,
        flush_threshold: usize::MAX,
        cache_keys_max: usize::MAX,
        flush_interval: Some(std::time::Duration::ZERO),
    };
    let mut ledger = Ledger::open(dir.path(), config, Arc::new(TrustDeclared)).unwrap();
    for block in &chain {
        ledger.apply(block).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let height = ledger.checkpoint_height().unwrap().expect("a checkpoint was written");
    assert!(height >= 20, "checkpoints follow the chain without a threshold: at {height} of 30");
}
