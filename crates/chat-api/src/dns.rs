//! Host names resolved in Rust, never through glibc's `getaddrinfo`: the release
//! binary is static, and a static glibc cannot load the NSS modules
//! `getaddrinfo` needs. hickory-dns reads `/etc/hosts` first, then asks the name
//! servers of `/etc/resolv.conf` (with its `search`, `ndots`, `timeout` and
//! `attempts`), like glibc's `hosts: files dns`.
//!
//! Addresses: IPv4 first, IPv6 only for a name without one. A name in
//! `/etc/hosts` is answered from there alone, even when no name server can be
//! reached (asking for both families at once, as reqwest's own hickory
//! resolver does, would wait for the AAAA question to time out). Without a
//! readable `/etc/resolv.conf` the name server is 127.0.0.1, as glibc assumes.

use hickory_resolver::config::{LookupIpStrategy, NameServerConfigGroup, ResolverConfig};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::TokioResolver;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, OnceLock};

/// The client's resolver, made on first use (inside the runtime) and shared.
#[derive(Clone, Default)]
pub(crate) struct Resolver {
    inner: Arc<OnceLock<TokioResolver>>,
}

impl Resolver {
    fn get(&self) -> &TokioResolver {
        self.inner.get_or_init(|| {
            let mut builder = TokioResolver::builder_tokio().unwrap_or_else(|e| {
                log_debug!(
                    "chat",
                    "no usable /etc/resolv.conf; asking a name server on 127.0.0.1",
                    error = e
                );
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
            builder.build()
        })
    }
}

impl Resolve for Resolver {
    fn resolve(&self, name: Name) -> Resolving {
        let this = self.clone();
        Box::pin(async move {
            let lookup = this.get().lookup_ip(name.as_str()).await?;
            let addrs: Vec<SocketAddr> = lookup.iter().map(|ip| SocketAddr::new(ip, 0)).collect();
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
