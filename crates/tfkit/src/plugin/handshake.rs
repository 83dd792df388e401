//! What go-plugin's client tells the plugin through the environment, and the
//! lines the plugin prints back on stdout. Pure functions, so the rules are
//! tested without starting a process.

use super::PluginError;
use serde::Serialize;

/// The environment variable Terraform sets, and the value it sets it to.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// go-plugin's own protocol version, first field of the handshake line.
pub(super) const CORE_PROTOCOL_VERSION: u32 = 1;
/// The Terraform plugin protocol this provider speaks.
pub const APP_PROTOCOL_VERSION: u32 = 6;

/// Default TCP port range when the Unix socket cannot be made.
pub(super) const DEFAULT_MIN_PORT: u16 = 10_000;
pub(super) const DEFAULT_MAX_PORT: u16 = 25_000;

/// Fails unless the magic cookie holds the documented value.
pub(crate) fn check_cookie(value: Option<&str>) -> bool {
    value == Some(MAGIC_COOKIE_VALUE)
}

/// `PLUGIN_PROTOCOL_VERSIONS` is a comma list of the versions the client speaks.
/// Unset or empty means an old client that does not say: we offer 6 and let it
/// decide. Entries that are not numbers are skipped, as go-plugin does.
pub(super) fn check_protocol_versions(value: Option<&str>) -> Result<(), PluginError> {
    let Some(list) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(());
    };
    let offered = list
        .split(',')
        .filter_map(|s| s.trim().parse::<u32>().ok())
        .any(|v| v == APP_PROTOCOL_VERSION);
    if offered {
        Ok(())
    } else {
        Err(PluginError::UnsupportedProtocol {
            offered: list.to_string(),
        })
    }
}

/// The inclusive TCP port range from `PLUGIN_MIN_PORT`/`PLUGIN_MAX_PORT`.
pub(super) fn port_range(min: Option<&str>, max: Option<&str>) -> Result<(u16, u16), PluginError> {
    fn parse(name: &str, v: Option<&str>, default: u16) -> Result<u16, PluginError> {
        match v.map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(default),
            Some(s) => s.parse::<u16>().map_err(|_| {
                PluginError::Config(format!("{name}={s:?} is not a port number (0-65535)"))
            }),
        }
    }
    let lo = parse("PLUGIN_MIN_PORT", min, DEFAULT_MIN_PORT)?;
    let hi = parse("PLUGIN_MAX_PORT", max, DEFAULT_MAX_PORT)?;
    if lo > hi {
        return Err(PluginError::Config(format!(
            "PLUGIN_MIN_PORT ({lo}) is greater than PLUGIN_MAX_PORT ({hi})"
        )));
    }
    Ok((lo, hi))
}

/// `1|6|unix|/tmp/plugin.sock|grpc|<cert>` with its newline.
pub(super) fn handshake_line(network: &str, address: &str, cert_b64: &str) -> String {
    format!("{CORE_PROTOCOL_VERSION}|{APP_PROTOCOL_VERSION}|{network}|{address}|grpc|{cert_b64}\n")
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Reattach<'a> {
    protocol: &'a str,
    protocol_version: u32,
    pid: u32,
    test: bool,
    addr: ReattachAddr<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ReattachAddr<'a> {
    network: &'a str,
    string: &'a str,
}

/// The JSON value of `TF_REATTACH_PROVIDERS` for one provider.
pub(super) fn reattach_json(
    provider_address: &str,
    pid: u32,
    network: &str,
    address: &str,
) -> String {
    let entry = Reattach {
        protocol: "grpc",
        protocol_version: APP_PROTOCOL_VERSION,
        pid,
        test: true,
        addr: ReattachAddr {
            network,
            string: address,
        },
    };
    // Serialized straight from the struct, so the keys keep Terraform's order.
    let map = std::collections::BTreeMap::from([(provider_address, entry)]);
    // Strings, numbers and bools only: serializing cannot fail.
    serde_json::to_string(&map).unwrap_or_default()
}

/// What `--debug` prints on stdout: the value quoted for a POSIX shell.
pub(super) fn debug_banner(reattach: &str) -> String {
    let quoted = reattach.replace('\'', r#"'"'"'"#);
    format!(
        "Provider started. To attach Terraform CLI, set the TF_REATTACH_PROVIDERS \
         environment variable with the following:\n\n\tTF_REATTACH_PROVIDERS='{quoted}'\n\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_must_match_exactly() {
        assert!(check_cookie(Some(MAGIC_COOKIE_VALUE)));
        assert!(!check_cookie(None));
        assert!(!check_cookie(Some("")));
        let mut wrong = MAGIC_COOKIE_VALUE.to_string();
        wrong.push(' ');
        assert!(!check_cookie(Some(&wrong)));
    }

    #[test]
    fn protocol_versions() {
        assert!(check_protocol_versions(None).is_ok());
        assert!(check_protocol_versions(Some("")).is_ok());
        assert!(check_protocol_versions(Some("6")).is_ok());
        assert!(check_protocol_versions(Some("5,6")).is_ok());
        assert!(check_protocol_versions(Some(" 5 , 6 ")).is_ok());
        assert!(check_protocol_versions(Some("x,6")).is_ok());
        let err = check_protocol_versions(Some("4,5")).unwrap_err();
        assert!(err.to_string().contains("4,5"), "{err}");
        assert!(err.to_string().contains('6'), "{err}");
        assert!(check_protocol_versions(Some("60")).is_err());
    }

    #[test]
    fn ports() {
        assert_eq!(port_range(None, None).unwrap(), (10_000, 25_000));
        assert_eq!(
            port_range(Some("2000"), Some("2001")).unwrap(),
            (2000, 2001)
        );
        assert_eq!(
            port_range(Some(""), Some("12000")).unwrap(),
            (10_000, 12_000)
        );
        assert!(port_range(Some("3"), Some("2")).is_err());
        assert!(port_range(Some("abc"), None).is_err());
        assert!(port_range(None, Some("70000")).is_err());
    }

    #[test]
    fn handshake_line_shape() {
        assert_eq!(
            handshake_line("unix", "/tmp/p.sock", ""),
            "1|6|unix|/tmp/p.sock|grpc|\n"
        );
        assert_eq!(
            handshake_line("tcp", "127.0.0.1:10001", "AbC"),
            "1|6|tcp|127.0.0.1:10001|grpc|AbC\n"
        );
    }

    #[test]
    fn reattach_shape_and_order() {
        let j = reattach_json(
            "registry.terraform.io/example/example",
            42,
            "unix",
            "/tmp/x",
        );
        assert_eq!(
            j,
            r#"{"registry.terraform.io/example/example":{"Protocol":"grpc","ProtocolVersion":6,"Pid":42,"Test":true,"Addr":{"Network":"unix","String":"/tmp/x"}}}"#
        );
    }

    #[test]
    fn banner_quotes_for_the_shell() {
        let b = debug_banner(r#"{"a":"it's"}"#);
        assert!(b.starts_with("Provider started. To attach Terraform CLI"));
        assert!(b.contains("\tTF_REATTACH_PROVIDERS='{\"a\":\"it'\"'\"'s\"}'\n"));
    }
}
