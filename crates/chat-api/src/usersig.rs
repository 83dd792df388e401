//! UserSig version 2.0: generation (the provider) and verification (the simulator).
//!
//! The string to sign is four `TLS.*:value\n` lines; `TLS.sig` is base64 of its
//! HMAC-SHA256 under the app's secret key. The UserSig is the JSON document holding
//! it, zlib-compressed and base64-encoded with `+/=` swapped for `*-_`.
//!
//! Invariant: nothing here logs, and no error carries the key or the signature.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use flate2::bufread::ZlibDecoder;
use flate2::write::ZlibEncoder;
use flate2::Compression;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::io::{Read as _, Write as _};

type HmacSha256 = Hmac<Sha256>;

/// The longest UserSig the verifier will look at, and the most JSON it will inflate:
/// both guard against decompression bombs and garbage.
const MAX_USERSIG_LEN: usize = 8 * 1024;
const MAX_JSON_LEN: usize = 16 * 1024;

/// What a well-formed UserSig says about itself (never the signature).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigInfo {
    pub sdkappid: u64,
    pub identifier: String,
    /// Unix seconds when the signature was made.
    pub time: u64,
    /// Seconds of validity from `time`.
    pub expire: u64,
}

impl SigInfo {
    /// Unix seconds from which the signature is no longer accepted.
    pub fn expires_at(&self) -> u64 {
        self.time.saturating_add(self.expire)
    }
}

/// Why a UserSig was refused, with the Chat API error code Tencent answers for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the UserSig could not be parsed")]
    Malformed,
    #[error("the UserSig has expired")]
    Expired,
    #[error("the UserSig does not verify with this app's secret key")]
    BadSignature,
    #[error("the identifier differs from the one the UserSig was made for")]
    IdentifierMismatch,
    #[error("the SDKAppID differs from the one the UserSig was made for")]
    SdkAppIdMismatch,
}

impl VerifyError {
    /// The ErrorCode the Chat REST API answers with.
    pub fn error_code(self) -> i64 {
        match self {
            VerifyError::Malformed => 70003,
            VerifyError::Expired => 70001,
            VerifyError::BadSignature => 70009,
            VerifyError::IdentifierMismatch => 70013,
            VerifyError::SdkAppIdMismatch => 70014,
        }
    }
}

fn string_to_sign(sdkappid: u64, identifier: &str, time: u64, expire: u64) -> String {
    format!(
        "TLS.identifier:{identifier}\nTLS.sdkappid:{sdkappid}\nTLS.time:{time}\nTLS.expire:{expire}\n"
    )
}

fn mac(secret_key: &str, sdkappid: u64, identifier: &str, time: u64, expire: u64) -> HmacSha256 {
    let mut mac =
        HmacSha256::new_from_slice(secret_key.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(string_to_sign(sdkappid, identifier, time, expire).as_bytes());
    mac
}

/// `TLS.sig`: standard base64 of the HMAC-SHA256 of the string to sign.
pub fn tls_sig(
    secret_key: &str,
    sdkappid: u64,
    identifier: &str,
    time: u64,
    expire: u64,
) -> String {
    STANDARD.encode(
        mac(secret_key, sdkappid, identifier, time, expire)
            .finalize()
            .into_bytes(),
    )
}

/// A UserSig for `identifier`, made at unix second `time`, valid for `expire` seconds.
pub fn generate(
    secret_key: &str,
    sdkappid: u64,
    identifier: &str,
    time: u64,
    expire: u64,
) -> String {
    let doc = json!({
        "TLS.ver": "2.0",
        "TLS.identifier": identifier,
        "TLS.sdkappid": sdkappid,
        "TLS.expire": expire,
        "TLS.time": time,
        "TLS.sig": tls_sig(secret_key, sdkappid, identifier, time, expire),
    });
    let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
    z.write_all(doc.to_string().as_bytes())
        .expect("writing to a Vec cannot fail");
    let compressed = z.finish().expect("writing to a Vec cannot fail");
    to_url_alphabet(&STANDARD.encode(compressed))
}

fn to_url_alphabet(b64: &str) -> String {
    b64.chars()
        .map(|c| match c {
            '+' => '*',
            '/' => '-',
            '=' => '_',
            c => c,
        })
        .collect()
}

fn from_url_alphabet(sig: &str) -> String {
    sig.chars()
        .map(|c| match c {
            '*' => '+',
            '-' => '/',
            '_' => '=',
            c => c,
        })
        .collect()
}

/// Parsed fields plus the claimed `TLS.sig` bytes.
fn parse(usersig: &str) -> Result<(SigInfo, Vec<u8>), VerifyError> {
    if usersig.is_empty() || usersig.len() > MAX_USERSIG_LEN {
        return Err(VerifyError::Malformed);
    }
    // `+`, `/` and `=` are not in the UserSig alphabet: refusing them keeps one
    // UserSig from having several spellings.
    if usersig.contains(['+', '/', '=']) {
        return Err(VerifyError::Malformed);
    }
    let compressed = STANDARD
        .decode(from_url_alphabet(usersig))
        .map_err(|_| VerifyError::Malformed)?;
    let mut json_bytes = Vec::new();
    let mut decoder = ZlibDecoder::new(compressed.as_slice());
    (&mut decoder)
        .take(MAX_JSON_LEN as u64 + 1)
        .read_to_end(&mut json_bytes)
        .map_err(|_| VerifyError::Malformed)?;
    // Nothing may follow the zlib stream (its checksum included).
    if json_bytes.len() > MAX_JSON_LEN || !decoder.into_inner().is_empty() {
        return Err(VerifyError::Malformed);
    }
    let doc: Value = serde_json::from_slice(&json_bytes).map_err(|_| VerifyError::Malformed)?;
    let uint = |k: &str| {
        doc.get(k)
            .and_then(Value::as_u64)
            .ok_or(VerifyError::Malformed)
    };
    let text = |k: &str| {
        doc.get(k)
            .and_then(Value::as_str)
            .ok_or(VerifyError::Malformed)
    };
    if text("TLS.ver")? != "2.0" {
        return Err(VerifyError::Malformed);
    }
    let info = SigInfo {
        sdkappid: uint("TLS.sdkappid")?,
        identifier: text("TLS.identifier")?.to_string(),
        time: uint("TLS.time")?,
        expire: uint("TLS.expire")?,
    };
    let sig = STANDARD
        .decode(text("TLS.sig")?)
        .map_err(|_| VerifyError::Malformed)?;
    Ok((info, sig))
}

/// Reads what a UserSig claims without checking its signature: the simulator
/// uses it to find the app, the provider to report when a pre-issued one expires.
pub fn inspect(usersig: &str) -> Result<SigInfo, VerifyError> {
    parse(usersig).map(|(info, _)| info)
}

/// Checks a UserSig as the Chat API does: well-formed, made for this SDKAppID and
/// identifier, signed with this key (constant-time comparison), and `now` inside
/// `[time, time + expire)`.
pub fn verify(
    usersig: &str,
    secret_key: &str,
    sdkappid: u64,
    identifier: &str,
    now: u64,
) -> Result<SigInfo, VerifyError> {
    let (info, claimed) = parse(usersig)?;
    if info.sdkappid != sdkappid {
        return Err(VerifyError::SdkAppIdMismatch);
    }
    if info.identifier != identifier {
        return Err(VerifyError::IdentifierMismatch);
    }
    mac(
        secret_key,
        info.sdkappid,
        &info.identifier,
        info.time,
        info.expire,
    )
    .verify_slice(&claimed)
    .map_err(|_| VerifyError::BadSignature)?;
    if now < info.time || now >= info.expires_at() {
        return Err(VerifyError::Expired);
    }
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

    #[test]
    fn round_trip() {
        let sig = generate(KEY, 1400000000, "administrator", 1_700_000_000, 3600);
        let info = verify(&sig, KEY, 1400000000, "administrator", 1_700_000_100).unwrap();
        assert_eq!(info.expires_at(), 1_700_003_600);
        assert!(!sig.contains(['+', '/', '=']));
        assert_eq!(
            verify(&sig, KEY, 1400000000, "administrator", 1_700_003_600),
            Err(VerifyError::Expired)
        );
        assert_eq!(
            verify(&sig, "other", 1400000000, "administrator", 1_700_000_100),
            Err(VerifyError::BadSignature)
        );
        assert_eq!(
            verify(&sig, KEY, 1400000001, "administrator", 1_700_000_100),
            Err(VerifyError::SdkAppIdMismatch)
        );
        assert_eq!(
            verify(&sig, KEY, 1400000000, "admin", 1_700_000_100),
            Err(VerifyError::IdentifierMismatch)
        );
    }

    #[test]
    fn one_spelling_only() {
        let sig = generate(KEY, 1400000000, "administrator", 1_700_000_000, 3600);
        assert!(inspect(&sig).is_ok());
        // Bytes after the zlib stream.
        let mut bytes = STANDARD.decode(from_url_alphabet(&sig)).unwrap();
        bytes.extend_from_slice(b"\0\0\0");
        let extra = to_url_alphabet(&STANDARD.encode(&bytes));
        assert_eq!(inspect(&extra), Err(VerifyError::Malformed));
        // Standard-alphabet characters in place of the UserSig ones.
        let std_alphabet = sig.replace('*', "+").replace('-', "/").replace('_', "=");
        if std_alphabet != sig {
            assert_eq!(inspect(&std_alphabet), Err(VerifyError::Malformed));
        }
        assert_eq!(inspect(&format!("{sig}=")), Err(VerifyError::Malformed));
    }

    #[test]
    fn garbage_is_malformed() {
        for s in ["", "x", "eJyr", "!!!!", &"A".repeat(MAX_USERSIG_LEN + 1)] {
            assert_eq!(inspect(s), Err(VerifyError::Malformed));
        }
    }
}
