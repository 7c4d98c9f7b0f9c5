//! A command line as words and flags: shell-like splitting (quotes, `#` comments), then
//! `--name value` flags apart from positional words.

use std::collections::BTreeMap;

use anyhow::{Context, bail};

/// Flags that take no value.
const SWITCHES: &[&str] = &["step", "force", "raw", "native", "proof"];

/// Splits `line` into words: whitespace separates, `"…"` and `'…'` quote, `#` at the start of a
/// word comments out the rest of the line.
pub fn split(line: &str) -> anyhow::Result<Vec<String>> {
    let mut words = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        if c == '#' {
            break;
        }
        let mut word = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() {
                break;
            }
            chars.next();
            if c == '"' || c == '\'' {
                let mut closed = false;
                for q in chars.by_ref() {
                    if q == c {
                        closed = true;
                        break;
                    }
                    word.push(q);
                }
                if !closed {
                    bail!("unterminated {c} quote");
                }
            } else {
                word.push(c);
            }
        }
        words.push(word);
    }
    Ok(words)
}

/// A command's arguments: positional words and `--flags`.
#[derive(Debug, Default)]
pub struct Args {
    /// Words that are not flags, in order.
    pub words: Vec<String>,
    flags: BTreeMap<String, Option<String>>,
}

impl Args {
    /// Separates the flags in `words` (`--from alice`, `--step`).
    pub fn parse(words: &[String]) -> anyhow::Result<Self> {
        let mut args = Self::default();
        let mut i = 0;
        while i < words.len() {
            let word = &words[i];
            if let Some(name) = word.strip_prefix("--").filter(|n| !n.is_empty()) {
                if let Some((name, value)) = name.split_once('=') {
                    args.flags.insert(name.to_string(), Some(value.to_string()));
                } else if SWITCHES.contains(&name) {
                    args.flags.insert(name.to_string(), None);
                } else {
                    let value = words.get(i + 1).with_context(|| format!("--{name} needs a value"))?;
                    args.flags.insert(name.to_string(), Some(value.clone()));
                    i += 1;
                }
            } else {
                args.words.push(word.clone());
            }
            i += 1;
        }
        Ok(args)
    }

    /// The `i`th positional word.
    pub fn word(&self, i: usize) -> Option<&str> {
        self.words.get(i).map(String::as_str)
    }

    /// The `i`th positional word, or an error naming `what` is missing.
    pub fn need(&self, i: usize, what: &str) -> anyhow::Result<&str> {
        self.word(i).with_context(|| format!("missing {what}"))
    }

    /// The value of `--name`.
    pub fn flag(&self, name: &str) -> Option<&str> {
        self.flags.get(name).and_then(|v| v.as_deref())
    }

    /// Whether the switch `--name` is given.
    pub fn switch(&self, name: &str) -> bool {
        self.flags.contains_key(name)
    }

    /// Refuses flags other than `allowed`, naming the first unknown one.
    pub fn only(&self, allowed: &[&str]) -> anyhow::Result<()> {
        if let Some(name) = self.flags.keys().find(|name| !allowed.contains(&name.as_str())) {
            if allowed.is_empty() {
                bail!("unknown flag --{name}: this command takes none");
            }
            let list: Vec<String> = allowed.iter().map(|a| format!("--{a}")).collect();
            bail!("unknown flag --{name}: this command takes {}", list.join(", "));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_quotes_and_comments() {
        let words = split(r#"send token "transfer(address,uint256)" bob 5 # a comment"#).expect("splits");
        assert_eq!(words, ["send", "token", "transfer(address,uint256)", "bob", "5"]);
        assert!(split("say 'unclosed").is_err());
        assert!(split("   # only a comment").expect("splits").is_empty());
    }

    #[test]
    fn separates_flags() {
        let words = split("send bob --value 1ether --force --gas=50000").expect("splits");
        let args = Args::parse(&words[1..]).expect("parses");
        assert_eq!(args.words, ["bob"]);
        assert_eq!(args.flag("value"), Some("1ether"));
        assert_eq!(args.flag("gas"), Some("50000"));
        assert!(args.switch("force"));
        assert!(args.only(&["value"]).is_err());
        assert!(Args::parse(&["--from".to_string()]).is_err());
    }
}
