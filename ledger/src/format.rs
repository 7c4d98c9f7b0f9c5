//! The data directory's format version: a file `FORMAT` beside the stores. A directory written
//! by a build whose block or checkpoint layout differs is refused with an error that says what
//! to do, rather than misread.

use std::path::Path;

use crate::error::{LedgerError, Result};

/// The format this build writes and reads. 2: blocks carry references and the header its tx
/// count (DESIGN §9); checkpoint outputs carry the position of their tx.
pub const DATA_FORMAT: u32 = 2;

const FILE: &str = "FORMAT";

/// Checks the format of the data directory `dir`, recording [`DATA_FORMAT`] in a new one (one
/// with no block file yet).
pub fn check_or_record(dir: &Path) -> Result<()> {
    let path = dir.join(FILE);
    let io = |action: &str, source| LedgerError::Io { action: action.into(), path: path.clone(), source };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if dir.join("blocks.dat").exists() {
                return Err(LedgerError::Format { dir: dir.to_path_buf(), found: "1 (no FORMAT file)".into() });
            }
            std::fs::create_dir_all(dir).map_err(|e| io("create", e))?;
            return std::fs::write(&path, format!("manaflow data format {DATA_FORMAT}\n")).map_err(|e| io("write", e));
        }
        Err(e) => return Err(io("read", e)),
    };
    let found = text.trim().strip_prefix("manaflow data format ").unwrap_or(text.trim());
    if found != DATA_FORMAT.to_string() {
        return Err(LedgerError::Format { dir: dir.to_path_buf(), found: found.chars().take(40).collect() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_directory_is_stamped_and_an_older_one_refused() {
        let dir = tempfile::tempdir().unwrap();
        check_or_record(dir.path()).unwrap();
        check_or_record(dir.path()).unwrap();
        std::fs::write(dir.path().join(FILE), "manaflow data format 1\n").unwrap();
        let err = check_or_record(dir.path()).unwrap_err().to_string();
        assert!(err.contains("format 1") && err.contains("--data-dir"), "{err}");
        let old = tempfile::tempdir().unwrap();
        std::fs::write(old.path().join("blocks.dat"), b"").unwrap();
        assert!(matches!(check_or_record(old.path()), Err(LedgerError::Format { .. })));
    }
}
