//! Host names resolved in Rust, never through glibc's `getaddrinfo`: the release
//! binary is static, and a static glibc cannot load the NSS modules
//! `getaddrinfo` needs. hickory-dns reads `/etc/hosts` first, then asks the name
//! servers of `/etc/resolv.conf` (with its `search`, `ndots`, `timeout` and
//! `attempts`), like glibc's `hosts: files dns`.
//!
//! Addresses: a name in `/etc/hosts` is answered from there alone, with every
//! address it lists there (IPv4 first), even when no name server can be reached
//! and even when it has only IPv6 addresses there: the file is read here first,
//! as glibc's `files` source does, before hickory is asked. Other names: IPv4
//! first, IPv6 only for a name without one (asking for both families at once, as
//! reqwest's own hickory resolver does, would wait for the AAAA question to time
//! out). Without a readable `/etc/resolv.conf` the name server is 127.0.0.1, as
//! glibc assumes, asked once with a short timeout, so a name nobody can resolve
//! fails within seconds rather than after every retry's full request timeout.

use hickory_resolver::config::{LookupIpStrategy, NameServerConfigGroup, ResolverConfig};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::TokioResolver;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// Where the static `files` source lives.
const HOSTS: &str = "/etc/hosts";

/// The addresses `hosts` (the text of an `/etc/hosts`) lists for `name`
/// (case-insensitive), IPv4 first; empty when it lists none.
fn from_hosts(hosts: &str, name: &str) -> Vec<IpAddr> {
    let name = name.trim_end_matches('.');
    let mut found: Vec<IpAddr> = hosts
        .lines()
        .filter_map(|line| {
            let line = line.split('#').next().unwrap_or_default();
            let mut words = line.split_whitespace();
            let ip: IpAddr = words.next()?.parse().ok()?;
            words
                .any(|w| w.trim_end_matches('.').eq_ignore_ascii_case(name))
                .then_some(ip)
        })
        .collect();
    found.sort_by_key(|ip| ip.is_ipv6());
    found.dedup();
    found
}

/// The client's resolver, made on first use (inside the runtime) and shared.
#[derive(Clone, Default)]
pub(crate) struct Resolver {
    inner: Arc<OnceLock<TokioResolver>>,
}

impl Resolver {
    fn get(&self) -> &TokioResolver {
        self.inner.get_or_init(|| {
            let mut fallback = false;
            let mut builder = TokioResolver::builder_tokio().unwrap_or_else(|e| {
                log_debug!(
                    "chat",
                    "no usable /etc/resolv.conf; asking a name server on 127.0.0.1",
                    error = e
                );
                fallback = true;
                let local = NameServerConfigGroup::from_ips_clear(
                    &[IpAddr::V4(Ipv4Addr::LOCALHOST)],
                    53,
                    true,
                );
                TokioResolver::builder_with_config(
                    ResolverConfig::from_parts(None, Vec::new(), local),
                    TokioConnectionProvider::default(),
                )
            });
            builder.options_mut().ip_strategy = LookupIpStrategy::Ipv4thenIpv6;
            if fallback {
                // A guess, not a configured server: do not wait long on it.
                builder.options_mut().timeout = Duration::from_secs(2);
                builder.options_mut().attempts = 1;
            }
            builder.build()
        })
    }
}

impl Resolve for Resolver {
    fn resolve(&self, name: Name) -> Resolving {
        let this = self.clone();
        Box::pin(async move {
            let listed = std::fs::read_to_string(HOSTS)
                .map(|h| from_hosts(&h, name.as_str()))
                .unwrap_or_default();
            if !listed.is_empty() {
                let addrs: Vec<SocketAddr> = listed
                    .into_iter()
                    .map(|ip| SocketAddr::new(ip, 0))
                    .collect();
                return Ok(Box::new(addrs.into_iter()) as Addrs);
            }
            let lookup = this.get().lookup_ip(name.as_str()).await?;
            let addrs: Vec<SocketAddr> = lookup.iter().map(|ip| SocketAddr::new(ip, 0)).collect();
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_entries_of_either_family_are_found_ipv4_first() {
        let hosts = "# comment\n::1 sim6.qa.test\n127.0.0.1 localhost Sim.QA.test # trailing\n\
                     ::1 localhost ip6-localhost\nbad line\n";
        assert_eq!(
            from_hosts(hosts, "sim6.qa.test"),
            vec!["::1".parse::<IpAddr>().unwrap()]
        );
        assert_eq!(
            from_hosts(hosts, "localhost."),
            vec![
                "127.0.0.1".parse::<IpAddr>().unwrap(),
                "::1".parse::<IpAddr>().unwrap()
            ]
        );
        assert_eq!(
            from_hosts(hosts, "sim.qa.test"),
            vec!["127.0.0.1".parse::<IpAddr>().unwrap()]
        );
        assert!(from_hosts(hosts, "nope.qa.test").is_empty());
        assert!(from_hosts(hosts, "comment").is_empty());
    }

    #[tokio::test]
    async fn names_in_etc_hosts_resolve_without_a_name_server() {
        // localhost is in every /etc/hosts (and hickory answers it itself).
        let addrs: Vec<SocketAddr> = Resolver::default()
            .resolve("localhost".parse().unwrap())
            .await
            .expect("localhost resolves")
            .collect();
        assert!(addrs.iter().any(|a| a.ip().is_loopback()), "{addrs:?}");
    }
}
