//! The ledger over LMDB: all-or-nothing apply, reopen, checkpoint lag and replay, a partial
//! cache, rollback, and recovery after `kill -9`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use manaflow_ledger::{Durability, Ledger, LedgerConfig, LedgerError, MemoryChain};
use manaflow_types::{B256, Block, Rule};

use crate::chains::{ChainGen, TrustDeclared, forward_outputs, reseal};

fn open(dir: &Path, config: LedgerConfig) -> Ledger {
    Ledger::open(dir, config, Arc::new(TrustDeclared)).expect("open ledger")
}

fn config(flush_threshold: usize, cache_keys_max: usize) -> LedgerConfig {
    LedgerConfig { durability: Durability::Durable, flush_threshold, cache_keys_max, flush_interval: None }
}

fn memory_after(chain: &[Block]) -> MemoryChain {
    let (memory, result) = MemoryChain::validate(chain, &TrustDeclared, &mut ());
    result.expect("valid chain");
    memory
}

#[test]
fn applied_chain_matches_memory_validator_and_survives_reopen() {
    let chain = ChainGen::new(11).chain(8, 10);
    let memory = memory_after(&chain);
    let dir = tempfile::tempdir().unwrap();
    {
        let mut ledger = open(dir.path(), config(50, usize::MAX));
        for block in &chain {
            ledger.apply(block).unwrap();
        }
        assert_eq!(ledger.commitment(), memory.state.lthash.digest());
        assert_eq!(ledger.outputs().unwrap(), forward_outputs(&memory.state));
        assert_eq!(ledger.recompute_commitment().unwrap(), chain.last().unwrap().header.commitment);
    }
    let mut ledger = open(dir.path(), config(50, usize::MAX));
    assert_eq!(ledger.len(), chain.len() as u64);
    assert_eq!(ledger.tip().unwrap(), &chain.last().unwrap().header);
    assert_eq!(ledger.outputs().unwrap(), forward_outputs(&memory.state));
    assert_eq!(ledger.utxo_size(), memory.state.size());
    assert_eq!(ledger.block(3).unwrap(), chain[3]);
    let id = chain[2].txs[0].id();
    assert_eq!(ledger.locate(&id).map(|l| (l.block, l.index)), Some((2, 0)));
}

#[test]
fn an_invalid_block_changes_nothing_and_the_ledger_keeps_going() {
    let mut maker = ChainGen::new(12);
    let chain = maker.chain(4, 6);
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = open(dir.path(), config(1_000, usize::MAX));
    for block in &chain[..4] {
        ledger.apply(block).unwrap();
    }
    let before = (ledger.len(), ledger.commitment(), ledger.utxo_size(), ledger.outputs().unwrap());
    // The last block with one move's prev changed (and its header resealed around the change).
    let mut bad = chain.clone();
    let moves = bad[4].txs[0].moves_mut();
    let i = moves.iter().position(|m| m.is_write()).unwrap();
    moves[i].prev = B256::from(manaflow_types::U256::from(123_456_789u64));
    reseal(&mut bad, 4, None);
    let err = ledger.apply(&bad[4]).unwrap_err();
    let v = err.violation().expect("a violation");
    assert_eq!((v.rule, v.position.block), (Rule::PrevMismatch, 4));
    assert!(v.to_string().contains("prev"), "error names the rule and values: {v}");
    let after = (ledger.len(), ledger.commitment(), ledger.utxo_size(), ledger.outputs().unwrap());
    assert_eq!(before, after);
    assert!(matches!(ledger.block(4), Err(LedgerError::BlockNotFound(4))));
    // A block that fails only its commitment has had its bytes written alongside the hashing:
    // they are never indexed, and the next block takes their place.
    let mut wrong_commitment = chain[4].clone();
    wrong_commitment.header.commitment = B256::repeat_byte(0xcc);
    let err = ledger.apply(&wrong_commitment).unwrap_err();
    assert_eq!(err.violation().map(|v| v.rule), Some(Rule::BadCommitment));
    assert_eq!(before, (ledger.len(), ledger.commitment(), ledger.utxo_size(), ledger.outputs().unwrap()));
    // The real block still applies, and reads back whole after a reopen.
    ledger.apply(&chain[4]).unwrap();
    assert_eq!(ledger.commitment(), chain[4].header.commitment);
    drop(ledger);
    let ledger = open(dir.path(), config(1_000, usize::MAX));
    assert_eq!(ledger.block(4).unwrap(), chain[4]);
    assert_eq!(ledger.block(3).unwrap(), chain[3]);
}

#[test]
fn dry_run_check_reports_steps_and_leaves_the_set() {
    let chain = ChainGen::new(13).chain(2, 4);
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = open(dir.path(), config(1_000, usize::MAX));
    ledger.apply(&chain[0]).unwrap();
    ledger.apply(&chain[1]).unwrap();
    let before = ledger.outputs().unwrap();
    let mut steps = 0usize;
    ledger.check(&chain[2], &mut |_: manaflow_ledger::ForwardStep<'_>| steps += 1).unwrap();
    assert!(steps > chain[2].txs.len(), "every tx and move is a step");
    assert_eq!(ledger.outputs().unwrap(), before);
    assert_eq!(ledger.len(), 2);
}

#[test]
fn a_small_cache_prefetches_from_the_checkpoint_and_agrees() {
    let chain = ChainGen::new(14).chain(10, 10);
    let memory = memory_after(&chain);
    let dir = tempfile::tempdir().unwrap();
    // Flush after every block and keep nothing clean in memory: every block prefetches.
    let mut ledger = open(dir.path(), config(1, 0));
    for block in &chain {
        ledger.apply(block).unwrap();
    }
    assert_eq!(ledger.commitment(), memory.state.lthash.digest());
    assert_eq!(ledger.recompute_commitment().unwrap(), memory.state.lthash.digest());
    assert_eq!(ledger.outputs().unwrap(), forward_outputs(&memory.state));
}

#[test]
fn rollback_restores_consumed_outputs_and_drops_blocks() {
    let chain = ChainGen::new(15).chain(6, 8);
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = open(dir.path(), config(3, usize::MAX));
    for block in &chain {
        ledger.apply(block).unwrap();
    }
    // Rolling back to the tip or past it changes nothing.
    ledger.rollback_to(u64::MAX).unwrap();
    ledger.rollback_to(chain.len() as u64 - 1).unwrap();
    assert_eq!(ledger.len(), chain.len() as u64);
    ledger.rollback_to(2).unwrap();
    let memory = memory_after(&chain[..3]);
    assert_eq!(ledger.len(), 3);
    assert_eq!(ledger.commitment(), chain[2].header.commitment);
    assert_eq!(ledger.outputs().unwrap(), forward_outputs(&memory.state));
    assert_eq!(ledger.recompute_commitment().unwrap(), chain[2].header.commitment);
    assert!(ledger.locate(&chain[4].txs[0].id()).is_none());
    drop(ledger);
    let mut ledger = open(dir.path(), config(3, usize::MAX));
    assert_eq!(ledger.len(), 3);
    assert_eq!(ledger.outputs().unwrap(), forward_outputs(&memory.state));
    // The same blocks apply again on top.
    ledger.apply(&chain[3]).unwrap();
    assert_eq!(ledger.commitment(), chain[3].header.commitment);
}

const CRASH_DIR: &str = "MANAFLOW_CRASH_TEST_DIR";
const CRASH_SEED: u64 = 16;

/// Not a test on its own: the child process of `recovers_after_kill_9`, which applies blocks
/// and prints each committed height until it is killed.
#[test]
fn crash_child_process() {
    let Ok(dir) = std::env::var(CRASH_DIR) else { return };
    let chain = ChainGen::new(CRASH_SEED).chain(400, 12);
    // Flush often so that kills land inside checkpoint writes too.
    let mut ledger = open(Path::new(&dir), config(40, usize::MAX));
    for block in &chain {
        ledger.apply(block).unwrap();
        println!("committed {}", block.header.number);
    }
    std::thread::sleep(std::time::Duration::from_secs(60));
}

#[test]
fn recovers_after_kill_9_at_the_last_whole_block() {
    let chain = ChainGen::new(CRASH_SEED).chain(400, 12);
    for (round, kill_after) in [3u64, 40, 150].into_iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "store::crash_child_process", "--nocapture", "--test-threads=1"])
            .env(CRASH_DIR, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut committed = None;
        for line in BufReader::new(child.stdout.take().unwrap()).lines() {
            let line = line.unwrap();
            if let Some(n) = line.strip_prefix("committed ") {
                committed = Some(n.parse::<u64>().unwrap());
                if committed >= Some(kill_after) {
                    break;
                }
            }
        }
        // SIGKILL while the child is still applying blocks.
        child.kill().unwrap();
        child.wait().unwrap();
        let committed = committed.expect("child committed blocks");
        let mut ledger = open(dir.path(), config(40, usize::MAX));
        let tip = ledger.tip().unwrap().number;
        assert!(tip >= committed, "round {round}: lost committed block {committed} (tip {tip})");
        assert_eq!(ledger.tip().unwrap(), &chain[tip as usize].header);
        assert_eq!(ledger.recompute_commitment().unwrap(), chain[tip as usize].header.commitment);
        let memory = memory_after(&chain[..=tip as usize]);
        assert_eq!(ledger.outputs().unwrap(), forward_outputs(&memory.state));
        // And it carries on from there.
        ledger.apply(&chain[tip as usize + 1]).unwrap();
    }
}
