//! `manaflow bench wire`: the bandwidth question (DESIGN §10) answered in bytes per tx.
//!
//! A node (in process, the library's `Node`) builds one block of `--txs` txs of each kind — ETH
//! transfers, OpenZeppelin ERC20 transfers, masked native swaps on the AMM pool, the SDK's WASM
//! ERC20 transfers, TestToken deployments — and one block mixing them, each tx from its own
//! sender, as its coordinator would. For each block it prints bytes per tx of (a) Ethereum's
//! signed tx (a native swap counts as the EIP-1559 tx making the same call), (b) that plus the
//! block's EIP-7928 access list (post values), (c) the canonical manaflow block (tx, moves,
//! references, outcome) and (d) its compact form; then each block snappy-compressed as
//! Ethereum's p2p sends it. Per-tx figures leave out the header and share the per-block tables.
//! Last, validation of the ERC20 block against decoding its compact bytes plus validation of
//! what they expand to (each expanded block is checked equal to the canonical one).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use alloy_eip7928::{
    AccountChanges, BalanceChange, BlockAccessIndex, CodeChange, NonceChange, SlotChanges, StorageChange,
};
use alloy_primitives::{Address, Bytes, TxKind, U256, keccak256};
use alloy_sol_types::{SolCall, sol};
use anyhow::{Context as _, ensure};
use manaflow::node::Node;
use manaflow::sequencing::Built;
use manaflow::{ChainConfig, wallet};
use manaflow_types::{Block, Call, CompactBlock, Mark, Masking, SigningKey, block::encode_header};

use super::rpc::TOKEN_ARTIFACT;
use super::signed_1559;
use super::stats::median_duration;
use crate::cli::WireArgs;

sol! {
    function mint(address to, uint256 amount);
    function transfer(address to, uint256 amount) returns (bool);
    function faucet();
    function swapAForB(uint256 amountIn, uint256 minOut) returns (uint256);
}

const POOL_ARTIFACT: &str = include_str!("../../../../../examples/contracts/artifacts/Pool.json");
const WASM_TOKEN: &[u8] = include_bytes!("../../../../../examples/wasm/artifacts/erc20.wasm");
const GAS_PRICE: u128 = 100_000_000_000;

fn ether(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18))
}

fn init_code(artifact: &str) -> anyhow::Result<Bytes> {
    let json: serde_json::Value = serde_json::from_str(artifact)?;
    Ok(json["bytecode"].as_str().context("artifact without bytecode")?.parse()?)
}

/// The dev accounts, with the nonce each will sign next.
struct Senders {
    keys: Vec<SigningKey>,
    nonces: Vec<u64>,
}

impl Senders {
    fn address(&self, i: usize) -> Address {
        self.keys[i].address()
    }

    /// Sender `i`'s EIP-1559 tx, signed (its nonce taken).
    fn sign(&mut self, i: usize, to: TxKind, value: U256, input: Bytes, gas: u64) -> Bytes {
        let nonce = self.nonces[i];
        self.nonces[i] += 1;
        signed_1559(&self.keys[i], 31337, nonce, to, value, input, gas, GAS_PRICE)
    }
}

/// Builds `raws` into the next block (not committed).
fn build(node: &Node, raws: &[Bytes]) -> anyhow::Result<Built> {
    let admitted = raws.iter().map(|raw| node.admit(raw)).collect::<Result<Vec<_>, _>>()?;
    let built = node.build(&node.next_header(), admitted);
    ensure!(built.refused.is_empty(), "txs refused while building: {:?}", built.refused.first().map(|r| &r.1));
    ensure!(built.deferred.is_empty(), "{} txs did not fit the block", built.deferred.len());
    Ok(built)
}

fn commit(node: &mut Node, built: &Built) -> anyhow::Result<()> {
    let senders: Vec<_> = built.included.iter().map(|(tx, _)| (tx.hash, tx.call.caller)).collect();
    node.commit(&built.block, &senders)?;
    Ok(())
}

/// Builds and commits `raws` (setup).
fn mine(node: &mut Node, raws: &[Bytes]) -> anyhow::Result<()> {
    let built = build(node, raws)?;
    commit(node, &built)
}

/// One measured block: what the chain carries and Ethereum's signed txs of the same calls.
struct Measured {
    name: &'static str,
    block: Block,
    eth: Vec<Bytes>,
}

/// The contracts the blocks use.
struct Contracts {
    token: Address,
    wasm_token: Address,
    pool: Address,
    token_code: Bytes,
}

/// Deploys the ERC20s and the pool, mints tokens to every sender and pays each from the faucet.
fn setup(node: &mut Node, senders: &mut Senders) -> anyhow::Result<Contracts> {
    let token_code = init_code(TOKEN_ARTIFACT)?;
    let mut pool_code = init_code(POOL_ARTIFACT)?.to_vec();
    pool_code.extend_from_slice(&ether(1_000_000).to_be_bytes::<32>());
    pool_code.extend_from_slice(&ether(1_000_000).to_be_bytes::<32>());
    let deployer = senders.address(0);
    let token = deployer.create(senders.nonces[0]);
    let wasm_token = deployer.create(senders.nonces[0] + 1);
    let pool = deployer.create(senders.nonces[0] + 2);
    let deploys = vec![
        senders.sign(0, TxKind::Create, U256::ZERO, token_code.clone(), 5_000_000),
        senders.sign(0, TxKind::Create, U256::ZERO, Bytes::from_static(WASM_TOKEN), 20_000_000),
        senders.sign(0, TxKind::Create, U256::ZERO, pool_code.into(), 5_000_000),
    ];
    mine(node, &deploys)?;
    let n = senders.keys.len();
    for contract in [token, wasm_token] {
        let mints: Vec<Bytes> = (0..n)
            .map(|i| {
                let input = mintCall { to: senders.address(i), amount: ether(1_000_000) }.abi_encode();
                senders.sign(i, TxKind::Call(contract), U256::ZERO, input.into(), 200_000)
            })
            .collect();
        mine(node, &mints)?;
    }
    let faucets: Vec<Bytes> = (0..n)
        .map(|i| senders.sign(i, TxKind::Call(pool), U256::ZERO, faucetCall {}.abi_encode().into(), 200_000))
        .collect();
    mine(node, &faucets)?;
    Ok(Contracts { token, wasm_token, pool, token_code })
}

/// The kinds of tx measured, by name.
const KINDS: [&str; 5] = ["eth", "erc20", "swap", "wasm_erc20", "deploy"];

/// Sender `i`'s tx of `kind`: the bytes the node is sent and Ethereum's signed tx of the same
/// call.
fn tx_of(kind: &str, i: usize, node: &Node, senders: &mut Senders, c: &Contracts) -> anyhow::Result<(Bytes, Bytes)> {
    let n = senders.keys.len();
    let to = senders.address((i * 7 + 1) % n);
    let amount = U256::from(1_000 + i as u64) * U256::from(10u64).pow(U256::from(15));
    let raw = match kind {
        // To an account of its own (a sender paid before its signed swap would make it stale).
        "eth" => {
            let payee = Address::from_word(keccak256(format!("bench wire payee {i}")));
            senders.sign(i, TxKind::Call(payee), U256::from(1_000_000_000u64 + i as u64), Bytes::new(), 21_000)
        }
        "erc20" | "wasm_erc20" => {
            let token = if kind == "erc20" { c.token } else { c.wasm_token };
            let input = transferCall { to, amount }.abi_encode();
            senders.sign(i, TxKind::Call(token), U256::ZERO, input.into(), 200_000)
        }
        "deploy" => senders.sign(i, TxKind::Create, U256::ZERO, c.token_code.clone(), 5_000_000),
        "swap" => {
            let input: Bytes = swapAForBCall { amountIn: ether(10), minOut: U256::ZERO }.abi_encode().into();
            let nonce = senders.nonces[i];
            let call = Call {
                tx_type: 2,
                caller: senders.address(i),
                to: Some(c.pool),
                input: input.clone(),
                gas_limit: 500_000,
                max_fee_per_gas: GAS_PRICE,
                max_priority_fee_per_gas: Some(1_000_000_000),
                nonce,
                chain_id: Some(31337),
                ..Call::default()
            };
            let unsigned = wallet::prepare(node, &call, &Masking::Contested(vec![c.pool]), false)?;
            let native = Bytes::from(unsigned.sign(&senders.keys[i]).encode_2718());
            let eth = senders.sign(i, TxKind::Call(c.pool), U256::ZERO, input, 500_000);
            return Ok((native, eth));
        }
        other => anyhow::bail!("unknown kind {other}"),
    };
    Ok((raw.clone(), raw))
}

/// Builds (without committing) the block in which sender `i` sends a tx of kind
/// `kinds[i × kinds / n]`.
fn block_of(
    name: &'static str,
    kinds: &[&str],
    node: &mut Node,
    senders: &mut Senders,
    c: &Contracts,
) -> anyhow::Result<(Measured, Built)> {
    let n = senders.keys.len();
    let (mut raws, mut eth) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for i in 0..n {
        let (raw, anchor) = tx_of(kinds[i * kinds.len() / n], i, node, senders, c)?;
        raws.push(raw);
        eth.push(anchor);
    }
    let built = build(node, &raws)?;
    let failed = built.block.outcomes.iter().filter(|o| !o.success).count();
    ensure!(failed == 0, "{failed} txs of the {name} block failed");
    Ok((Measured { name, block: built.block.clone(), eth }, built))
}

/// The block's EIP-7928 access list as the moves give it: per account, every written slot's
/// post value per tx, slots only read, and post balances, nonces and code (block access index =
/// tx index + 1). Coinbase fee credits, which Ethereum's list would also carry, have no moves here.
fn access_list(block: &Block) -> Vec<AccountChanges> {
    let mut accounts: BTreeMap<Address, AccountChanges> = BTreeMap::new();
    for (i, tx) in block.txs.iter().enumerate() {
        let index = BlockAccessIndex(i as u64 + 1);
        for m in tx.moves().iter().filter(|m| m.mark != Mark::Context) {
            let account = accounts.entry(m.addr).or_insert_with(|| AccountChanges::new(m.addr));
            let next = U256::from_be_bytes(m.next.0);
            match (m.mark, m.is_write()) {
                (Mark::Storage, true) => {
                    let slot = U256::from_be_bytes(m.slot.0);
                    let change = StorageChange { block_access_index: index, new_value: next };
                    match account.storage_changes.iter_mut().find(|s| s.slot == slot) {
                        Some(s) => s.changes.push(change),
                        None => account.storage_changes.push(SlotChanges { slot, changes: vec![change] }),
                    }
                }
                (Mark::Storage, false) => account.storage_reads.push(U256::from_be_bytes(m.slot.0)),
                (Mark::Balance, true) => {
                    account.balance_changes.push(BalanceChange { block_access_index: index, post_balance: next })
                }
                (Mark::Nonce, true) => {
                    account.nonce_changes.push(NonceChange { block_access_index: index, new_nonce: next.to::<u64>() })
                }
                (Mark::Code, true) => {
                    let code = block.outcomes[i].codes.iter().find(|c| keccak256(c) == m.next).cloned();
                    account
                        .code_changes
                        .push(CodeChange { block_access_index: index, new_code: code.unwrap_or_default() })
                }
                _ => {}
            }
        }
    }
    let mut list: Vec<AccountChanges> = accounts.into_values().collect();
    for account in &mut list {
        account.storage_changes.sort_by_key(|s| s.slot);
        let written: Vec<U256> = account.storage_changes.iter().map(|s| s.slot).collect();
        account.storage_reads.retain(|slot| !written.contains(slot));
        account.storage_reads.sort();
        account.storage_reads.dedup();
    }
    list
}

fn snappy(bytes: &[u8]) -> anyhow::Result<usize> {
    Ok(snap::raw::Encoder::new().compress_vec(bytes)?.len())
}

/// Bytes per tx and per snappy-compressed block of the four forms.
struct Row {
    per_tx: [f64; 4],
    snappy: [usize; 4],
}

fn measure(node: &mut Node, m: &Measured) -> anyhow::Result<(Row, Vec<u8>)> {
    let n = m.block.txs.len() as f64;
    let header = encode_header(&m.block.header).len() as f64;
    let canonical = m.block.encode();
    let compact = node.ledger().compact_of(&m.block)?.encode();
    let expanded = node.check_compact(&CompactBlock::decode(&compact)?)?;
    ensure!(expanded == m.block, "the {} block's compact form expands to another block", m.name);
    let eth_block = alloy_rlp::encode(&m.eth);
    let bal = alloy_rlp::encode(access_list(&m.block));
    let eth_bytes: usize = m.eth.iter().map(|raw| raw.len()).sum();
    let per_tx = [
        eth_bytes as f64 / n,
        (eth_bytes + bal.len()) as f64 / n,
        (canonical.len() as f64 - header) / n,
        (compact.len() as f64 - header - 5.0) / n,
    ];
    let snappy = [
        snappy(&eth_block)?,
        snappy(&[eth_block.as_slice(), bal.as_slice()].concat())?,
        snappy(&canonical)?,
        snappy(&compact)?,
    ];
    Ok((Row { per_tx, snappy }, compact))
}

/// Medians of interleaved runs: validating the canonical block; decoding plus validating its
/// compact bytes; and, apart, the parts of the latter (parsing the bytes, expanding the block).
struct DecodeTimes {
    validate: Duration,
    decode_validate: Duration,
    parse: Duration,
    expand: Duration,
}

fn time_decode(node: &mut Node, block: &Block, compact: &[u8], runs: u64) -> anyhow::Result<DecodeTimes> {
    let (mut validate, mut decode, mut parse, mut expand) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let t = Instant::now();
        node.check_block(block)?;
        validate.push(t.elapsed());
        let t = Instant::now();
        let expanded = node.check_compact(&CompactBlock::decode(compact)?)?;
        decode.push(t.elapsed());
        ensure!(expanded.txs.len() == block.txs.len());
        let t = Instant::now();
        let parsed = CompactBlock::decode(compact)?;
        parse.push(t.elapsed());
        let t = Instant::now();
        node.ledger().expand(&parsed)?;
        expand.push(t.elapsed());
    }
    Ok(DecodeTimes {
        validate: median_duration(&validate),
        decode_validate: median_duration(&decode),
        parse: median_duration(&parse),
        expand: median_duration(&expand),
    })
}

/// Runs the benchmark.
pub fn run(args: WireArgs) -> anyhow::Result<()> {
    let n = args.txs as usize;
    println!("bench wire: blocks of {n} txs, each from its own sender; {} timed runs", args.runs);
    let config = ChainConfig { accounts: n, gas_limit: 30_000_000_000, ..ChainConfig::default() };
    let mut node = Node::open(config)?;
    let mut senders = Senders { keys: node.accounts().iter().map(|a| a.key.clone()).collect(), nonces: vec![0; n] };
    let contracts = setup(&mut node, &mut senders)?;

    println!(
        "\n{:<11} {:>9} {:>9} {:>10} {:>9} {:>6} | snappy per block: {:>8} {:>8} {:>9} {:>8} {:>6}",
        "bytes/tx", "(a) eth", "(b) +BAL", "(c) canon", "(d) cmpt", "d/a", "(a)", "(b)", "(c)", "(d)", "d/a"
    );
    let mut erc20 = None;
    for name in KINDS.into_iter().chain(["mix"]) {
        let kinds: &[&str] = if name == "mix" { &KINDS } else { std::slice::from_ref(&name) };
        let (measured, built) = block_of(name, kinds, &mut node, &mut senders, &contracts)?;
        // Measured on the tip the block builds on, then committed for the next one.
        let (row, compact) = measure(&mut node, &measured)?;
        let [a, b, c, d] = row.per_tx;
        let [sa, sb, sc, sd] = row.snappy;
        println!(
            "{name:<11} {a:>9.1} {b:>9.1} {c:>10.1} {d:>9.1} {:>6.2} | {sa:>26} {sb:>8} {sc:>9} {sd:>8} {:>6.2}",
            d / a,
            sd as f64 / sa as f64
        );
        if name == "erc20" {
            let timing = time_decode(&mut node, &measured.block, &compact, args.runs)?;
            erc20 = Some((row, timing));
        }
        commit(&mut node, &built)?;
    }
    let (row, times) = erc20.context("the erc20 block")?;
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "\nERC20 block: validate {:.1} ms, decode compact + validate {:.1} ms (of which: parse {:.2} ms, expand \
         {:.1} ms, alone); medians of {} interleaved runs",
        ms(times.validate),
        ms(times.decode_validate),
        ms(times.parse),
        ms(times.expand),
        args.runs
    );
    let [a, b, c, d] = row.per_tx;
    println!(
        "bench wire: erc20_eth={a:.0} erc20_bal={b:.0} erc20_canonical={c:.0} erc20_compact={d:.0} ratio={:.2} block_snappy_ratio={:.2} decode_ratio={:.2}",
        d / a,
        row.snappy[3] as f64 / row.snappy[0] as f64,
        times.decode_validate.as_secs_f64() / times.validate.as_secs_f64()
    );
    Ok(())
}
