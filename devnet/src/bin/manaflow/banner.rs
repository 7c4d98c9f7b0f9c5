//! The start-up banner, laid out as Anvil's: accounts with balances, private keys, the mnemonic
//! and derivation path, chain id, base fee, gas limit, genesis timestamp, and last the line test
//! harnesses wait for: `Listening on <host>:<port>`.

use std::io::Write;

use alloy_primitives::utils::format_ether;

/// Prints the banner to standard output (and flushes, so a harness sees it at once).
pub fn print(config: &manaflow::Config, devnet: &manaflow::Devnet) {
    let mut out = String::new();
    let rule = "==================";
    out.push_str(&format!(
        "\nmanaflow v{}: the Manaflow devnet (Anvil-compatible JSON-RPC)\n\n",
        env!("CARGO_PKG_VERSION")
    ));
    out.push_str(&format!("Available Accounts\n{rule}\n\n"));
    for (i, account) in devnet.accounts().iter().enumerate() {
        out.push_str(&format!("({i}) {} ({} ETH)\n", account.address, format_ether(config.chain.balance)));
    }
    out.push_str(&format!("\nPrivate Keys\n{rule}\n\n"));
    for (i, account) in devnet.accounts().iter().enumerate() {
        out.push_str(&format!("({i}) {}\n", account.key.to_bytes()));
    }
    out.push_str(&format!(
        "\nWallet\n{rule}\nMnemonic:          {}\nDerivation path:   m/44'/60'/0'/0/\n",
        config.chain.mnemonic
    ));
    let (genesis_timestamp, base_fee) = {
        let node = devnet.coordinator().node();
        let genesis = node.ledger().genesis().cloned().unwrap_or_default();
        (genesis.timestamp, genesis.base_fee)
    };
    out.push_str(&format!("\nChain ID\n{rule}\n\n{}\n", config.chain.chain_id));
    out.push_str(&format!("\nBase Fee\n{rule}\n\n{base_fee}\n"));
    out.push_str(&format!("\nGas Limit\n{rule}\n\n{}\n", config.chain.gas_limit));
    out.push_str(&format!("\nGenesis Timestamp\n{rule}\n\n{genesis_timestamp}\n"));
    let mining = match (&config.roles.validator, config.mining.block_time) {
        (Some(url), _) => format!("none here: batches go to the validator at {url}, which seals"),
        (None, Some(every)) => format!("a block every {} s", every.as_secs_f64()),
        (None, None) => "automine (a block as soon as transactions arrive)".into(),
    };
    out.push_str(&format!("\nMining\n{rule}\n\n{mining}\n"));
    let dir = devnet.coordinator().node().ledger().dir().to_path_buf();
    let data = match &config.chain.data_dir {
        Some(_) => format!("{} (resumed on restart)", dir.display()),
        None => format!("{} (temporary, removed on exit; --data-dir keeps a chain)", dir.display()),
    };
    out.push_str(&format!("\nChain Data\n{rule}\n\n{data}\n\n"));
    out.push_str(&format!("Listening on {}\n", devnet.addr()));
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
}

/// Prints a validator's banner: its chain, how it seals, where its data is, and last the line
/// harnesses wait for (`Listening on <host>:<port>`).
pub fn print_validator(config: &manaflow::Config, validator: &manaflow::ValidatorHandle) {
    let rule = "==================";
    let sealing = match (config.roles.block_txs, config.mining.block_time) {
        (Some(n), Some(every)) => format!("at {n} txs, or every {} s", every.as_secs_f64()),
        (Some(n), None) => format!("at {n} txs"),
        (None, Some(every)) => format!("a block every {} s", every.as_secs_f64()),
        (None, None) => "as batches arrive (as soon as none is being checked)".into(),
    };
    let dir = validator.validator().with_ledger(|ledger| ledger.dir().to_path_buf());
    let data = match &config.chain.data_dir {
        Some(_) => format!("{} (resumed on restart)", dir.display()),
        None => format!("{} (temporary, removed on exit; --data-dir keeps a chain)", dir.display()),
    };
    let out = format!(
        "\nmanaflow v{} validator: the UTXO set, the code table and the blocks (DESIGN §11)\n\n\
         Chain ID\n{rule}\n\n{}\n\nSealing\n{rule}\n\n{sealing}\n\nBatches in flight per origin\n{rule}\n\n{}\n\n\
         Chain Data\n{rule}\n\n{data}\n\nCoordinators: manaflow coordinator --validator {}\n\nListening on {}\n",
        env!("CARGO_PKG_VERSION"),
        config.chain.chain_id,
        config.roles.batches_in_flight,
        validator.url(),
        validator.addr(),
    );
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
}
