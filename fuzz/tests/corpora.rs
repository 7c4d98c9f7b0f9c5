//! Every committed corpus input, through its target: none may panic. The corpora hold the seeds
//! (`examples/seeds.rs`) and what AFL++ runs found worth keeping (`scripts/fuzz.sh --keep`).

use std::path::Path;

use manaflow_fuzz::TARGETS;

#[test]
fn every_corpus_input_runs_through_its_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for target in TARGETS {
        let dir = root.join(target.name);
        let mut inputs: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.expect("an entry").path())
            .collect();
        inputs.sort();
        assert!(!inputs.is_empty(), "{} has no inputs", dir.display());
        for input in inputs {
            let bytes = std::fs::read(&input).expect("an input");
            (target.run)(&bytes);
        }
    }
}

#[test]
fn the_differential_seeds_hold_a_valid_block_and_refused_ones() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/forward_reverse");
    let verdict = |name: &str| {
        let bytes = std::fs::read(root.join(name)).expect("a seed");
        let block = manaflow_types::Block::decode(&bytes[1..]).expect("a block");
        manaflow_fuzz::chain::verdicts(&manaflow_fuzz::chain::with_last(block, bytes[0] & 1 == 1))
    };
    assert_eq!(verdict("valid"), (None, None));
    for refused in ["wrong-prev", "duplicate-tx"] {
        let (forward, reverse) = verdict(refused);
        assert!(forward.is_some(), "{refused} is refused");
        assert_eq!(forward, reverse, "{refused}");
    }
    // A tx that stops touching a key it touched breaks no rule: both accept it.
    assert_eq!(verdict("dropped-move"), (None, None));
}

#[test]
fn the_batch_seeds_reach_each_path() {
    use manaflow_types::{Batch, BatchError};
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/batch");
    let decode = |name: &str| Batch::decode(&std::fs::read(root.join(name)).expect("a seed"));
    let oks = |batch: &Batch| batch.txs.iter().map(Result::is_ok).collect::<Vec<_>>();
    assert_eq!(oks(&decode("two-items").expect("a batch")), [true, true]);
    assert_eq!(oks(&decode("malformed-item").expect("a batch")), [true, false, true]);
    assert_eq!(oks(&decode("empty").expect("a batch")), [false; 0]);
    assert_eq!(oks(&decode("origin-at-bound").expect("a batch")), [true]);
    assert_eq!(decode("origin-too-long"), Err(BatchError::Origin));
}
