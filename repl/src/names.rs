//! Names for addresses: the dev accounts (alice, bob, …), deployed contracts with their ABI,
//! and aliases the user adds. Every command takes a name wherever it takes an address.

use alloy_json_abi::JsonAbi;
use alloy_primitives::Address;
use anyhow::bail;

/// The names the dev accounts get, in order (more accounts are `account10`, …).
const ACCOUNT_NAMES: &[&str] = &["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"];

/// What a name stands for.
#[derive(Clone, Debug)]
pub enum Kind {
    /// A dev account; the index into the node's accounts.
    Account(usize),
    /// A contract deployed from the REPL.
    Contract {
        /// Its ABI, when deployed from a solc artifact.
        abi: Option<JsonAbi>,
        /// Where it came from (artifact path, `bytecode`).
        source: String,
    },
    /// An address the user named.
    Alias,
}

/// One name.
#[derive(Clone, Debug)]
pub struct Named {
    /// The name.
    pub name: String,
    /// Its address.
    pub address: Address,
    /// What it stands for.
    pub kind: Kind,
}

/// The names known to a session.
#[derive(Debug, Default)]
pub struct Names {
    entries: Vec<Named>,
}

/// The name dev account `i` gets.
pub fn account_name(i: usize) -> String {
    ACCOUNT_NAMES.get(i).map_or_else(|| format!("account{i}"), |n| (*n).to_string())
}

impl Names {
    /// Names for `accounts`.
    pub fn for_accounts(accounts: &[Address]) -> Self {
        let entries = accounts
            .iter()
            .enumerate()
            .map(|(i, &address)| Named { name: account_name(i), address, kind: Kind::Account(i) })
            .collect();
        Self { entries }
    }

    /// Every name, in the order they were made.
    pub fn all(&self) -> &[Named] {
        &self.entries
    }

    /// Adds or replaces `name` (a name is a word starting with a letter, not an address).
    pub fn set(&mut self, name: &str, address: Address, kind: Kind) -> anyhow::Result<()> {
        let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            && !name.starts_with("0x");
        if !valid {
            bail!("{name:?} cannot be a name: use letters, digits, _ or -, starting with a letter");
        }
        if let Some(entry) = self.entries.iter_mut().find(|e| e.name == name) {
            if matches!(entry.kind, Kind::Account(_)) {
                bail!("{name} is a dev account's name; pick another");
            }
            *entry = Named { name: name.to_string(), address, kind };
        } else {
            self.entries.push(Named { name: name.to_string(), address, kind });
        }
        Ok(())
    }

    /// The entry named `name`.
    pub fn get(&self, name: &str) -> Option<&Named> {
        self.entries.iter().find(|e| e.name == name)
    }

    /// `word` as an address: a name or a hex address.
    pub fn resolve(&self, word: &str) -> anyhow::Result<Address> {
        if let Some(entry) = self.get(word) {
            return Ok(entry.address);
        }
        match word.parse::<Address>() {
            Ok(address) => Ok(address),
            Err(_) => bail!("{word:?} is neither a name (see `accounts` and `alias`) nor a 0x address"),
        }
    }

    /// The name of `address`, if it has one (the latest given).
    pub fn name_of(&self, address: &Address) -> Option<&str> {
        self.entries.iter().rev().find(|e| e.address == *address).map(|e| e.name.as_str())
    }

    /// `address` as its name, or as a short hex.
    pub fn show(&self, address: &Address) -> String {
        self.name_of(address).map_or_else(|| short_address(address), str::to_string)
    }

    /// The ABI of the contract at `address`, if known.
    pub fn abi_of(&self, address: &Address) -> Option<&JsonAbi> {
        self.entries.iter().rev().find(|e| e.address == *address).and_then(|e| match &e.kind {
            Kind::Contract { abi, .. } => abi.as_ref(),
            _ => None,
        })
    }

    /// The key of dev account `address`, if it is one.
    pub fn account_index(&self, address: &Address) -> Option<usize> {
        self.entries.iter().find_map(|e| match e.kind {
            Kind::Account(i) if e.address == *address => Some(i),
            _ => None,
        })
    }
}

/// `0x1234…abcd`.
pub fn short_address(address: &Address) -> String {
    let hex = format!("{address:#x}");
    format!("{}…{}", &hex[..6], &hex[hex.len() - 4..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_names_and_hex() {
        let a = Address::repeat_byte(0xaa);
        let mut names = Names::for_accounts(&[a]);
        assert_eq!(names.resolve("alice").expect("alice"), a);
        assert_eq!(names.resolve(&format!("{a}")).expect("hex"), a);
        assert!(names.resolve("nobody").is_err());
        let t = Address::repeat_byte(0x11);
        names.set("token", t, Kind::Alias).expect("named");
        assert_eq!(names.show(&t), "token");
        assert!(names.set("alice", t, Kind::Alias).is_err(), "an account's name is kept");
        assert!(names.set("0xab", t, Kind::Alias).is_err());
        assert_eq!(names.show(&Address::repeat_byte(0x22)), "0x2222…2222");
    }
}
