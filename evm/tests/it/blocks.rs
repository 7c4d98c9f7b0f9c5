//! Validity wired into the ledger: blocks of signed txs whose moves the EVM produced are
//! accepted forwards and in reverse; a tampered move or outcome is refused by re-execution,
//! with the position and the rule, and changes nothing.

use std::sync::Arc;

use alloy_primitives::{Address, B256, Bytes, U256};
use manaflow_evm::{EvmRuntime, EvmVerifier, Hardfork, Runtime, decode_signed, outcome_of};
use manaflow_ledger::{Ledger, LedgerConfig, validate_reverse};
use manaflow_types::{
    Block, EthereumTx, FLAG_DEV_MODE, Header, Move, Outcome, Output, OverlayView, Rule, StateKey, SystemTx, Tx,
};

use crate::support::*;

pub struct Node {
    pub ledger: Ledger,
    _dir: tempfile::TempDir,
}

pub fn template(number: u64) -> Header {
    Header { timestamp: 1_700_000_000 + number, flags: FLAG_DEV_MODE, ..header() }
}

impl Node {
    pub fn new(funded: &[Address]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let verifier = Arc::new(EvmVerifier::new(EvmRuntime::new(Hardfork::Prague)));
        let mut ledger = Ledger::open(dir.path(), LedgerConfig::default(), verifier).unwrap();
        let moves = {
            let mut moves: Vec<Move> = funded
                .iter()
                .map(|a| Move::write(StateKey::balance(*a), B256::ZERO, B256::ZERO, word(10u128.pow(21))))
                .collect();
            manaflow_types::sort_canonical(&mut moves);
            moves
        };
        let genesis = ledger.seal(
            &template(0),
            vec![Tx::System(SystemTx { block: 0, index: 0, moves })],
            vec![Outcome::system()],
        );
        ledger.apply(&genesis).unwrap();
        Self { ledger, _dir: dir }
    }

    /// What a coordinator does: execute each tx on the pending state, fill its moves, seal.
    pub fn build(&self, raws: &[Bytes]) -> Block {
        let number = self.ledger.len();
        let header = Header { number, ..template(number) };
        let mut pending = OverlayView::new(&self.ledger);
        let (mut txs, mut outcomes) = (vec![], vec![]);
        for raw in raws {
            let signed = decode_signed(raw, CHAIN_ID).unwrap();
            let exec =
                EvmRuntime::new(Hardfork::Prague).execute(&signed.call(), &header, &self.ledger, &pending).unwrap();
            pending.apply(signed.hash, &exec.moves, &exec.codes);
            outcomes.push(outcome_of(&exec));
            txs.push(Tx::Ethereum(EthereumTx { raw: raw.clone(), moves: exec.moves }));
        }
        self.ledger.seal(&template(number), txs, outcomes)
    }
}

#[test]
fn blocks_of_evm_txs_validate_forwards_and_in_reverse() {
    let (alice, bob) = (key(20), key(21));
    let carol = Address::repeat_byte(0xca);
    let mut node = Node::new(&[alice.address(), bob.address()]);
    let block1 = node.build(&[
        sign_1559(&alice, 0, Some(carol), U256::from(777), Bytes::new(), 21_000),
        sign_1559(&bob, 0, None, U256::ZERO, solidity("TestToken"), 3_000_000),
        // Chained in the same block: alice's second tx consumes her first tx's outputs.
        sign_1559(&alice, 1, Some(carol), U256::from(3), Bytes::new(), 21_000),
    ]);
    node.ledger.apply(&block1).unwrap();
    let token = bob.address().create(0);
    let block2 = node.build(&[sign_1559(
        &bob,
        1,
        Some(token),
        U256::ZERO,
        calldata("transfer(address,uint256)", &[addr_word(carol), word(42)]),
        100_000,
    )]);
    node.ledger.apply(&block2).unwrap();
    assert_eq!(node.ledger.output(&StateKey::balance(carol)).unwrap().value, word(780));
    // Fees are burned: nobody's balance grew but carol's.
    let coinbase = node.ledger.output(&StateKey::balance(header().coinbase)).unwrap();
    assert_eq!(coinbase, Output::NEVER_WRITTEN);

    // Receipts: cumulative gas over the block, the price paid, the Transfer log in the bloom.
    let receipts = manaflow_evm::block_receipts(&block1);
    assert_eq!(receipts.iter().map(|r| r.cumulative_gas_used).collect::<Vec<_>>(), {
        let mut sum = 0;
        block1
            .outcomes
            .iter()
            .map(|o| {
                sum += o.gas_used;
                sum
            })
            .collect::<Vec<_>>()
    });
    assert!(receipts.iter().all(|r| r.success && r.effective_gas_price == 2 * GWEI));
    let transfer = &manaflow_evm::block_receipts(&block2)[0];
    assert_eq!(transfer.logs.len(), 1);
    assert!(transfer.logs_bloom.contains_input(alloy_primitives::BloomInput::Raw(token.as_slice())));

    let blocks = node.ledger.blocks().unwrap();
    let verifier = EvmVerifier::new(EvmRuntime::new(Hardfork::Prague));
    let reverse = validate_reverse(&blocks, &verifier, &mut ());
    assert!(reverse.verdict.is_none(), "{:?}", reverse.verdict);
    assert_eq!(reverse.tip, node.ledger.outputs().unwrap());
    assert_eq!(node.ledger.recompute_commitment().unwrap(), blocks.last().unwrap().header.commitment);
}

#[test]
fn a_tampered_move_or_outcome_is_refused_by_reexecution() {
    let alice = key(22);
    let carol = Address::repeat_byte(0xcc);
    let mut node = Node::new(&[alice.address()]);
    let good = node.build(&[sign_1559(&alice, 0, Some(carol), U256::from(10), Bytes::new(), 21_000)]);
    let before = (node.ledger.len(), node.ledger.commitment());
    let lthash = node.ledger.lthash().clone();
    let parent = node.ledger.tip().cloned();
    let located = manaflow_ledger::positions(&node.ledger.blocks().unwrap());
    let reseal = |mut block: Block| {
        manaflow_ledger::seal_block(
            parent.as_ref(),
            &block.header.clone(),
            std::mem::take(&mut block.txs),
            std::mem::take(&mut block.outcomes),
            &lthash,
            &|id| located.get(id).copied(),
        )
    };

    // carol receives 1 wei more than the tx sends: the moves still balance as a UTXO step.
    let mut more = good.clone();
    let moves = more.txs[0].moves_mut();
    let i = moves.iter().position(|m| m.key() == StateKey::balance(carol)).unwrap();
    moves[i].next = word(11);
    let err = node.ledger.apply(&reseal(more)).unwrap_err();
    let v = err.violation().unwrap();
    assert_eq!((v.rule, v.position), (Rule::Reexecution, manaflow_types::Position::of_move(1, 0, i as u32)), "{v}");

    // The gas declared is not the gas used.
    let mut gas = good.clone();
    gas.outcomes[0].gas_used += 1;
    let err = node.ledger.apply(&reseal(gas)).unwrap_err();
    assert_eq!(err.violation().unwrap().rule, Rule::Reexecution);

    // A move dropped: re-execution needs state the tx does not declare.
    let mut fewer = good.clone();
    fewer.txs[0].moves_mut().remove(0);
    let err = node.ledger.apply(&reseal(fewer)).unwrap_err();
    assert!(err.to_string().contains("re-execution needs"), "{err}");

    assert_eq!((node.ledger.len(), node.ledger.commitment()), before, "refused blocks change nothing");
    node.ledger.apply(&good).unwrap();
}

#[test]
fn tampering_any_field_of_any_move_of_the_contract_txs_is_refused() {
    let bob = key(23);
    let carol = Address::repeat_byte(0xc3);
    let mut node = Node::new(&[bob.address()]);
    let deploy = |nonce, name| sign_1559(&bob, nonce, None, U256::ZERO, solidity(name), 3_000_000);
    let block = node.build(&[
        deploy(0, "TestToken"),
        deploy(1, "TestToken"),
        deploy(2, "Router"),
        deploy(3, "Reverter"),
        deploy(4, "BlockContext"),
    ]);
    node.ledger.apply(&block).unwrap();
    let [a, b, router, reverter, context] = [0u64, 1, 2, 3, 4].map(|n| bob.address().create(n));
    let approve = |nonce, token| {
        sign_1559(
            &bob,
            nonce,
            Some(token),
            U256::ZERO,
            calldata("approve(address,uint256)", &[addr_word(router), word(1000)]),
            100_000,
        )
    };
    let block = node.build(&[approve(5, a), approve(6, b)]);
    node.ledger.apply(&block).unwrap();
    let call = |nonce, to, data| sign_1559(&bob, nonce, Some(to), U256::ZERO, data, 500_000);
    let args = |second: Address| [addr_word(a), addr_word(second), addr_word(carol), word(3), word(4)];
    let block = node.build(&[
        call(7, router, calldata("twoTransfers(address,address,address,uint256,uint256)", &args(b))),
        call(
            8,
            router,
            calldata("twoTransfersSecondReverts(address,address,address,uint256,uint256)", &args(reverter)),
        ),
        call(9, context, calldata("record()", &[])),
    ]);
    assert!(!block.outcomes[1].success && block.outcomes[0].success && block.outcomes[2].success);
    node.ledger.check(&block, &mut ()).expect("the honest block is valid");

    let lthash = node.ledger.lthash().clone();
    let parent = node.ledger.tip().cloned();
    let mut tampers = 0;
    for t in 0..block.txs.len() {
        for i in 0..block.txs[t].moves().len() {
            for field in 0..3 {
                let mut bad = block.clone();
                let m = &mut bad.txs[t].moves_mut()[i];
                match field {
                    0 => m.intx = B256::repeat_byte(0x11),
                    1 => m.prev = B256::repeat_byte(0x22),
                    _ => m.next = B256::repeat_byte(0x33),
                }
                let locate = |id: &B256| node.ledger.locate(id);
                let (header, txs, outcomes) = (bad.header.clone(), bad.txs, bad.outcomes);
                let resealed = manaflow_ledger::seal_block(parent.as_ref(), &header, txs, outcomes, &lthash, &locate);
                let err = node.ledger.check(&resealed, &mut ()).expect_err("a tampered move passed");
                assert!(err.violation().is_some(), "tx {t} move {i} field {field}: {err}");
                tampers += 1;
            }
        }
    }
    assert!(tampers > 60, "{tampers} tampers");
    node.ledger.apply(&block).unwrap();
}
