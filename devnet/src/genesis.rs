//! The genesis block of a dev chain: the well-known dev accounts funded, and the standard
//! deterministic CREATE2 deployer predeployed at its usual address, as Anvil does.

use crate::error::SetupError;
use alloy_primitives::{Address, B256, Bytes, U256, address, bytes, keccak256};
use alloy_signer_local::MnemonicBuilder;
use alloy_signer_local::coins_bip39::English;
use manaflow_types::{Move, Outcome, SigningKey, StateKey, SystemTx, Tx, sort_canonical};

/// The mnemonic every devnet tutorial uses.
pub const DEFAULT_MNEMONIC: &str = "test test test test test test test test test test test junk";

/// Where the deterministic CREATE2 deployer lives on every chain.
pub const CREATE2_DEPLOYER: Address = address!("0x4e59b44847b379578588920ca78fbf26c0b4956c");

/// Its runtime code: `salt ‖ init code` in calldata, the created address out.
pub const CREATE2_DEPLOYER_CODE: Bytes = bytes!(
    "7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe03601600081602082378035828234f58015156039578182fd5b8082525050506014600cf3"
);

/// A dev account: its key and address.
#[derive(Clone, Debug)]
pub struct DevAccount {
    /// The address.
    pub address: Address,
    /// The private key (printed in the banner, as Anvil does).
    pub key: SigningKey,
}

/// Derives `count` accounts from `mnemonic` at `m/44'/60'/0'/0/i`.
pub fn dev_accounts(mnemonic: &str, count: usize) -> Result<Vec<DevAccount>, SetupError> {
    (0..count)
        .map(|i| {
            let failed = |source: Box<dyn std::error::Error + Send + Sync>| SetupError::Accounts { index: i, source };
            let signer = MnemonicBuilder::<English>::default()
                .phrase(mnemonic)
                .index(i as u32)
                .map_err(|e| failed(e.into()))?
                .build()
                .map_err(|e| failed(e.into()))?;
            let key = SigningKey::from_bytes(&B256::from_slice(&signer.credential().to_bytes()))
                .map_err(|e| failed(e.into()))?;
            Ok(DevAccount { address: key.address(), key })
        })
        .collect()
}

/// The genesis system tx and its outcome: each account gets `balance` wei; the CREATE2 deployer
/// is predeployed when asked.
pub fn genesis_tx(accounts: &[DevAccount], balance: U256, create2_deployer: bool) -> (Tx, Outcome) {
    let mut moves: Vec<Move> = accounts
        .iter()
        .map(|a| Move::write(StateKey::balance(a.address), B256::ZERO, B256::ZERO, B256::from(balance)))
        .collect();
    let mut outcome = Outcome::system();
    if create2_deployer {
        let hash = keccak256(&CREATE2_DEPLOYER_CODE);
        moves.push(Move::write(StateKey::code(CREATE2_DEPLOYER), B256::ZERO, B256::ZERO, hash));
        outcome.codes.push(CREATE2_DEPLOYER_CODE);
    }
    sort_canonical(&mut moves);
    (Tx::System(SystemTx { block: 0, index: 0, moves }), outcome)
}
