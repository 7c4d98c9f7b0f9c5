//! Which `Host` headers the JSON-RPC answers (geth's `vhosts`): IP addresses, `localhost` and
//! the names `--allow-hosts` lists. A web page can reach a local port only under its own
//! origin's name (DNS rebinding points that name at 127.0.0.1), so a request naming another host
//! is refused; pages on localhost still reach the devnet, since CORS stays open.

/// The host names allowed besides IP addresses and `localhost`.
#[derive(Clone, Debug, Default)]
pub struct AllowedHosts {
    names: Vec<String>,
    any: bool,
}

impl AllowedHosts {
    /// Allowing `names` too (`*` allows every host).
    pub fn new(names: &[String]) -> Self {
        let any = names.iter().any(|n| n.trim() == "*");
        let names = names.iter().map(|n| n.trim().trim_end_matches('.').to_ascii_lowercase()).collect();
        Self { names, any }
    }

    /// Whether a request whose `Host` header is `header` is answered.
    pub fn allows(&self, header: &str) -> bool {
        if self.any {
            return true;
        }
        let host = host_name(header).trim_end_matches('.').to_ascii_lowercase();
        host.parse::<std::net::IpAddr>().is_ok()
            || host == "localhost"
            || host.ends_with(".localhost")
            || self.names.contains(&host)
    }
}

/// The name in a `Host` header, without its port (`[::1]:8545` → `::1`).
fn host_name(header: &str) -> &str {
    let header = header.trim();
    if let Some(rest) = header.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match header.rsplit_once(':') {
        // One colon: a name and a port. More: an IPv6 address without brackets.
        Some((name, port)) if !name.contains(':') && port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => header,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_names_and_ip_addresses_are_allowed_others_only_when_listed() {
        let hosts = AllowedHosts::default();
        for ok in ["localhost:8545", "LOCALHOST", "127.0.0.1:8545", "[::1]:8545", "192.168.1.5", "app.localhost"] {
            assert!(hosts.allows(ok), "{ok}");
        }
        for refused in ["evil.example:8545", "localhost.evil.example", "example"] {
            assert!(!hosts.allows(refused), "{refused}");
        }
        let listed = AllowedHosts::new(&["devnet.internal".into()]);
        assert!(listed.allows("devnet.internal:8545"));
        assert!(listed.allows("DEVNET.internal."));
        assert!(!listed.allows("evil.example"));
        assert!(AllowedHosts::new(&["*".into()]).allows("evil.example"));
    }
}
