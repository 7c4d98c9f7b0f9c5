//! How the REPL draws: styles (written as ANSI, stripped by `anstream` when the output is not a
//! terminal or `NO_COLOR` is set) and tables.

use alloy_primitives::{B256, U256};
use anstyle::{AnsiColor, Style};
use comfy_table::{ContentArrangement, LineStyle, Table, TableStyle};

/// Section headings.
pub const HEADING: Style = Style::new().bold();
/// Passed checks.
pub const GOOD: Style = AnsiColor::Green.on_default();
/// Failed checks and errors.
pub const BAD: Style = AnsiColor::Red.on_default().bold();
/// Writes (state that changes).
pub const WRITE: Style = AnsiColor::Yellow.on_default();
/// Names and keys.
pub const NAME: Style = AnsiColor::Cyan.on_default();
/// Secondary detail.
pub const DIM: Style = Style::new().dimmed();

/// Tables: a rule under the header, columns apart by spaces.
const TABLE_STYLE: TableStyle = TableStyle::new().header_separator(LineStyle::none().fill('─').junction('─'));

/// `text` in `style`.
pub fn paint(style: Style, text: impl std::fmt::Display) -> String {
    format!("{}{text}{}", style.render(), style.render_reset())
}

/// The check mark of a passed check.
pub fn ok() -> String {
    paint(GOOD, "✔")
}

/// The cross of a failed check.
pub fn fail() -> String {
    paint(BAD, "✘")
}

/// A table in the REPL's style: horizontal rules, never wrapped. Cells are plain text (the
/// table pads by characters, so styled cells would misalign).
pub fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table.load_style(TABLE_STYLE).set_content_arrangement(ContentArrangement::Disabled);
    table.set_header(header.iter().map(|h| h.to_string()));
    table
}

/// `0x12ab…cdef` for a 32-byte word or hash.
pub fn short_hash(hash: &B256) -> String {
    let hex = format!("{hash:#x}");
    format!("{}…{}", &hex[..6], &hex[hex.len() - 4..])
}

/// A word as a number when it fits 128 bits (amounts, counters), else as short hex (hashes,
/// addresses, packed data).
pub fn word(value: &B256) -> String {
    let n = U256::from_be_bytes(value.0);
    if n <= U256::from(u128::MAX) { n.to_string() } else { short_hash(value) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_read_as_numbers_or_short_hex() {
        assert_eq!(word(&B256::from(U256::from(42u64))), "42");
        assert_eq!(word(&B256::repeat_byte(0xab)), "0xabab…abab");
        assert_eq!(paint(Style::new(), "x"), "x");
    }
}
