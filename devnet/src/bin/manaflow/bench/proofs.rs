//! `manaflow bench proofs`: the sizes of fraud proofs (DESIGN §9) on a block of ERC20 transfers,
//! beside the block's own size, and the time a header-only verifier takes to check a per-tx
//! proof beside the validator's full check of that tx.
//!
//! Block 1 holds `--txs` transfers from as many senders; block 2 the next transfer of each, so its
//! moves reference block 1's txs. Three copies of block 2 are refused: one whose tx changes the
//! token balance it writes (re-execution: a per-tx proof), one with a second transfer by a sender,
//! signed for the same nonce and built on the same state (a double use: a two-tx proof), and one
//! declaring a wrong commitment (the whole body and the parent's multiset-hash state).

use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy_primitives::{B256, Bytes, U256};
use manaflow_evm::{EvmRuntime, EvmVerifier, Hardfork, decode_signed, outcome_of};
use manaflow_ledger::{Ledger, LedgerConfig};
use manaflow_types::proof::{self, Evidence, FraudProof, HeaderChain, Verdict};
use manaflow_types::{EthereumTx, Header, Mark, Outcome, Rule, Runtime, SystemTx, Tx, check_tx_alone};

use super::stats::median_duration;
use super::validate::{CHAIN_ID, build_block, setup, template};
use super::{NoAncestors, erc20_transfer};
use crate::cli::ProofsArgs;

struct LedgerHeaders<'a>(&'a Ledger);

impl HeaderChain for LedgerHeaders<'_> {
    fn header(&self, number: u64) -> Option<Header> {
        self.0.header(number).ok().flatten()
    }
    fn hash(&self, number: u64) -> Option<B256> {
        manaflow_types::ChainContext::block_hash(self.0, number)
    }
}

fn kib(bytes: usize) -> String {
    format!("{bytes} bytes ({:.1} KiB)", bytes as f64 / 1024.0)
}

fn code_bytes(proof: &FraudProof) -> usize {
    match &proof.evidence {
        Evidence::Tx { codes, .. } => codes.iter().map(|c| c.len()).sum(),
        _ => 0,
    }
}

/// Runs the benchmark.
pub fn run(args: ProofsArgs) -> anyhow::Result<()> {
    let n = args.txs as usize;
    let setup = setup(args.txs)?;
    println!("bench proofs: blocks of {n} ERC20 transfers from {n} senders; block 2's moves reference block 1's txs");
    let transfer = |s: usize, nonce: u64, amount: u64| {
        let to = setup.senders[(s * 7 + 1) % n].address();
        erc20_transfer(&setup.senders[s], CHAIN_ID, nonce, setup.token, to, U256::from(amount), 3_000_000_000)
    };
    let dir = tempfile::tempdir()?;
    let config = LedgerConfig { durability: manaflow_ledger::Durability::Ephemeral, ..LedgerConfig::default() };
    let verifier = Arc::new(EvmVerifier::new(EvmRuntime::new(Hardfork::Prague)));
    let mut ledger = Ledger::open(dir.path(), config, verifier.clone())?;
    let genesis_tx = Tx::System(SystemTx { block: 0, index: 0, moves: setup.genesis.clone() });
    let genesis_outcome = Outcome { codes: vec![setup.code.clone()], ..Outcome::system() };
    let genesis = ledger.seal(&template(), vec![genesis_tx], vec![genesis_outcome]);
    ledger.apply(&genesis)?;
    let first: Vec<Bytes> = (0..n).map(|s| transfer(s, 0, 1)).collect();
    let block1 = build_block(&ledger, &first)?;
    ledger.apply(&block1)?;
    let second: Vec<Bytes> = (0..n).map(|s| transfer(s, 1, 2)).collect();
    let block2 = build_block(&ledger, &second)?;
    ledger.check(&block2, &mut ())?;
    let block_bytes = block2.encode().len();
    println!("block 2: {} txs, {}", block2.txs.len(), kib(block_bytes));

    // A per-tx proof: the middle tx writes a token balance re-execution does not give.
    let k = n / 2;
    let mut changed = block2.clone();
    let m = changed.txs[k]
        .moves_mut()
        .iter_mut()
        .find(|m| m.mark == Mark::Storage && m.is_write())
        .ok_or_else(|| anyhow::anyhow!("a transfer writes a token balance"))?;
    m.next = B256::from(U256::from_be_bytes(m.next.0) + U256::from(1));
    let resealed = manaflow_ledger::seal_with_references(
        ledger.tip(),
        &changed.header,
        changed.txs,
        changed.outcomes,
        changed.refs,
        ledger.lthash(),
    );
    let per_tx = ledger.fraud_proof(&resealed)?;
    anyhow::ensure!(per_tx.rule == Rule::Reexecution, "the changed tx is refused by re-execution, not {}", per_tx.rule);
    let code = code_bytes(&per_tx);
    let per_tx_bytes = per_tx.encode();
    let tx_bytes = per_tx_bytes.len() - code;
    let Evidence::Tx { tx, .. } = &per_tx.evidence else { anyhow::bail!("a per-tx proof carries its tx") };
    println!(
        "per-tx proof (re-execution at {}): {} + {} of code (branch of {} siblings, outcome branch of {})",
        per_tx.position,
        kib(tx_bytes),
        kib(code),
        tx.branch.len(),
        tx.outcome_branch.len()
    );

    // A double use: sender 0 signs another transfer for the nonce its block-2 tx uses, and it is
    // built on the same state (as a second coordinator would), then appended.
    let again = transfer(0, 1, 3);
    let signed = decode_signed(&again, CHAIN_ID)?;
    let header = Header { number: ledger.len(), ..template() };
    let exec = EvmRuntime::new(Hardfork::Prague).execute(&signed.call(), &header, &NoAncestors, &ledger)?;
    let (mut txs, mut outcomes) = (block2.txs.clone(), block2.outcomes.clone());
    outcomes.push(outcome_of(&exec));
    txs.push(Tx::Ethereum(EthereumTx { raw: again, moves: exec.moves }));
    let doubled = ledger.seal(&template(), txs, outcomes);
    let double_use = ledger.fraud_proof(&doubled)?;
    anyhow::ensure!(double_use.rule == Rule::DoubleUse, "the second transfer is a double use, not {}", double_use.rule);
    let double_use_bytes = double_use.encode().len();
    println!("double-use proof (at {}): {} (two inclusions)", double_use.position, kib(double_use_bytes));

    // A wrong commitment: the body and the parent's multiset-hash state.
    let mut wrong = block2.clone();
    wrong.header.commitment = B256::repeat_byte(1);
    let commitment = ledger.fraud_proof(&wrong)?;
    anyhow::ensure!(commitment.rule == Rule::BadCommitment, "a wrong commitment, not {}", commitment.rule);
    let commitment_bytes = commitment.encode().len();
    println!(
        "commitment proof: {} = the block's {} + {} bytes",
        kib(commitment_bytes),
        kib(block_bytes),
        commitment_bytes as i64 - block_bytes as i64
    );

    // Checking the per-tx proof with headers alone, against the validator's check of that tx.
    let headers = LedgerHeaders(&ledger);
    let fresh = EvmVerifier::new(EvmRuntime::new(Hardfork::Prague));
    let (mut verify, mut check, mut decode, mut branches) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let tx_index = k as u32;
    let refs = resealed.refs_of(k).to_vec();
    let outcome = resealed.outcomes[k].clone();
    for _ in 0..args.runs {
        let t = Instant::now();
        let decoded = FraudProof::decode(&per_tx_bytes)?;
        let decoded_at = t.elapsed();
        let verdict = proof::verify(&headers, &decoded, &fresh);
        verify.push(t.elapsed());
        decode.push(decoded_at);
        let t = Instant::now();
        proof::verify_tx_in(&per_tx.header, tx).map_err(anyhow::Error::msg)?;
        branches.push(t.elapsed());
        anyhow::ensure!(matches!(verdict, Verdict::BlockInvalid(_)), "the per-tx proof verifies: {verdict:?}");
        let t = Instant::now();
        let checked = check_tx_alone(
            &resealed.txs[k],
            tx_index,
            &refs,
            &outcome,
            &resealed.header,
            &ledger,
            verifier.as_ref(),
            &ledger,
            None,
        );
        check.push(t.elapsed());
        anyhow::ensure!(checked.failure.is_some(), "the validator refuses the changed tx");
    }
    let us = |d: &[Duration]| median_duration(d).as_secs_f64() * 1e6;
    let (verify_us, check_us) = (us(&verify), us(&check));
    println!(
        "per-tx proof verified with headers alone: median {verify_us:.0} µs (of which decoding its bytes {:.1} µs, \
         its two Merkle branches {:.1} µs); the validator's full check of that tx (signature, context, \
         re-execution): {check_us:.0} µs ({} runs)",
        us(&decode),
        us(&branches),
        args.runs
    );
    println!(
        "bench proofs: tx_bytes={tx_bytes} double_use_bytes={double_use_bytes} code_bytes={code} \
         commitment_bytes={commitment_bytes} block_bytes={block_bytes} verify_us={verify_us:.0} check_us={check_us:.0}"
    );
    Ok(())
}
